"""Safety heard while the device speaks: tune safety phrasings said over the device's own
rendered scripts, through the pipeline in speaking mode (echo removal by text included).

Reports, per engine and per loudness of the person relative to the device's voice:
safety recall (the phrase gave safety), stops heard ("stop" said over it), and what the
device's speech alone triggers (must be nothing).

    .venv/bin/python bench/whisper_bargein.py --engines whisper,pocketsphinx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import whisper_audio as wa  # noqa: E402

from voiceguide.config import Settings  # noqa: E402
from voiceguide.hearing.pipeline import Hearing  # noqa: E402
from voiceguide.hearing.registry import choose_engine  # noqa: E402
from voiceguide.router import default_router  # noqa: E402
# The tests' own stand-in and mixing; the device's lines as spoken (numbers filled in).
from test_whisper import DeviceSpeaking, device_speech, over  # noqa: E402

SCRIPTS = ("grounding-feet-and-breath", "flooded-body-first", "chasing-soothe-the-part",
           "safety-get-safe")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", default="whisper,pocketsphinx")
    ap.add_argument("--voices", default="flite:slt,piper:joe,espeak:en-us+f3")
    ap.add_argument("--phrases", type=int, default=12)
    ap.add_argument("--gains", default="6,0,-6")
    ap.add_argument("--data", default=str(wa.TUNE_TSV))
    args = ap.parse_args()
    router = default_router()
    # Phrasings the router already routes to safety as text: this measures hearing (over
    # the device's voice), not the router's coverage of phrasings.
    safety = [p for p in wa.tune_phrases(Path(args.data)) if p.intent == "safety"
              and (m := router.route(p.text)) is not None and m.intent == "safety"]
    safety = safety[:args.phrases]
    print(f"{len(safety)} tune safety phrasings the router knows as text")
    devices = [device_speech(s) for s in SCRIPTS]
    for name in args.engines.split(","):
        engine = choose_engine(name, None, Settings(), router).engine
        own = 0
        for audio, lines in devices:
            h = Hearing(engine, router, speaker=DeviceSpeaking(lines))
            own += sum(bool(d.match) for d in h.feed(audio.pcm16()) + h.flush())
        print(f"{name}: the device's own speech ({len(devices)} scripts) triggered {own} times")
        for gain in map(float, args.gains.split(",")):
            heard = stops = n = 0
            misses = []
            for k, phrase in enumerate(safety):
                for j, voice in enumerate(args.voices.split(",")):
                    dev, lines = devices[(k + j) % len(devices)]
                    person = wa.speech(phrase.text, voice)
                    mixed = over(dev, person, at=2.0 + (k % 3), gain_db=gain)
                    h = Hearing(engine, router, speaker=DeviceSpeaking(lines))
                    got = [d.match.intent.value for d in h.feed(mixed.pcm16()) + h.flush()
                           if d.match]
                    n += 1
                    heard += "safety" in got
                    if "safety" not in got:
                        misses.append(f"{voice}: {phrase.text!r}")
                stop = wa.speech("stop", args.voices.split(",")[k % len(args.voices.split(","))])
                dev, lines = devices[k % len(devices)]
                h = Hearing(engine, router, speaker=DeviceSpeaking(lines))
                stops += "stop" in [d.match.intent.value for d in
                                    h.feed(over(dev, stop, 2.0, gain).pcm16()) + h.flush()
                                    if d.match]
            print(f"  person {gain:+.0f} dB vs the device: safety {heard}/{n}, stop "
                  f"{stops}/{len(safety)}; missed: {misses[:8]}", flush=True)


if __name__ == "__main__":
    main()
