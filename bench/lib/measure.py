"""measure.py: one measured run of wrk against wos (or nginx), or of pgbench against PostgreSQL,
and what the machine did meanwhile.

For every run: requests/s, latency percentiles, non-2xx replies and errors, the client's own
CPU; while it runs a sampler thread reads /proc for the CPU of `wos serve` and of every
PostgreSQL process, the server's RSS, and pg_stat_activity for what the active backends wait on;
pg_stat_statements (reset before the run) gives the statements run per request.

pgbench scripts are generated from the templates in bench/pgbench: the template is the SQL of
one request for one member (:sid, :uid, :ws, :role, :email); the generated script loads the
members of its pool from bench.pool once per client (\\gset) and picks one per transaction, so
the ceiling sees the same members, uniformly, as the wrk run. Pools shared by all clients are
read-only uses; partitioned pools give each client its own members (writes must not collide).
"""

import json
import os
import re
import resource
import statistics
import subprocess
import threading
import time
from pathlib import Path

from benv import BENCH, BenchError

CLK_TCK = os.sysconf("SC_CLK_TCK")
MEMBER_VARS = ("sid", "uid", "ws", "role", "email")


# ------------------------------------------------------------------------------------ /proc

def proc_cpu(pid):
    """utime + stime of a process (all its threads, dead ones included), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_mem(pid):
    """(VmRSS, VmHWM) in KiB."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    k, v = line.split(":")
                    out[k] = int(v.split()[0])
    except OSError:
        return None, None
    return out.get("VmRSS"), out.get("VmHWM")


def processes():
    """pid -> (ppid, CPU seconds) of every process on the machine."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return out


def children_cpu(ppid, procs=None):
    """pid -> CPU seconds of ppid and its direct children (PostgreSQL's processes)."""
    procs = processes() if procs is None else procs
    return {pid: cpu for pid, (parent, cpu) in procs.items() if pid == ppid or parent == ppid}


def ours(procs, postmaster):
    """Our processes: this harness and its descendants (wos, nginx, wrk, pgbench) and the
    PostgreSQL cluster. Kernel threads (children of kthreadd, pid 2) count as ours too: on
    loopback their work is mostly our own network traffic."""
    mine = {os.getpid(), postmaster, 2}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _) in procs.items():
            if pid not in mine and parent in mine:
                mine.add(pid)
                grew = True
    return mine


class Sampler(threading.Thread):
    """Every 0.25 s: CPU of each PostgreSQL process and of every process that is not ours,
    what the active backends wait on, and the server's RSS."""

    def __init__(self, env, server_pid=None):
        super().__init__(daemon=True)
        self.env, self.server_pid = env, server_pid
        self.postmaster = env.postmaster_pid()
        procs = processes()
        self.first = children_cpu(self.postmaster, procs)
        self.last = dict(self.first)
        mine = ours(procs, self.postmaster)
        self.others_first = {pid: cpu for pid, (_, cpu) in procs.items() if pid not in mine}
        self.others_last = dict(self.others_first)
        self.t0 = time.monotonic()
        self.waits = {}
        self.samples = 0
        self.max_rss = 0
        self._halt = threading.Event()

    def scan(self):
        procs = processes()
        self.last.update(children_cpu(self.postmaster, procs))
        mine = ours(procs, self.postmaster)
        self.others_last.update((pid, cpu) for pid, (_, cpu) in procs.items() if pid not in mine)

    def run(self):
        with self.env.su() as c:
            while not self._halt.wait(0.25):
                self.scan()
                rows = c.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*)"
                    "  FROM pg_stat_activity WHERE backend_type = 'client backend'"
                    "   AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1").fetchall()
                self.samples += 1
                for event, n in rows:
                    self.waits[event] = self.waits.get(event, 0) + n
                if self.server_pid:
                    rss, _ = proc_mem(self.server_pid)
                    self.max_rss = max(self.max_rss, rss or 0)

    def finish(self):
        """db_cpu: PostgreSQL's CPU seconds; others_cores: cores that processes other than
        ours kept busy (short-lived ones that came and went between samples are missed)."""
        self._halt.set()
        self.join()
        self.scan()
        wall = time.monotonic() - self.t0
        db_cpu = sum(v - self.first.get(pid, 0.0) for pid, v in self.last.items())
        others = sum(max(0.0, v - self.others_first.get(pid, 0.0))
                     for pid, v in self.others_last.items())
        n = sum(self.waits.values()) or 1
        waits = {k: v / n for k, v in sorted(self.waits.items(), key=lambda kv: -kv[1])}
        active = sum(self.waits.values()) / max(self.samples, 1)
        return {"db_cpu": db_cpu, "waits": waits, "active_backends": active,
                "max_rss_kb": self.max_rss, "others_cores": others / max(wall, 1e-6),
                "wall": wall}


