"""benv.py: the benchmark's private world: a work directory, PostgreSQL and Redis started by
scripts/services (durable settings: no --fast), the `wos` binary and its environment, a
`wos serve` process, and an nginx for the /health ceiling.

Invariants: everything lives under one temporary work directory (removed at the end unless
kept); every process started here is stopped by Env.close(), by its own pid; the servers listen
on 127.0.0.1 only; `wos` always runs with an explicit environment in the work directory, so a
developer's ./.env or shell settings never leak into a measurement.
"""

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

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench"
SERVICES = REPO / "scripts" / "services"

ADMIN_PASSWORD = "Bench-Admin-Passw0rd!" + secrets.token_hex(4)
MEMBER_PASSWORD = "Bench-Member-Passw0rd!"


class BenchError(RuntimeError):
    """A step of the benchmark could not be carried out."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(port, path="/health", timeout=1.0):
    """Status code of one GET over a fresh connection, or None when nothing answers."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                      .encode())
            head = s.recv(64)
    except OSError:
        return None
    parts = head.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


class Process:
    """A child process whose stderr goes to a log file; stopped by pid."""

    def __init__(self, argv, env, cwd, log_path):
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def tail(self, lines=20):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Env:
    """Work directory, services and processes of one benchmark run."""

    def __init__(self, wos_bin, keep=False):
        self.work = Path(tempfile.mkdtemp(prefix="wos-bench.", dir="/tmp"))
        os.chmod(self.work, 0o755)
        self.keep = keep
        self.bin = self.work / "wos"
        shutil.copy2(wos_bin, self.bin)  # a rebuild in the tree cannot change the binary under test
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.processes = []
        self.services_up = False
        self.pg_port = self.redis_port = None
        self.secret = secrets.token_urlsafe(48)

    # ---------------------------------------------------------------- services

    def start_services(self):
        svc = self.work / "svc"
        out = subprocess.run([str(SERVICES), "start", str(svc)], capture_output=True, text=True)
        if out.returncode != 0:
            raise BenchError("scripts/services start failed:\n" + out.stderr + out.stdout)
        self.services_up = True
        conf = dict(line.split("=", 1) for line in (svc / "services.conf").read_text().split())
        self.pg_port, self.redis_port = int(conf["PG_PORT"]), int(conf["REDIS_PORT"])
        self.socket_dir = svc / "run"
        self.pgdata = svc / "pg"

    def db_url(self, dbname="wos", user="wos"):
        """TCP on loopback, as a deployment's DATABASE_URL would be."""
        return f"postgresql://{user}@127.0.0.1:{self.pg_port}/{dbname}"

    def su(self, dbname="wos"):
        """A superuser connection (autocommit) over the socket."""
        return psycopg.connect(host=str(self.socket_dir), port=self.pg_port, user="postgres",
                               dbname=dbname, autocommit=True)

    def psql_file(self, path, dbname="wos", variables=None):
        argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                "-p", str(self.pg_port), "-U", "postgres", "-d", dbname, "-f", str(path)]
        for k, v in (variables or {}).items():
            argv[1:1] = ["-v", f"{k}={v}"]
        out = subprocess.run(argv, capture_output=True, text=True)
        if out.returncode != 0:
            raise BenchError(f"psql -f {path} failed:\n{out.stderr}")
        return out.stdout

    def postmaster_pid(self):
        return int((self.pgdata / "postmaster.pid").read_text().split()[0])

    # ---------------------------------------------------------------- wos

    def wos_env(self, dbname="wos", **overrides):
        dist = self.work / "dist"
        if not dist.exists():
            (dist / "assets").mkdir(parents=True)
            (dist / "index.html").write_text("<!doctype html><title>Workforce OS</title>\n")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "APP_ENV": "production",
            "APP_SECRET_KEY": self.secret,
            "DATABASE_URL": self.db_url(dbname),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "APP_HOST": "127.0.0.1",
            "APP_PORT": str(free_port()),
            "BOOTSTRAP_ADMIN_EMAIL": "admin@bench.test",
            "BOOTSTRAP_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "BOOTSTRAP_ADMIN_NAME": "Bench Admin",
            "FRONTEND_BASE_URL": "https://bench.example.com",
            "CORS_ORIGINS": "https://bench.example.com",
            "WEB_DIST_DIR": str(dist),
        }
        # The knobs a run may turn (documented in docs/performance.md).
        for name in ("HTTP_THREADS", "PASSWORD_BCRYPT_ROUNDS", "LOG_LEVEL"):
            if os.environ.get("BENCH_" + name):
                env[name] = os.environ["BENCH_" + name]
        env.update({k: v for k, v in overrides.items() if v is not None})
        return env

    def run_wos(self, *args, env=None, timeout=300):
        out = subprocess.run([str(self.bin), *args], env=env or self.wos_env(), cwd=self.work,
                             capture_output=True, text=True, timeout=timeout)
        if out.returncode != 0:
            raise BenchError(f"wos {' '.join(args)} failed ({out.returncode}):\n"
                             + out.stderr[-2000:] + out.stdout[-2000:])
        return out

    def config(self, env=None):
        """The resolved configuration (`wos config check`) as a dict of KEY -> value."""
        out = self.run_wos("config", "check", env=env)
        return dict(line.split("=", 1) for line in out.stdout.splitlines()
                    if "=" in line and not line.startswith("#"))

    def start_server(self, env, name="serve", wait=20.0):
        p = Process([str(self.bin), "serve"], env, self.work, self.logs / f"{name}.log")
        self.processes.append(p)
        p.port = int(env["APP_PORT"])
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if http_status(p.port) == 200:
                return p
            if not p.alive():
                raise BenchError("wos serve exited during start-up:\n" + p.tail())
            time.sleep(0.02)
        raise BenchError("wos serve did not answer /health in time:\n" + p.tail())

    # ---------------------------------------------------------------- nginx

    def start_nginx(self):
        """nginx answering `return 200` with /health's body on loopback: /health's ceiling."""
        root = self.work / "nginx"
        (root / "logs").mkdir(parents=True)
        port = free_port()
        conf = (BENCH / "nginx.conf.in").read_text()
        conf = conf.replace("@ROOT@", str(root)).replace("@PORT@", str(port))
        (root / "nginx.conf").write_text(conf)
        p = Process(["nginx", "-p", str(root), "-c", str(root / "nginx.conf")], os.environ.copy(),
                    root, self.logs / "nginx.log")
        self.processes.append(p)
        p.port = port
        for _ in range(200):
            if http_status(port) == 200:
                return p
            if not p.alive():
                raise BenchError("nginx exited during start-up:\n" + p.tail())
            time.sleep(0.02)
        raise BenchError("nginx did not answer in time")

    # ---------------------------------------------------------------- end

    def close(self):
        for p in reversed(self.processes):
            p.stop(signal.SIGQUIT if p.proc.args[0] == "nginx" else signal.SIGTERM)
        if self.services_up:
            subprocess.run([str(SERVICES), "stop", str(self.work / "svc")], capture_output=True)
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
