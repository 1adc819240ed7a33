"""Black-box harness for the `wos` binary: test services, databases, environments, servers.

Used by tests/api/conftest.py (as pytest fixtures) and by tests/hostile/hostile.py (directly).
It reads the environment exported by scripts/run-tests:

    WOS_BIN             binary under test (default build/wos, relative to the repository)
    WOS_TEST_PGHOST     unix-socket directory of the private PostgreSQL cluster
    WOS_TEST_PGPORT     its port
    WOS_TEST_PGSUPER    superuser role ("postgres")
    WOS_TEST_REDIS_URL  redis://127.0.0.1:<port>/0
    WOS_TEST_SERVICES   path of scripts/services
    WOS_TEST_DIR        temp dir holding the cluster, logs and scratch files

When WOS_TEST_PGHOST is not set, ensure_services() starts private services in a temp dir itself
and stops them at exit, so `/usr/bin/python3 -m pytest tests/api` also works on its own.

Invariants: every database made here is owned by the non-superuser role `wos` and dropped by
close(); every server started here is stopped by its owner or by close(); a server's stderr
goes to a file under WOS_TEST_DIR/logs and is checked for sanitizer reports when it stops;
`wos` always runs in a scratch working directory so a developer's ./.env never leaks in.
"""

import atexit
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import requests
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Test-Admin-Passw0rd!"
ADMIN_NAME = "Test Admin"
START_TIMEOUT = float(os.environ.get("WOS_TEST_START_TIMEOUT", "20"))
STOP_TIMEOUT = 15.0

# Environment passed through from the runner to the binary (sanitizer settings).
PASSTHROUGH_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "ASAN_SYMBOLIZER_PATH")

INDEX_HTML = (
    "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Workforce OS</title>\n"
    "<script type=\"module\" src=\"/assets/app-1a2b3c4d.js\"></script></head>\n"
    "<body><div id=\"root\" data-wos-test-index=\"1\"></div></body></html>\n"
)
APP_JS = "console.log(\"workforce os test bundle\");\n"


class HarnessError(AssertionError):
    """A harness expectation failed (server crashed, sanitizer report, bad exit...)."""


def wos_bin():
    """Absolute path of the binary under test."""
    path = Path(os.environ.get("WOS_BIN", "build/wos"))
    if not path.is_absolute():
        path = REPO / path
    return path


def sanitizer_report(text):
    """Returns the first sanitizer marker found in text, or None."""
    for marker in SANITIZER_MARKERS:
        if marker in text:
            return marker
    return None


def tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


# ---------------------------------------------------------------- services

_autostarted = None