# ------------------------------------------------------------------------------------ quiet

def quiesce(env, server_pid=None, timeout=60.0):
    """Waits until wos and PostgreSQL are idle (requests left over from a run have finished)."""
    deadline = time.monotonic() + timeout
    post = env.postmaster_pid()
    quiet = 0
    while time.monotonic() < deadline:
        a = proc_cpu(server_pid) if server_pid else 0.0
        b = sum(children_cpu(post).values())
        time.sleep(0.3)
        a2 = proc_cpu(server_pid) if server_pid else 0.0
        b2 = sum(children_cpu(post).values())
        quiet = quiet + 1 if (a2 - a) + (b2 - b) <= 0.03 else 0
        if quiet >= 2:
            return True
    return False


# ------------------------------------------------------------------------------------ statements

def stmt_reset(env):
    with env.su() as c:
        c.execute("SELECT pg_stat_statements_reset()")


def stmt_calls(env):
    """normalised statement -> calls, for the application role's statements since the reset."""
    with env.su() as c:
        rows = c.execute(
            "SELECT query, calls FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid"
            " WHERE r.rolname = 'wos' AND s.dbid = (SELECT oid FROM pg_database"
            "                                        WHERE datname = current_database())"
        ).fetchall()
    out = {}
    for query, calls in rows:
        if "bench-only" in query or "bench.pool" in query:
            continue
        key = normalise(query)
        out[key] = out.get(key, 0) + calls
    return out


def normalise(query):
    """Statement text with parameters, NULL constants and layout made comparable."""
    q = re.sub(r"/\*.*?\*/", " ", query, flags=re.S)
    q = re.sub(r"\$\d+|\bNULL\b", "?", q)
    return re.sub(r"\s+", " ", q).strip().rstrip(";")


def is_principal(stmt):
    return "wos_auth_principal(" in stmt


def round_trips(per_req):
    """Round trips per request: every statement but the pipelined check and BEGIN is one."""
    return sum(v for k, v in per_req.items() if not is_principal(k) and k.upper() != "BEGIN")


# ------------------------------------------------------------------------------------ wrk

