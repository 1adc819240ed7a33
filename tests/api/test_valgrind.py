"""Memory hygiene of the CLI paths and a short `serve` run under valgrind (normal build only:
valgrind and AddressSanitizer do not mix). Zero definite leaks, zero memory errors."""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

import wos_harness

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / "build" / "wos"
VALGRIND = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--error-exitcode=99", "--quiet"]

pytestmark = [
    pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed"),
    pytest.mark.skipif("san" in os.environ.get("WOS_BIN", ""),
                       reason="valgrind runs against the normal build only"),
]


def vg(args, env, cwd, timeout=240):
    res = subprocess.run(VALGRIND + [str(BIN), *args], env=env, cwd=cwd, capture_output=True,
                         text=True, errors="replace", timeout=timeout)
    assert res.returncode != 99, f"valgrind found errors in wos {' '.join(args)}:\n{res.stderr[-4000:]}"
    return res


def test_cli_paths_have_no_leaks_or_errors(wos_env, tmp_path):
    env = wos_env()
    assert vg(["config", "check"], env, tmp_path).returncode == 0
    assert vg(["migrate", "upgrade", "head"], env, tmp_path).returncode == 0
    assert vg(["migrate", "current"], env, tmp_path).returncode == 0
    assert vg(["migrate", "check"], env, tmp_path).returncode == 0
    assert vg(["bootstrap"], env, tmp_path).returncode == 0
    assert vg(["migrate", "downgrade", "base"], env, tmp_path).returncode == 0
    assert vg(["migrate", "upgrade", "head"], env, tmp_path).returncode == 0
    commands = [line.split()[0] for line in subprocess.run(
        [str(BIN), "help"], capture_output=True, text=True).stdout.splitlines()[3:] if line.strip()]
    if "seed" in commands:
        assert vg(["seed"], env, tmp_path).returncode == 0


def test_short_serve_run_has_no_leaks_or_errors(wos_env, tmp_path):
    env = wos_env()
    log = tmp_path / "serve.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen(VALGRIND + [str(BIN), "serve"], env=env, cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{env['APP_PORT']}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("serve under valgrind did not come up:\n" + log.read_text()[-3000:])
        for path in ("/api/v1/health", "/api/v1/nope", "/", "/employee/dashboard",
                     "/assets/../../etc/passwd"):
            requests.get(url + path, timeout=10)
        requests.post(url + "/api/v1/auth/login", data="{bad", timeout=10,
                      headers={"Content-Type": "application/json"})
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert code != 99, "valgrind found errors in serve:\n" + text[-4000:]
    assert code == 0, text[-3000:]
