"""The simulated room: a person talks over the device's own voice, with and without echo
cancellation.

The device says its scripts in its own voice (Piper joe, the product's default); what the
microphone hears of it is that voice delayed (``--delay`` ms, speaker to microphone and
the sound system's buffers) and filtered through a synthetic room impulse response
(exponentially decaying noise after a direct path, RT60 ``--rt60`` s). A person (Kokoro
voices of both sexes, the report family; phrasings from ``router_report.tsv`` that the
router routes as text) says a safety plea or "stop" through another response of the same
room, starting 2-4 s into a line, at ``--gains`` dB relative to the device as the
microphone hears it. A little room tone (-65 dBFS) lies under everything.

Each mix is heard through the same pipeline as `listen` in speaking mode (text echo
removal included): the microphone as it is, and after :class:`EchoCanceller` (each of
``--cancellers``) with the device's played samples as its far end (fed 10 ms at a time, the reference written ahead
of the microphone as a real player writes it). Also: the device alone through the room
must trigger nothing, how much CPU the canceller costs, and the ceiling: the same person in
the same room with the device silent.

    nice -n 19 .venv/bin/python bench/room_echo.py               # ~15 min on 2 busy cores
    nice -n 19 .venv/bin/python bench/room_echo.py --phrases 8 --gains 0
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import corpus  # noqa: E402
from speech import (DeviceSpeaking, kokoro_voices, render, room_response,  # noqa: E402
                    through_room)

from voiceguide.audio import RATE, Audio, AudioChunk  # noqa: E402
from voiceguide.config import Settings  # noqa: E402
from voiceguide.hearing.aec import EchoCanceller, PlayedAudio  # noqa: E402
from voiceguide.hearing.echo import AfterCancelling  # noqa: E402
from voiceguide.hearing.pipeline import Hearing  # noqa: E402
from voiceguide.hearing.registry import choose_engine  # noqa: E402
from voiceguide.library import load_library  # noqa: E402
from voiceguide.router import default_router  # noqa: E402

SCRIPTS = ("grounding-feet-and-breath", "flooded-body-first", "chasing-soothe-the-part",
           "safety-get-safe")
CHUNK = 480
"""Microphone chunk (30 ms), as the live source delivers them."""


def voiced_power(x: np.ndarray) -> float:
    v = x[np.abs(x) > 0.1 * np.abs(x).max()]
    return float(np.mean(v ** 2))


def device_lines(script_id: str) -> list[str]:
    from test_hearing import render_script

    lines: list[str] = []
    render_script(script_id, lines)  # espeak, quick: only for the lines as spoken
    return lines


def device_voice(lines: list[str]) -> np.ndarray:
    """The lines in the device's voice (Piper joe), 0.5 s apart, at about -20 dBFS."""
    gap = np.zeros(RATE // 2, np.float32)
    parts = [np.concatenate([render(line, "piper:joe").resampled(RATE).samples, gap])
             for line in lines]
    x = np.concatenate(parts)
    return (x * 0.1 / np.sqrt(voiced_power(x))).astype(np.float32)


VERBOSE = False
TEXT_ECHO_AFTER_CANCELLING = True


def decided(detections) -> list[str]:
    if VERBOSE:
        for d in detections:
            print(f"      {d.start:5.2f}-{d.end:5.2f} {d.reason}: {d.transcript.text!r}")
    return [d.match.intent.value for d in detections if d.match]


def hear(engine, router, mic: np.ndarray, lines, far: np.ndarray | None,
         warm: int = 0, kind: str = "speex", ahead: float = 0.1
         ) -> tuple[list[str], float]:
    """Intents acted on over ``mic`` in speaking mode, and the canceller's CPU seconds;
    with ``far`` (what the device played, sample-aligned with ``mic``'s time line), the
    microphone first goes through the echo canceller. The first ``warm`` samples only go
    through the canceller (the device spoke before: its canceller has heard the room)."""
    canceller = None
    speaker = DeviceSpeaking(lines)
    if far is not None:
        played = PlayedAudio()
        canceller = EchoCanceller(played, kind)
        if TEXT_ECHO_AFTER_CANCELLING:  # as listen does: no echo by text once converged
            speaker = AfterCancelling(speaker, lambda: canceller.converged)
    hearing = Hearing(engine, router, speaker=speaker)
    pcm = (np.clip(mic, -1, 1) * 32767).astype("<i2")
    got: list[str] = []
    cpu = 0.0
    written = 0
    for i in range(0, len(pcm), CHUNK):
        chunk = AudioChunk(pcm[i:i + CHUNK].tobytes(), i / RATE)
        if canceller is not None:
            t0 = time.process_time()
            # The player writes ahead of the microphone (its output buffer).
            end = min(len(far), i + CHUNK + int(ahead * RATE))
            while written < end:
                block = far[written:written + 512]
                played.played(block, RATE, written / RATE)
                written += len(block)
            chunk = canceller(chunk)
            cpu += time.process_time() - t0
        if i >= warm:
            got += decided(hearing.feed(chunk.pcm))
    got += decided(hearing.flush())
    return got, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="whisper")
    ap.add_argument("--model", help="a model for the engine (whisper: tiny.en, base, a folder)")
    ap.add_argument("--phrases", type=int, default=24, help="safety phrasings to say")
    ap.add_argument("--stops", type=int, default=12, help='times "stop" is said')
    ap.add_argument("--gains", default="0,-6", help="person vs device at the mic, dB")
    ap.add_argument("--rt60", type=float, default=0.4)
    ap.add_argument("--delay", type=float, default=30.0, help="speaker to mic, ms")
    ap.add_argument("--level", type=float, default=0.0,
                    help="device at the mic vs as played, dB (loudness of the room path)")
    ap.add_argument("--warm", type=float, default=8.0,
                    help="seconds of another script the canceller heard first (0: the "
                         "session's first line, AEC3 not yet converged)")
    ap.add_argument("--cancellers", default="speex,webrtc",
                    help="echo cancellers to compare (voiceguide.hearing.aec.CANCELLERS)")
    ap.add_argument("--all-lines", action="store_true",
                    help="the device alone says every line it has (script steps and "
                         "prompts, the help line naming cues included), 12 to a stretch")
    ap.add_argument("--no-text-echo", action="store_true",
                    help="hear without the device's lines: no echo removal by text")
    ap.add_argument("--text-echo-always", action="store_true",
                    help="take the device's words out of transcripts even once the "
                         "canceller has converged (listen stops doing so then)")
    ap.add_argument("--verbose", action="store_true", help="print every transcript")
    args = ap.parse_args()
    global VERBOSE, TEXT_ECHO_AFTER_CANCELLING
    VERBOSE = args.verbose
    TEXT_ECHO_AFTER_CANCELLING = not args.text_echo_always

    router = default_router()
    engine = choose_engine(args.engine, args.model, Settings(), router).engine
    rows = [r for r in corpus.read_rows("report") if r.intent == "safety"
            and (m := router.route(r.text)) is not None and m.intent == "safety"]
    rows = corpus._stable_sample(rows, args.phrases, 3, "room-echo")
    voices = [v for pair in zip(kokoro_voices(gender="f"), kokoro_voices(gender="m"))
              for v in pair]
    lib = load_library()
    assert all(lib.get(s) for s in SCRIPTS)
    devices = []
    for s in SCRIPTS:
        lines = device_lines(s)
        devices.append((device_voice(lines), lines))
    speaking = devices
    if args.all_lines:
        every = [text for text, _ in corpus.device_lines()]
        speaking = [(device_voice(every[i:i + 12]), every[i:i + 12])
                    for i in range(0, len(every), 12)]
    h_dev, h_person = room_response(args.rt60, 1), room_response(args.rt60, 2)
    delay = args.delay / 1000
    gain = 10 ** (args.level / 20)
    floor = np.random.default_rng(5).standard_normal(60 * RATE).astype(np.float32) * 10 ** (-65 / 20)

    warm = int(args.warm * RATE) // CHUNK * CHUNK
    before = devices[-1][0][:warm]  # the device said something else first

    def mic_of(played: np.ndarray, person: np.ndarray | None, at: float, gain_db: float,
               level_of: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The microphone, and what was played, with the warm-up in front of both; the
        person ``gain_db`` louder than the device (or than ``level_of`` had it played)."""
        played = np.concatenate([before, played])
        at += warm / RATE
        echo = gain * through_room(played, h_dev, delay)
        x = echo.copy()
        if person is not None:
            ref = echo if level_of is None else gain * through_room(level_of, h_dev, delay)
            p = through_room(person, h_person)
            p *= np.sqrt(voiced_power(ref) / voiced_power(p)) * 10 ** (gain_db / 20)
            start = int(at * RATE)
            x[start:start + len(p)] += p[: len(x) - start]
        return x + np.resize(floor, len(x)), played

    print(f"simulated room: RT60 {args.rt60} s, speaker->mic {args.delay:.0f} ms, canceller "
          f"warmed on {warm / RATE:.0f} s of the device's voice; engine "
          f"{engine.description}; {len(rows)} safety phrasings (report split, Kokoro voices "
          f"{len(voices)} of both sexes)", flush=True)
    cancellers = args.cancellers.split(",")
    modes = ["none"] + cancellers

    def heard(mode: str, mic: np.ndarray, far: np.ndarray, lines) -> tuple[list[str], float]:
        if args.no_text_echo:
            lines = []
        if mode == "none":
            return hear(engine, router, mic, lines, None, warm)
        return hear(engine, router, mic, lines, far, warm, mode)

    # The device alone: every script through the room, nothing may trigger.
    alone = dict.fromkeys(modes, 0)
    cpu = dict.fromkeys(modes, 0.0)
    seconds = 0.0
    for played, lines in speaking:
        mic, far = mic_of(played, None, 0, 0)
        seconds += (len(mic) - warm) / RATE
        for mode in modes:
            got, used = heard(mode, mic, far, lines)
            alone[mode] += len(got)
            cpu[mode] += used
    print(f"the device alone ({sum(len(x[1]) for x in speaking)} lines, {seconds:.0f} s), triggers: "
          + ", ".join(f"{m} {alone[m]}" for m in modes) + "; canceller CPU: "
          + ", ".join(f"{m} {100 * cpu[m] / seconds:.2f} % of a core" for m in cancellers),
          flush=True)

    for gain_db in map(float, args.gains.split(",")):
        columns = modes + ["ceiling"]
        result = {m: [0, 0] for m in columns}
        missed: dict[str, list[str]] = {m: [] for m in columns}
        n_stop = 0
        for k, row in enumerate(rows):
            at = 2.0 + (k % 3)
            trials = [("safety", row.text, voices[k % len(voices)], devices[k % len(devices)])]
            if k < args.stops:
                n_stop += 1
                trials.append(("stop", "stop", voices[(k + 3) % len(voices)],
                               devices[(k + 1) % len(devices)]))
            for intent, text, voice, (played, lines) in trials:
                person = render(text, f"kokoro:{voice}").resampled(RATE).samples
                end = min(len(played), int((at + len(person) / RATE + 3.0) * RATE))
                mic, far = mic_of(played[:end], person, at, gain_db)
                # The ceiling: the same person in the same room with the device silent.
                quiet, _ = mic_of(np.zeros(end, np.float32), person, at, gain_db,
                                  level_of=played[:end])
                for mode in columns:
                    # (the device said nothing, so none of its words are taken out)
                    got = heard("none", quiet, far, [])[0] if mode == "ceiling" else \
                        heard(mode, mic, far, lines)[0]
                    ok = intent in got
                    result[mode][intent == "stop"] += ok
                    if not ok:
                        missed[mode].append(f"{voice}: {text!r} -> {got}")
        label = {"none": "no canceller", "ceiling": "device silent (ceiling)"}
        for mode in columns:
            s, st = result[mode]
            print(f"  person {gain_db:+.0f} dB vs the device, {label.get(mode, mode):>24}: "
                  f"safety {s}/{len(rows)} ({100 * s / max(1, len(rows)):.0f} %), stop {st}/{n_stop} "
                  f"({100 * st / max(1, n_stop):.0f} %)", flush=True)
        for mode in columns:
            if missed[mode]:
                print(f"    missed ({mode}): {missed[mode][:8]}")


if __name__ == "__main__":
    main()
