"""Finding and downloading speech models, and the grammar phrases per listening mode.

The network is touched only by :func:`download`, i.e. the explicit
``voiceguide model download`` command. Downloads go to the user data dir
(:func:`.catalog.models_dir`); Vosk models are also found in ``models/`` of a checkout
and of the current directory, or wherever ``listen.model`` / ``--model`` point.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

from ..config import Settings
from ..errors import DownloadError, ModelNotFound
from ..intents import INTENTS
from ..router import Router
from .catalog import CATALOG, VOSK_BASE_URL, WHISPER_BASE_URL, ModelInfo, checkout_models_dir, \
    models_dir
from .engine import STOP_PHRASES, Engine
from .vosk_engine import is_vosk_model
from .whisper_engine import MANIFEST, check_model_dir, sha256_file

log = logging.getLogger(__name__)


def search_dirs(settings: Settings | None = None) -> list[Path]:
    dirs = []
    if settings and settings.listen.model:
        dirs.append(Path(settings.listen.model).expanduser())
    dirs += [models_dir(), checkout_models_dir(), Path.cwd() / "models"]
    seen, out = set(), []
    for d in dirs:
        if d.resolve() not in seen:
            seen.add(d.resolve())
            out.append(d)
    return out


def installed_models(dirs: list[Path]) -> list[Path]:
    found = []
    for d in dirs:
        if is_vosk_model(d):
            found.append(d)
        elif d.is_dir():
            found += sorted(p for p in d.iterdir() if p.is_dir() and is_vosk_model(p))
    return found


def find_vosk_model(explicit: str | Path | None, settings: Settings,
                    english_only: bool = False) -> Path | None:
    """Discovery order: --model, config, the user data dir, models/ in the checkout. An
    English model is preferred; with ``english_only`` (auto's choice) no other is taken."""
    if explicit:
        path = Path(explicit).expanduser()
        if not is_vosk_model(path):
            raise ModelNotFound(f"{path} is not a Vosk model folder (needs am/final.mdl, conf/ "
                                "and graph/); `voiceguide model list` shows installed models")
        return path
    models = installed_models(search_dirs(settings))
    english = [m for m in models if "-en-" in m.name or m.name.endswith("-en")]
    return (english or ([] if english_only else models) or [None])[0]


def phrase_modes(router: Router) -> dict[str, list[str]]:
    """Grammar phrases per listening mode (see :mod:`.engine`): cues without bare answers,
    cues with yes / no after an offer, plus 0-10 scores after a question, and stop +
    safety while the device speaks."""
    cues = router.phrases([i for i in INTENTS if i not in ("score", "yes", "no")])
    offer = sorted(set(cues) | set(router.phrases(["yes", "no"])))
    return {"cues": cues, "offer": offer,
            "answers": sorted(set(offer) | set(router.phrases(["score"]))),
            "speaking": sorted(set(STOP_PHRASES) | set(router.phrases(["safety"])))}


def select_engine(name: str | None, model: str | Path | None, settings: Settings,
                  router: Router) -> Engine:
    """The engine to use (see :func:`.registry.choose_engine` for the reason too)."""
    from .registry import choose_engine

    return choose_engine(name, model, settings, router).engine


# ---------------------------------------------------------------------------- download
Progress = Callable[[int, "int | None"], None]
"""Told ``(bytes done, bytes in all or None)`` as a download arrives."""


def _fetch(url: str, out_path: Path, dest: Path, timeout: float,
           progress: Progress | None = None) -> None:
    """One URL into one file; every failure is one DownloadError line."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, \
                open(out_path, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            done = 0
            while chunk := response.read(1 << 16):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"{url}: the server answered {exc.code} {exc.reason}; "
                            "check the model name (`voiceguide model list --available`)") \
            from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"cannot download {url} ({reason}); you seem to be offline: "
                            f"fetch it on another machine and put it into {dest}") from None
    if total and done != total:
        raise DownloadError(f"{url}: download incomplete ({done} of {total} bytes)")


def download(name: str, dest: Path | None = None, base_url: str | None = None,
             timeout: float = 30, progress: Progress | None = None) -> Path:
    """Fetch a model into ``dest`` (default: the user data dir), verify it, then move it
    into place in one step; a failure leaves nothing behind. ``base_url`` (or
    ``$VOICEGUIDE_MODEL_URL``) replaces the server (the tests use one on 127.0.0.1).
    Names not in the catalog are taken as Vosk model names (``NAME.zip``)."""
    info = CATALOG.get(name) or ModelInfo(name, "vosk", 0, "")
    dest = dest or models_dir()
    base_url = base_url or os.environ.get("VOICEGUIDE_MODEL_URL")
    target = dest / info.folder
    if info.engine == "vosk" and is_vosk_model(target):
        return target
    if info.engine == "whisper" and (target / MANIFEST).is_file():
        return target
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{info.folder}.", dir=dest))
    try:
        if info.engine == "whisper":
            model = _download_whisper(info, work, (base_url or WHISPER_BASE_URL).rstrip("/"),
                                      dest, timeout, progress)
        else:
            model = _download_vosk(info, work, (base_url or VOSK_BASE_URL).rstrip("/"), dest,
                                   timeout, progress)
        os.replace(model, target)  # same file system: atomic
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _download_whisper(info: ModelInfo, work: Path, base_url: str, dest: Path,
                      timeout: float, progress: Progress | None) -> Path:
    folder = work / info.folder
    folder.mkdir()
    for file in info.files:
        _fetch(f"{base_url}/{info.source}/resolve/main/{file}", folder / file, dest, timeout,
               progress)
    try:
        check_model_dir(folder, None)
    except ModelNotFound as exc:
        raise DownloadError(f"{info.name}: the download is not a Whisper model ({exc})") from None
    manifest = {"name": info.name, "source": info.source,
                "sha256": sha256_file(folder / "model.bin")}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
    return folder


def _download_vosk(info: ModelInfo, work: Path, base_url: str, dest: Path,
                   timeout: float, progress: Progress | None) -> Path:
    url = f"{base_url}/{info.name}.zip"
    archive = work / "model.zip"
    _fetch(url, archive, dest, timeout, progress)
    try:
        with zipfile.ZipFile(archive) as z:
            root = work / "unpacked"
            for member in z.namelist():
                if member.startswith("/") or ".." in Path(member).parts:
                    raise DownloadError(f"{url}: unsafe path in archive: {member}")
            z.extractall(root)
    except zipfile.BadZipFile:
        raise DownloadError(f"{url}: not a valid zip archive") from None
    candidates = [root] + [p for p in root.iterdir() if p.is_dir()]
    model = next((p for p in candidates if is_vosk_model(p)), None)
    if model is None:
        raise DownloadError(f"{url}: the archive holds no Vosk model (am/final.mdl, conf/, "
                            "graph/)")
    return model
