"""Finding, choosing and downloading speech models.

The network is touched only by :func:`download`, i.e. the explicit
``voiceguide model download`` command.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

from ..config import Settings, data_dir
from ..errors import DownloadError, EngineUnavailable, ModelNotFound
from ..intents import INTENTS
from ..router import Router
from .engines import Engine, SphinxEngine, VoskEngine, is_vosk_model

log = logging.getLogger(__name__)

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
BASE_URL = "https://alphacephei.com/vosk/models"


def checkout_models_dir() -> Path:
    """models/ beside the package when running from a checkout (editable install)."""
    return Path(__file__).resolve().parents[2] / "models"


def search_dirs(settings: Settings | None = None) -> list[Path]:
    dirs = []
    if settings and settings.listen.model:
        dirs.append(Path(settings.listen.model).expanduser())
    dirs += [checkout_models_dir(), Path.cwd() / "models", data_dir() / "models"]
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


def find_vosk_model(explicit: str | Path | None, settings: Settings) -> Path | None:
    """Discovery order: --model, config, models/ in the checkout, the user data dir."""
    if explicit:
        path = Path(explicit).expanduser()
        if not is_vosk_model(path):
            raise ModelNotFound(f"{path} is not a Vosk model folder (needs am/final.mdl, conf/ "
                                "and graph/); `voiceguide model list` shows installed models")
        return path
    models = installed_models(search_dirs(settings))
    english = [m for m in models if "-en-" in m.name or m.name.endswith("-en")]
    return (english or models or [None])[0]


def phrase_modes(router: Router) -> dict[str, list[str]]:
    """Grammar phrases per listening mode: cues, and cues plus 0-10 answers."""
    cues = router.phrases([i for i in INTENTS if i != "score"])
    return {"cues": cues, "answers": sorted(set(cues) | set(router.phrases(["score"])))}


def select_engine(name: str | None, model: str | Path | None, settings: Settings,
                  router: Router) -> Engine:
    name = name or settings.listen.engine
    modes = phrase_modes(router)
    if name in ("auto", "vosk"):
        path = find_vosk_model(model, settings)
        if path is not None:
            try:
                return VoskEngine(path, modes)
            except (EngineUnavailable, ModelNotFound) as exc:
                if name == "vosk":
                    raise
                log.warning("not using Vosk: %s; falling back to PocketSphinx", exc)
        if name == "vosk":
            raise ModelNotFound("no Vosk model found (looked in: " + ", ".join(
                str(d) for d in search_dirs(settings)) + "); run `voiceguide model download` "
                "or use --engine pocketsphinx")
    listen = settings.listen
    return SphinxEngine(modes, max_phone_distance=listen.max_phone_distance,
                        min_coverage=listen.min_coverage,
                        safety_phrases=router.phrases(["safety"]),
                        safety_max_phone_distance=listen.safety_max_phone_distance)


# ---------------------------------------------------------------------------- download
def download(name: str = DEFAULT_MODEL, dest: Path | None = None,
             base_url: str | None = None, timeout: float = 30,
             progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Fetch ``name``.zip, unpack it next to its final place, verify, then move it in.
    ``progress(done, total)`` is called as bytes arrive (total None when unknown)."""
    dest = dest or checkout_models_dir()
    base_url = base_url or os.environ.get("VOICEGUIDE_MODEL_URL") or BASE_URL
    target = dest / name
    if is_vosk_model(target):
        return target
    dest.mkdir(parents=True, exist_ok=True)
    url = f"{base_url.rstrip('/')}/{name}.zip"
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=dest))
    try:
        archive = work / "model.zip"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, \
                    open(archive, "wb") as out:
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
                                f"fetch the zip on another machine and unzip it into {dest}") \
                from None
        if total and done != total:
            raise DownloadError(f"{url}: download incomplete ({done} of {total} bytes)")
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
        os.replace(model, target)  # same file system: atomic
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
