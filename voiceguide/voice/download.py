"""``voiceguide voice download NAME``: more Piper voices, the only network use of the voice.

The catalogue (``voices.json`` of the piper-voices collection) gives each file's size and
MD5; both are checked while downloading, and the sha256 of what arrived is written to a
``manifest.json`` beside the voice, which is what every later load checks against.
Files arrive in a hidden partial folder that is renamed into place only when complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import DownloadError

log = logging.getLogger(__name__)

BASE_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"
"""Overridden by ``--base-url`` or ``$VOICEGUIDE_VOICE_URL`` (the tests use 127.0.0.1)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManifestFile(_Model):
    size: int
    sha256: str


class Manifest(_Model):
    name: str
    source: str
    files: dict[str, ManifestFile]


def read_manifest(folder: Path) -> Manifest | None:
    path = folder / "manifest.json"
    if not path.is_file():
        return None
    try:
        return Manifest.model_validate_json(path.read_text("utf-8"))
    except (OSError, ValidationError) as exc:
        log.warning("%s: unreadable voice manifest (%s)", path, exc)
        return None


def _get(url: str, timeout: float):
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"cannot reach {url} ({reason}); are you online?") from None


def catalogue(base_url: str, timeout: float = 30) -> dict:
    url = f"{base_url.rstrip('/')}/voices.json"
    with _get(url, timeout) as response:
        try:
            return json.loads(response.read())
        except ValueError:
            raise DownloadError(f"{url}: not a voice catalogue (bad JSON)") from None


def download(name: str, dest_root: Path | None = None, base_url: str | None = None,
             force: bool = False, timeout: float = 30,
             progress: Callable[[str, int, int], None] | None = None) -> Path:
    """Fetch the Piper voice ``name`` (e.g. "en_US-lessac-medium"); returns its folder."""
    from .piper import voices_dir

    base_url = (base_url or os.environ.get("VOICEGUIDE_VOICE_URL") or BASE_URL).rstrip("/")
    root = dest_root or voices_dir()
    dest = root / name
    if (dest / "manifest.json").is_file() and not force:
        return dest
    voices = catalogue(base_url, timeout)
    entry = voices.get(name)
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        some = ", ".join(sorted(k for k in voices if k.startswith(name[:2]))[:8])
        raise DownloadError(f"no voice {name!r} in the catalogue (some: {some or 'none'})")
    wanted = {rel: meta for rel, meta in entry["files"].items()
              if rel.endswith((".onnx", ".onnx.json"))}
    if len(wanted) != 2:
        raise DownloadError(f"the catalogue entry for {name!r} lists no model and config")
    root.mkdir(parents=True, exist_ok=True)
    partial = root / f".{name}.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        files = {}
        for rel, meta in wanted.items():
            fname = f"{name}.onnx.json" if rel.endswith(".json") else f"{name}.onnx"
            files[fname] = _fetch(f"{base_url}/{rel}", partial / fname, meta, timeout, progress)
        manifest = Manifest(name=name, source=base_url, files=files)
        (partial / "manifest.json").write_text(manifest.model_dump_json(indent=1), "utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        partial.rename(dest)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return dest


def _fetch(url: str, path: Path, meta: dict, timeout: float,
           progress: Callable[[str, int, int], None] | None) -> ManifestFile:
    size = meta.get("size_bytes")
    md5_expected = meta.get("md5_digest")
    md5, sha = hashlib.md5(), hashlib.sha256()
    got = 0
    with _get(url, timeout) as response, open(path, "wb") as out:
        while True:
            try:
                block = response.read(1 << 16)
            except OSError as exc:
                raise DownloadError(f"{url}: interrupted after {got} bytes ({exc})") from None
            if not block:
                break
            out.write(block)
            md5.update(block)
            sha.update(block)
            got += len(block)
            if progress:
                progress(path.name, got, size or 0)
    if size is not None and got != size:
        raise DownloadError(f"{url}: got {got} bytes, the catalogue says {size}; try again")
    if md5_expected and md5.hexdigest() != md5_expected:
        raise DownloadError(f"{url}: the file is damaged (MD5 differs from the catalogue); "
                            "try again")
    return ManifestFile(size=got, sha256=sha.hexdigest())