def _stop_autostarted():
    global _autostarted
    if _autostarted is None:
        return
    subprocess.run([str(REPO / "scripts/services"), "stop", _autostarted],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    shutil.rmtree(_autostarted, ignore_errors=True)
    _autostarted = None


def ensure_services():
    """Makes sure the WOS_TEST_* environment points at running services.

    Without WOS_TEST_PGHOST, starts scripts/services in a fresh temp dir (stopped and removed
    at exit) and exports the contract variables into os.environ.
    """
    global _autostarted
    if os.environ.get("WOS_TEST_PGHOST"):
        return
    services = REPO / "scripts/services"
    tmp = tempfile.mkdtemp(prefix="wos-test.")
    _autostarted = tmp
    atexit.register(_stop_autostarted)
    subprocess.run([str(services), "start", tmp, "--fast"], check=True,
                   stdout=subprocess.DEVNULL)
    conf = dict(line.split("=", 1) for line in
                Path(tmp, "services.conf").read_text().split())
    os.environ.update({
        "WOS_TEST_PGHOST": str(Path(tmp, "run")),
        "WOS_TEST_PGPORT": conf["PG_PORT"],
        "WOS_TEST_PGSUPER": "postgres",
        "WOS_TEST_REDIS_URL": "redis://127.0.0.1:%s/0" % conf["REDIS_PORT"],
        "WOS_TEST_SERVICES": str(services),
        "WOS_TEST_DIR": tmp,
    })


def _need(name):
    value = os.environ.get(name)
    if not value:
        raise HarnessError("%s is not set (run scripts/run-tests, or call ensure_services())"
                           % name)
    return value


def services(command):
    """Runs `scripts/services <command> $WOS_TEST_DIR` (pg-stop, pg-start, redis-stop, ...)."""
    res = subprocess.run([_need("WOS_TEST_SERVICES"), command, _need("WOS_TEST_DIR")],
                         capture_output=True, text=True, timeout=120, check=False)
    if res.returncode != 0:
        raise HarnessError("scripts/services %s failed (%d): %s"
                           % (command, res.returncode, res.stderr.strip()))
    return res


def database_url(dbname, user="wos"):
    """postgresql:// URL (unix-socket form) for dbname on the test cluster."""
    return "postgresql://%s@/%s?host=%s&port=%s" % (
        user, dbname, _need("WOS_TEST_PGHOST"), _need("WOS_TEST_PGPORT"))


def superuser_url(dbname="postgres"):
    return database_url(dbname, os.environ.get("WOS_TEST_PGSUPER", "postgres"))


def pg(url):
    """psycopg (v3) connection with autocommit; the caller closes it."""
    return psycopg.connect(url, autocommit=True)


def free_port(taken=()):
    """A TCP port on 127.0.0.1 that nothing listens on right now (and not in taken)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            return port
    raise HarnessError("no free port")


# ---------------------------------------------------------------- servers

class Server:
    """One `wos serve` process. Created by Harness.start_server()."""

    def __init__(self, env, cwd, log_path, args=("serve",)):
        self.env = env
        self.port = int(env["APP_PORT"])
        self.host = env.get("APP_HOST", "127.0.0.1")
        self.url = "http://%s:%d" % (self.host, self.port)
        self.database_url = env.get("DATABASE_URL")
        self.log_path = Path(log_path)
        self.out_path = self.log_path.with_suffix(".out")
        self.returncode = None
        self._stopped = False
        with open(self.log_path, "wb") as err, open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen([str(wos_bin()), *args], env=env, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=err, cwd=cwd)

    def log(self):
        """The server's stderr so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stdout(self):
        try:
            return self.out_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    @property
    def stopped(self):
        """True once stop() or kill() ran (whatever they reported)."""
        return self._stopped

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._stopped = True
                self.returncode = self.proc.returncode
                raise HarnessError("wos serve exited with %d before answering /health:\n%s"
                                   % (self.returncode, tail(self.log())))
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill()
        raise HarnessError("wos serve did not answer GET /health with 200 within %.0f s:\n%s"
                           % (timeout, tail(self.log())))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._stopped = True
        self.returncode = self.proc.returncode

    def stop(self, check=True, sig=signal.SIGTERM):
        """Sends SIGTERM, waits 15 s, returns the exit code.

        Raises HarnessError when the process does not exit in time, when its stderr holds a
        sanitizer report, or (check=True) when the exit code is not 0.
        """
        if not self._stopped:
            self._stopped = True
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
                    self.returncode = self.proc.returncode
                    raise HarnessError("wos did not exit within %.0f s of %s:\n%s"
                                       % (STOP_TIMEOUT, sig.name, tail(self.log())))
            self.returncode = self.proc.returncode
            log = self.log()
            marker = sanitizer_report(log)
            if marker:
                raise HarnessError("sanitizer report (%s) in wos stderr:\n%s"
                                   % (marker, tail(log, 80)))
        if check and self.returncode != 0:
            raise HarnessError("wos exited with %s (expected 0):\n%s"
                               % (self.returncode, tail(self.log())))
        return self.returncode


# ---------------------------------------------------------------- harness

class Harness:
    """Session-wide state: scratch dirs, databases, ports, servers."""

    def __init__(self):
        ensure_services()
        base = Path(_need("WOS_TEST_DIR"))
        self.root = Path(tempfile.mkdtemp(prefix="harness-%d-" % os.getpid(), dir=base))
        self.logs = base / "logs"
        self.logs.mkdir(exist_ok=True)
        self.work = self.root / "work"
        self.work.mkdir()
        self.redis_url = _need("WOS_TEST_REDIS_URL")
        self._ports = set()
        self._dbs = []
        self._servers = []
        self._counter = itertools.count(1)
        self._dist = None

    # -- databases

    def new_database(self):
        """postgresql:// URL of a fresh UTF8 database owned by `wos`; dropped by close()."""
        name = "wos_t%d_%d_%s" % (os.getpid(), next(self._counter), secrets.token_hex(3))
        # A connection per call: tests may restart the cluster between two calls.
        with pg(superuser_url()) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER wos ENCODING 'UTF8' TEMPLATE template0")
                         .format(sql.Identifier(name)))
        self._dbs.append(name)
        return database_url(name)

    def drop_databases(self):
        if not self._dbs:
            return
        try:
            conn = pg(superuser_url())
        except psycopg.Error:
            return
        with conn:
            for name in self._dbs:
                try:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                                 .format(sql.Identifier(name)))
                except psycopg.Error:
                    pass
        self._dbs = []

    # -- environment

    def free_port(self):
        port = free_port(self._ports)
        self._ports.add(port)
        return port

    def dist_dir(self):
        """The default WEB_DIST_DIR: index.html and assets/app-1a2b3c4d.js."""
        if self._dist is None:
            dist = self.root / "dist"
            (dist / "assets").mkdir(parents=True)
            (dist / "index.html").write_text(INDEX_HTML)
            (dist / "assets/app-1a2b3c4d.js").write_text(APP_JS)
            self._dist = dist
        return self._dist

    def scratch_dir(self, name="scratch"):
        path = Path(tempfile.mkdtemp(prefix=name + "-", dir=self.root))
        return path

    def wos_env(self, **overrides):
        """A full environment for the binary; overrides win and a value of None deletes."""
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "APP_ENV": "test",
            "APP_SECRET_KEY": secrets.token_urlsafe(30)[:40],
            "REDIS_URL": self.redis_url,
            "APP_HOST": "127.0.0.1",
            "APP_PORT": str(self.free_port()),
            "BOOTSTRAP_ADMIN_EMAIL": ADMIN_EMAIL,
            "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "BOOTSTRAP_ADMIN_NAME": ADMIN_NAME,
            "PASSWORD_BCRYPT_ROUNDS": "4",
            "HTTP_THREADS": "4",
            "WEB_DIST_DIR": str(self.dist_dir()),
            "FRONTEND_BASE_URL": "http://localhost:3000",
        }
        for name in PASSTHROUGH_ENV:
            if os.environ.get(name):
                env[name] = os.environ[name]
        if "DATABASE_URL" not in overrides:
            env["DATABASE_URL"] = self.new_database()
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        return env

    # -- processes

    def _prepare(self, env):
        return dict(env if env is not None else self.wos_env())

    def run_wos(self, *args, env=None, timeout=120, cwd=None, input=None):
        """Runs `wos args...` to completion; CompletedProcess with text stdout/stderr.

        Runs in a scratch working directory unless cwd is given. Raises HarnessError when
        stderr holds a sanitizer report.
        """
        env = self._prepare(env)
        run_cwd = str(cwd) if cwd is not None else str(self.work)
        res = subprocess.run([str(wos_bin()), *[str(a) for a in args]], env=env, cwd=run_cwd,
                             capture_output=True, text=True, errors="replace", timeout=timeout,
                             input=input, stdin=None if input is not None else subprocess.DEVNULL)
        marker = sanitizer_report(res.stderr)
        if marker:
            raise HarnessError("sanitizer report (%s) from wos %s:\n%s"
                               % (marker, " ".join(map(str, args)), tail(res.stderr, 80)))
        return res

    def start_server(self, env=None, args=("serve",), wait=True):
        """Starts `wos serve` and waits for GET /health == 200 (20 s)."""
        env = self._prepare(env)
        name = "%s-%s-%d" % (args[0], env.get("APP_PORT", "0"), next(self._counter))
        server = Server(env, str(self.work), self.logs / (name + ".log"), args)
        self._servers.append(server)
        if wait:
            server.wait_ready()
        return server

    def close(self):
        errors = []
        for server in self._servers:
            if server.stopped:
                continue
            try:
                server.stop(check=False)
            except HarnessError as exc:
                errors.append(str(exc))
        self._servers = []
        self.drop_databases()
        shutil.rmtree(self.root, ignore_errors=True)
        return errors
