"""`voiceguide model download` against an HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import http.server
import io
import threading
import zipfile

import pytest


def model_zip(name: str, with_model: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        if with_model:
            z.writestr(f"{name}/am/final.mdl", b"acoustic model")
            z.writestr(f"{name}/conf/model.conf", "--beam=10\n")
            z.writestr(f"{name}/graph/HCLr.fst", b"graph")
        z.writestr(f"{name}/README", "test model\n")
    return buf.getvalue()


@pytest.fixture
def server():
    files: dict[str, bytes] = {}
    truncate: set[str] = set()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = files.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if self.path in truncate else body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", files, truncate
    httpd.shutdown()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_unpacks_verifies_and_lists(cli, server, tmp_path):
    url, files, _ = server
    files["/vosk-model-test.zip"] = model_zip("vosk-model-test")
    dest = tmp_path / "models"
    proc = cli("model", "download", "vosk-model-test", "--url", url, "--dir", str(dest), check=0)
    assert f"model ready: {dest / 'vosk-model-test'}" in proc.stdout
    assert "MB" in proc.stderr  # progress
    assert leftovers(dest) == ["vosk-model-test"]
    assert (dest / "vosk-model-test" / "am" / "final.mdl").read_bytes() == b"acoustic model"


@pytest.mark.parametrize("case,expected", [
    ("missing", "the server answered 404"),
    ("not_a_zip", "not a valid zip archive"),
    ("no_model", "holds no Vosk model"),
    ("truncated", "download incomplete"),
])
def test_failed_downloads_leave_nothing_behind(cli, server, tmp_path, case, expected):
    url, files, truncate = server
    if case == "not_a_zip":
        files["/m.zip"] = b"<html>not a zip</html>"
    elif case == "no_model":
        files["/m.zip"] = model_zip("m", with_model=False)
    elif case == "truncated":
        files["/m.zip"] = model_zip("m")
        truncate.add("/m.zip")
    dest = tmp_path / "models"
    proc = cli("model", "download", "m", "--url", url, "--dir", str(dest))
    assert proc.returncode == 1
    assert expected in proc.stderr and proc.stderr.strip().splitlines()[-1].startswith("voiceguide:")
    assert leftovers(dest) == []


def test_offline_is_a_clear_message(cli, tmp_path):
    dest = tmp_path / "models"
    proc = cli("model", "download", "m", "--url", "http://127.0.0.1:9", "--dir", str(dest))
    assert proc.returncode == 1 and "you seem to be offline" in proc.stderr
    assert leftovers(dest) == []


def whisper_files(files: dict, name: str = "base.en") -> None:
    """Serve the built-in tiny.en files where base.en's would be (a real, loadable model)."""
    from voiceguide.hearing.catalog import CATALOG, embedded_whisper_dir

    info = CATALOG[name]
    for f in info.files:
        files[f"/{info.source}/resolve/main/{f}"] = (embedded_whisper_dir() / f).read_bytes()


def test_whisper_download_goes_to_the_user_data_dir_and_is_used(cli, server, tmp_path):
    from speech import synth

    url, files, _ = server
    whisper_files(files)
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    proc = cli("model", "download", "base.en", "--url", url, env=env, check=0)
    folder = tmp_path / "data" / "voiceguide" / "models" / "faster-whisper-base.en"
    assert f"model ready: {folder}" in proc.stdout
    assert 'listen.whisper_model = "base.en"' in proc.stdout
    assert sorted(p.name for p in folder.iterdir()) == [
        "config.json", "model.bin", "tokenizer.json", "vocabulary.txt", "voiceguide-model.json"]
    assert leftovers(folder.parent) == ["faster-whisper-base.en"]
    wav = synth(tmp_path, "I'm not safe", "en-us+f2", 140)
    heard = cli("hear", "--json", "--engine", "whisper", "--model", "base.en", str(wav), env=env,
                check=0)
    assert "whisper base.en" in heard.stderr and '"intent": "safety"' in heard.stdout
    listed = cli("model", "list", env=env, check=0).stdout
    assert f"whisper base.en: {folder}" in listed


def test_whisper_download_cut_short_leaves_nothing(cli, server, tmp_path):
    url, files, truncate = server
    whisper_files(files)
    truncate.add("/Systran/faster-whisper-base.en/resolve/main/model.bin")
    dest = tmp_path / "models"
    proc = cli("model", "download", "base.en", "--url", url, "--dir", str(dest))
    assert proc.returncode == 1 and "download incomplete" in proc.stderr
    assert leftovers(dest) == []


def test_a_whisper_model_not_downloaded_says_how(cli, tmp_path):
    from speech import synth

    wav = synth(tmp_path, "help me ground", "en-us+f2", 140)
    proc = cli("hear", "--engine", "whisper", "--model", "small.en", str(wav),
               env={"XDG_DATA_HOME": str(tmp_path / "empty")})
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert "voiceguide model download small.en" in proc.stderr


def test_available_models_are_listed(cli):
    out = cli("model", "list", "--available", check=0).stdout
    for name in ("tiny.en", "base.en", "small.en", "vosk-model-small-en-us-0.15"):
        assert name in out
