"""``voiceguide route --explain``: the router's reasons as plain text."""

from __future__ import annotations

from .router import Explanation


def format_explanation(e: Explanation) -> str:
    lines = [f"text:       {e.text!r}", f"words:      {' '.join(e.words) or '(none)'}"]
    for n, c in enumerate(e.clauses, 1):
        dropped = f"   (dropped: {', '.join(c.dropped)})" if c.dropped else ""
        lines.append(f"clause {n}:   {' '.join(c.trimmed) or '(fillers only)'}{dropped}")
    for h in e.hits:
        lines.append(f"matched:    {h.intent} [{h.where}] {h.text!r}")
        if h.template:
            lines.append(f"   by:      {h.template}")
    for note in e.notes:
        lines.append(f"note:       {note}")
    if e.scores:
        ranked = sorted(e.scores.items(), key=lambda kv: -kv[1])
        lines.append("scores:     " + ", ".join(f"{k} {v:.2f}" for k, v in ranked))
    if e.match:
        slots = " ".join(f"{k}={v}" for k, v in e.match.slots.items())
        lines.append(f"result:     {e.match.intent} ({e.match.confidence:.2f}) {slots}".rstrip())
    else:
        lines.append("result:     none (ordinary talk: nothing is said)")
    return "\n".join(lines)