def run_wrk(url, script, env_vars, conns, seconds, threads=2, timeout=10):
    """Runs wrk with a bench/lua script; returns its BENCH_WRK numbers plus the client CPU."""
    env = dict(os.environ)
    env.update({"BENCH_LUA_DIR": str(BENCH / "lua"), "BENCH_WRK_THREADS": str(threads)})
    env.update(env_vars)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
                          "--timeout", f"{timeout}s", "-s", str(BENCH / "lua" / script), url],
                         env=env, capture_output=True, text=True, timeout=seconds + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((l for l in out.stdout.splitlines() if l.startswith("BENCH_WRK ")), None)
    if out.returncode != 0 or not line:
        raise BenchError(f"wrk failed ({out.returncode}):\n{out.stderr}\n{out.stdout}")
    r = json.loads(line[len("BENCH_WRK "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["timeout"]
    r["non2xx"] = max(r["status"], r["non2xx_seen"])
    r["client_cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return r


# ------------------------------------------------------------------------------------ pgbench

def pgbench_script(template, pool, clients, out_path):
    """Writes the pgbench script for one template, pool and client count; returns its slots.

    shared pool: every client loads all members and picks one uniformly per transaction.
    partitioned pool (pool.partitioned): client c owns members c*k .. c*k+k-1.
    """
    body = (BENCH / "pgbench" / template).read_text()
    n = len(pool.members)
    k = max(1, n // clients) if pool.partitioned else n
    if pool.partitioned and n < clients:
        raise BenchError(f"pool {pool.name} has {n} members for {clients} clients")
    where = f"pool = '{pool.name}'"
    slot = "idx"
    if pool.partitioned:
        where += f" AND idx / {k} = :client_id"
        slot = f"idx % {k}"
    cols = ", ".join(f"max({v}) FILTER (WHERE {slot} = {i}) AS {v}_{i}"
                     for i in range(k) for v in MEMBER_VARS)
    lines = ["-- generated by bench/lib/measure.py from bench/pgbench/" + template,
             "\\if :loaded = 0",
             f"SELECT {cols} FROM bench.pool WHERE {where} \\gset",
             "\\set loaded 1",
             "\\endif",
             f"\\set r random(0, {k - 1})"]
    pattern = re.compile(r":(" + "|".join(MEMBER_VARS) + r")\b")
    for i in range(k):
        lines.append(("\\if" if i == 0 else "\\elif") + f" :r = {i}")
        lines.append(pattern.sub(lambda m: f":{m.group(1)}_{i}", body))
    lines.append("\\endif")
    Path(out_path).write_text("\n".join(lines) + "\n")
    return k


def run_pgbench(env, script, defines, clients, seconds, warmup, log_prefix, threads=2):
    """pgbench -M prepared over TCP as the application role for warmup + seconds.

    Every client prepares each statement of its script on first use, so the first seconds are
    slower; like the wrk runs, only the last `seconds` count: throughput and latencies come
    from pgbench's per-transaction log (completion time, latency) within that window.
    """
    argv = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(threads),
            "-T", str(warmup + seconds), "-f", str(script), "-D", "loaded=0",
            "--log", f"--log-prefix={log_prefix}",
            "-h", "127.0.0.1", "-p", str(env.pg_port), "-U", "wos", "wos"]
    for k, v in defines.items():
        argv[1:1] = ["-D", f"{k}={v}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=warmup + seconds + 120,
                         cwd=env.work)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = out.stdout + out.stderr
    done = re.search(r"number of transactions actually processed: (\d+)", text)
    if out.returncode != 0 or not done or "aborted" in out.stderr:
        raise BenchError(f"pgbench failed ({out.returncode}):\n{text[-3000:]}")
    spans = []  # (start, end) of each transaction, seconds since the epoch
    prefix = Path(log_prefix)
    for f in prefix.parent.glob(prefix.name + ".*"):
        with open(f) as fh:
            for line in fh:
                p = line.split()
                if len(p) >= 6:
                    end = int(p[4]) + int(p[5]) / 1e6
                    spans.append((end - int(p[2]) / 1e6, end))
        f.unlink()
    if not spans:
        raise BenchError("pgbench wrote no transaction log:\n" + text[-2000:])
    # The window: from the end of the warm-up to the end of the run. Each transaction counts
    # for the fraction of its duration inside the window, so that slow transactions which
    # all finish together (64 backends sharing two cores) do not make the count jump.
    w0 = min(s for s, _ in spans) + warmup
    w1 = w0 + seconds
    done_in = sum((min(e, w1) - max(s, w0)) / max(e - s, 1e-9)
                  for s, e in spans if e > w0 and s < w1)
    window = sorted((e - s) * 1e6 for s, e in spans if w0 <= e <= w1)
    failed = re.search(r"number of failed transactions: (\d+)", text)

    def pct(q):
        return window[min(len(window) - 1, int(len(window) * q / 100))] / 1000 if window else None

    return {"tps": done_in / seconds, "transactions": len(window),
            "total_transactions": int(done.group(1)),
            "failed": int(failed.group(1)) if failed else 0,
            "p50": pct(50), "p90": pct(90), "p99": pct(99),
            "client_cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)}


ACCESS = re.compile(rb" access \S+ \S+ (\d{3}) ")


def served(log_path, offset):
    """Replies in wos's access log after byte offset: (count, {status: n} of non-2xx, end).

    The server logs every reply it sends, including those to requests still in flight when
    wrk stopped, so this is the count to divide the server's work by. None when the access
    log is off (LOG_LEVEL above info).
    """
    count, bad = 0, {}
    with open(log_path, "rb") as f:
        f.seek(offset)
        while True:
            chunk = f.read(1 << 24)
            if not chunk:
                break
            chunk += f.readline()
            for status in ACCESS.findall(chunk):
                count += 1
                if not status.startswith(b"2"):
                    bad[int(status)] = bad.get(int(status), 0) + 1
        end = f.tell()
    return (count if count else None), bad, end


def median(values):
    return statistics.median(values) if values else None
