"""Probe: does scoring the text "Stop" against the audio tell a lone "stop" from other
short words, as `listen` cuts them in the simulated room (docs/hearing.md)?

    .venv/bin/python bench/stop_align.py gb     # or us: the Kokoro voices of that accent

Each word is said by every voice of the accent, every other one through the room's
impulse response (RT60 0.4 s), with the device silent and the pipeline in speaking mode.
Prints how often the pipeline acted on "stop", and the log probability CTranslate2's
``Whisper.align`` gives the token " Stop" (best of three spellings) on the utterance the
endpointer cut. Tried for docs/hearing.md, not used by the product.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]
from speech import DeviceSpeaking, kokoro_voices, render, room_response, through_room  # noqa: E402

from voiceguide.audio import RATE  # noqa: E402
from voiceguide.config import Settings  # noqa: E402
from voiceguide.hearing.mel import log_mel  # noqa: E402
from voiceguide.hearing.pipeline import Hearing  # noqa: E402
from voiceguide.hearing.registry import choose_engine  # noqa: E402
from voiceguide.router import default_router  # noqa: E402

WORDS = ["stop", "stop it", "star", "top", "shop", "stuff", "stuck", "step", "so", "okay",
         "sorry", "stay", "what", "no", "wait", "that's it", "stopped", "not", "start",
         "job", "hot"]


def main() -> None:
    import ctranslate2

    accent = sys.argv[1] if len(sys.argv) > 1 else "gb"
    router = default_router()
    engine = choose_engine("whisper", None, Settings(), router).engine
    tok = engine.tokenizer
    sot = [tok.token_to_id("<|startoftranscript|>"), tok.token_to_id("<|notimestamps|>")]
    spellings = [tok.encode(c, add_special_tokens=False).ids for c in (" Stop", " stop", " STOP")]

    def stop_score(samples: np.ndarray) -> float:
        window = max(4.0, math.ceil(len(samples) / RATE + 1.0))
        padded = np.zeros(int(window * RATE), np.float32)
        padded[:len(samples)] = samples
        f = log_mel(padded, engine.model.n_mels)[:, :int(window * RATE) // 160 // 2 * 2]
        batch = np.ascontiguousarray(np.repeat(f[None], len(spellings), 0))
        res = engine.model.align(ctranslate2.StorageView.from_array(batch), sot, spellings,
                                 f.shape[1])
        return max(float(np.mean(np.log(np.maximum(r.text_token_probs, 1e-6)))) for r in res)

    cut: list[np.ndarray] = []
    transcribe = engine.transcribe

    def keep(samples, mode="cues"):
        cut.append(samples.copy())
        return transcribe(samples, mode)

    engine.transcribe = keep
    room = room_response(0.4, 2)
    floor = np.random.default_rng(5).standard_normal(5 * RATE).astype(np.float32) * 10 ** (-65 / 20)
    voices = kokoro_voices(accent=accent)
    for word in WORDS:
        scored, acted = [], 0
        for k, voice in enumerate(voices):
            a = render(word, f"kokoro:{voice}").resampled(RATE).samples
            p = through_room(a, room) if k % 2 else a
            p = p * 0.1 / np.sqrt(np.mean(p[np.abs(p) > 0.1 * np.abs(p).max()] ** 2))
            x = floor.copy()
            x[2 * RATE:2 * RATE + len(p)] += p[:3 * RATE]
            hearing = Hearing(engine, router, speaker=DeviceSpeaking([]))
            pcm = (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
            cut.clear()
            got = hearing.feed(pcm) + hearing.flush()
            acted += any(d.match and d.match.intent.value == "stop" for d in got)
            heard = [d.transcript.text for d in got if d.end > 2.0]
            utterances = [c for c in cut if len(c) > 0.7 * RATE]
            if utterances:
                scored.append((stop_score(utterances[-1]), heard[-1] if heard else ""))
        values = sorted(s for s, _ in scored) or [float("nan")]
        print(f"{word:10} acted on as stop {acted}/{len(voices)}; log p(' Stop'): min "
              f"{values[0]:.2f} median {values[len(values) // 2]:.2f} max {values[-1]:.2f} | "
              + " ".join(f"{s:.1f}:{t!r}" for s, t in scored), flush=True)


if __name__ == "__main__":
    main()
