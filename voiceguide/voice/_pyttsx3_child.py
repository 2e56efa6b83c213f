"""The pyttsx3 worker process (run by :mod:`voiceguide.voice.system`, never by people).

Protocol on stdin/stdout: the parent writes one JSON request a line
(``{"text", "rate", "wpm", "voice", "pitch"}``: ``rate`` for pyttsx3, ``wpm`` the pace as
heard); the child answers with one JSON line (``{"ok": true, "bytes": N}`` followed by N
bytes of WAV, or ``{"ok": false, "error"}``, with ``"pace": true`` when the line came out
at the wrong pace or empty, and a fresh worker should try it).
The first answer, before any request, is ``{"ok": true, "ready": ..., "voices": [...]}``.
pyttsx3 writes to a WAV file in the folder the parent made (and removes) for this child;
pyttsx3's own prints go to stderr so they cannot corrupt the protocol.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _voice_id(engine, wanted: str) -> str:
    """Accept a full id ("gmw/en-us"), a short name ("en-us") or a display name."""
    voices = engine.getProperty("voices") or []
    for v in voices:
        if wanted in (v.id, v.name) or v.id.split("/")[-1].lower() == wanted.lower():
            return v.id
    base, _, variant = wanted.partition("+")
    for v in voices:
        if v.id.split("/")[-1].lower() == base.lower():
            return v.id + (f"+{variant}" if variant else "")
    names = ", ".join(sorted(v.id.split("/")[-1] for v in voices)[:12])
    raise ValueError(f"no voice {wanted!r} (some available: {names}, ...)")


def at_pace(wav: bytes, text: str, wpm: float | None) -> bool:
    """Did this line come out whole, at about the pace asked for (``wpm`` words a minute
    as heard)? pyttsx3's espeak driver now and then ignores the rate in a new worker (a
    12-word line at 90 words a minute came out in 2.9 s instead of 8) or hands back an
    empty file, and stays so for that worker; seen more on a busy machine. Only lines of
    four words or more are judged by length (the words' lengths and pauses vary)."""
    import io
    import wave

    try:
        with wave.open(io.BytesIO(wav)) as w:
            seconds = w.getnframes() / float(w.getframerate())
    except (wave.Error, EOFError):
        return False
    words = len(text.split())
    if seconds <= 0:
        return False
    if not wpm or words < 4:
        return True
    expected = words * 60.0 / wpm
    return 0.7 * expected <= seconds <= 1.6 * expected


def main() -> int:
    folder = Path(sys.argv[1])
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything printed from here on (pyttsx3 prints) lands on stderr
    sys.stdout = sys.stderr

    def answer(head: dict, body: bytes = b"") -> None:
        out.write(json.dumps(head).encode() + b"\n" + body)

    try:
        import platform

        import pyttsx3

        driver = "espeak" if platform.system() == "Linux" else None
        engine = pyttsx3.init(driver)
        driver_name = driver or {"Windows": "sapi5", "Darwin": "nsss"}.get(platform.system(), "?")
        voices = [v.id for v in engine.getProperty("voices") or []]
    except Exception as exc:  # pyttsx3 raises bare exceptions of many kinds
        answer({"ok": False, "error": f"pyttsx3 could not start ({exc})"})
        return 1
    # pyttsx3's espeak loop returns from runAndWait before espeak has finished (its
    # synthesis runs on espeak's own thread); the file is complete only when the
    # utterance is reported finished. Waiting for that is also what keeps one line's
    # settings from bleeding into the line before or after it.
    import threading

    finished = threading.Event()
    engine.connect("finished-utterance", lambda name, completed: finished.set())
    answer({"ok": True, "ready": True, "driver": driver_name, "voices": voices[:400],
            "version": getattr(pyttsx3, "__version__", "?")})
    n = 0
    for line in sys.stdin:
        request = json.loads(line)
        n += 1
        path = folder / f"u{n}.wav"
        try:
            if request.get("voice"):
                engine.setProperty("voice", _voice_id(engine, request["voice"]))
            engine.setProperty("rate", int(request["rate"]))
            if request.get("pitch") is not None and driver_name == "espeak":
                engine.setProperty("pitch", int(request["pitch"]))
            finished.clear()
            engine.save_to_file(request["text"], str(path))
            engine.runAndWait()
            if not finished.wait(120):
                raise RuntimeError("pyttsx3 never finished the line")
            body = path.read_bytes()
            if driver_name == "espeak" and not at_pace(body, request["text"],
                                                       request.get("wpm")):
                answer({"ok": False, "pace": True,
                        "error": "pyttsx3 spoke the line at the wrong pace or not at all"})
                continue
        except Exception as exc:  # keep serving: the parent decides what a failure means
            answer({"ok": False, "error": str(exc)})
            continue
        finally:
            path.unlink(missing_ok=True)
        answer({"ok": True, "bytes": len(body)}, body)
    # stdin closed: the parent is done (or gone); leave nothing behind.
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
