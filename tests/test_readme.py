"""The README a newcomer reads: short, every command in it works (tools/check-readme runs
or checks each), and every page it links to is there."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import _env

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
LEAD_WRITES = {"docs/router.md"}
"""Linked from the README's "Understanding" paragraph; the lead writes that page."""


def check_readme(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "check-readme"), *args],
                          capture_output=True, text=True, env=_env(), cwd=cwd, timeout=1200)


def test_the_readme_is_short_and_names_the_command():
    text = README.read_text("utf-8")
    assert len(text.splitlines()) <= 300
    assert ".venv/bin/voiceguide" in text and "not therapy" in text
    for part in ("## Safety comes first", "## The two commands", "## Trying it without speakers",
                 "## What you can say", "## Controls", "## Safety numbers", "## Config basics",
                 "## Privacy", "## Understanding", "## Where to go next"):
        assert part in text, part


def test_every_linked_page_is_there():
    text = README.read_text("utf-8")
    links = set(re.findall(r"\]\(((?:docs|bench)/[^)#]+)", text))
    assert {"docs/setup.md", "docs/hearing.md", "docs/voice.md", "docs/service.md",
            "docs/performance.md"} <= links
    for link in links - LEAD_WRITES:
        assert (ROOT / link).is_file(), link
    for page in (ROOT / "docs").glob("*.md"):  # and the docs' own links to each other
        for link in re.findall(r"\]\(([a-z_]+\.md)", page.read_text("utf-8")):
            assert link in {Path(x).name for x in LEAD_WRITES} or \
                (page.parent / link).is_file(), (page.name, link)


@pytest.mark.timeout(1200)
def test_every_command_in_the_readme_works():
    proc = check_readme()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("check-readme: all commands work")
    ran = [ln for ln in proc.stdout.splitlines() if ln.startswith("ok   ran")]
    assert len(ran) >= 8  # most are run for real, not only parsed
    assert any("render --cue" in ln for ln in ran) and any("listen --text" in ln for ln in ran)


def test_the_checker_fails_on_a_command_that_does_not_work(tmp_path):
    bad = tmp_path / "README.md"
    bad.write_text("```sh\n.venv/bin/voiceguide render no-such-script -o out.wav\n"
                   ".venv/bin/voiceguide listen --no-such-flag\n./run.sh --setup\n"
                   "make install\n```\n")
    proc = check_readme(str(bad))
    assert proc.returncode == 1
    out = proc.stdout
    assert "FAIL ran     .venv/bin/voiceguide render no-such-script" in out
    assert "FAIL parsed  .venv/bin/voiceguide listen --no-such-flag" in out
    assert "ok   checked ./run.sh --setup" in out
    assert "FAIL error   make install" in out
