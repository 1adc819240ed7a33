"""report.py: the Markdown report of one benchmark run (bench/results/latest.md).

Sections: the machine and the run; one table row per endpoint and connection count; the
ceilings; the targets of issue 10 with pass/fail; the start-up and memory facts; and, for each
endpoint that misses a target, why, from what the run measured: round trips and statements
per request (pg_stat_statements), where the CPU went (wos vs PostgreSQL per request), what the
active backends waited on (pg_stat_activity), and the database connections wos had.
"""

import os

TARGET_DB_RATIO = 0.75
TARGET_HEALTH_RATIO = 0.6
TARGET_LOGIN_RATIO = 0.9
TARGET_TAIL = 4.0
TARGET_IDLE_RSS_KB = 16 * 1024
TARGET_PEAK_RSS_KB = 64 * 1024
TARGET_COLD_MS = 150.0


def fmt(v, digits=1, unit=""):
    if v is None:
        return "–"
    if isinstance(v, float):
        v = f"{v:,.{digits}f}"
    return f"{v}{unit}"


def ms(us):
    return None if us is None else us / 1000.0


def mib(kb):
    return None if kb is None else kb / 1024.0


def target_for(ep):
    return {"health": TARGET_HEALTH_RATIO, "login": TARGET_LOGIN_RATIO}.get(ep["kind"],
                                                                           TARGET_DB_RATIO)


def ceiling_name(ep):
    return {"health": "nginx `return 200`", "login": "bcrypt verifications/s"}.get(
        ep["kind"], "pgbench -M prepared")


def rows_for(results):
    """One row per (endpoint, connections) that was measured."""
    rows = []
    for ep in results["endpoints"]:
        if not ep.get("present"):
            continue
        for conns, w in sorted(ep.get("wrk", {}).items()):
            ceil = ep.get("ceiling", {}).get(conns)
            ratio = w["rps"] / ceil["rps"] if ceil and ceil.get("rps") else None
            rows.append((ep, conns, w, ceil, ratio))
    return rows


def results_table(results):
    out = ["| endpoint | conns | req/s | p50 ms | p90 ms | p99 ms | p99/p50 | non-2xx | errors"
           " | ceiling req/s | ratio | wos CPU µs/req | PG CPU µs/req | round trips/req"
           " | others' CPU |",
           "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for ep, conns, w, ceil, ratio in rows_for(results):
        p50, p99 = ms(w["p50"]), ms(w["p99"])
        tail = p99 / p50 if p50 else None
        rt = w.get("round_trips")
        out.append(
            f"| {ep['title']} | {conns} | {fmt(w['rps'])} | {fmt(p50, 2)} | {fmt(ms(w['p90']), 2)}"
            f" | {fmt(p99, 2)} | {fmt(tail, 1)} | {w['non2xx']} | {w['errors']}"
            f" | {fmt(ceil['rps'] if ceil else None)} | {fmt(ratio, 2)}"
            f" | {fmt(w.get('server_cpu_us'), 0)} | {fmt(w.get('db_cpu_us'), 0)}"
            f" | {fmt(rt, 2) if rt is not None else '–'} | {fmt(w.get('others_cores'), 2)} |")
    return "\n".join(out)


def ceilings_table(results):
    out = ["| endpoint | conns | ceiling | req/s | p50 ms | p99 ms | CPU µs/req (PG; nginx)"
           " | others' CPU | statements match wos |",
           "|---|--:|---|--:|--:|--:|--:|--:|---|"]
    for ep in results["endpoints"]:
        if not ep.get("present"):
            continue
        for conns, c in sorted(ep.get("ceiling", {}).items()):
            runs = [(c["same"], conns), (c["at_threads"], c["at_threads"]["clients"])] \
                if "same" in c else [(c, conns)]
            seen = set()
            for r, clients in runs:
                if clients in seen:
                    continue
                seen.add(clients)
                best = " (used)" if r["rps"] == c["rps"] and len(runs) > 1 else ""
                name = ceiling_name(ep) + (f", {clients} clients{best}" if "same" in c else "")
                cpu = r.get("server_cpu_us") if ep["kind"] == "health" else r.get("db_cpu_us")
                out.append(f"| {ep['title']} | {conns} | {name} | {fmt(r['rps'])}"
                           f" | {fmt(r.get('p50'), 2)} | {fmt(r.get('p99'), 2)}"
                           f" | {fmt(cpu, 0)} | {fmt(r.get('others_cores'), 2)}"
                           f" | {c.get('match', '–')} |")
    return "\n".join(out)


def targets(results):
    """[(what, measured, target, ok)]"""
    out = []
    for ep, conns, w, ceil, ratio in rows_for(results):
        if conns == 64 and ratio is not None:
            t = target_for(ep)
            out.append((f"{ep['title']} at 64: ratio to {ceiling_name(ep)}", f"{ratio:.2f}",
                        f"≥ {t}", ratio >= t))
        if conns == 16:
            p50, p99 = w["p50"], w["p99"]
            tail = p99 / p50 if p50 else float("inf")
            out.append((f"{ep['title']} at 16: p99/p50", f"{tail:.1f}", f"≤ {TARGET_TAIL:g}",
                        tail <= TARGET_TAIL))
        bad = w["non2xx"] + w["errors"]
        out.append((f"{ep['title']} at {conns}: non-2xx + errors", str(bad), "0", bad == 0))
    facts = results["facts"]
    for key, label, limit in (("idle_rss_kb", "idle RSS after start", TARGET_IDLE_RSS_KB),
                              ("idle_rss_after_kb", "idle RSS after the load",
                               TARGET_IDLE_RSS_KB),
                              ("peak_rss_kb", "peak RSS (VmHWM) over the run",
                               TARGET_PEAK_RSS_KB)):
        if facts.get(key) is not None:
            out.append((label, f"{mib(facts[key]):.1f} MiB", f"< {mib(limit):g} MiB",
                        facts[key] < limit))
    if facts.get("cold_start_ms"):
        out.append(("cold start to first 200 (median)", f"{facts['cold_start_ms']:.0f} ms",
                    f"< {TARGET_COLD_MS:g} ms", facts["cold_start_ms"] < TARGET_COLD_MS))
    return out


def explain(ep, results):
    """Why an endpoint misses a target, from the numbers of its 64-connection runs."""
    w = ep.get("wrk", {}).get(64)
    c = ep.get("ceiling", {}).get(64)
    if not w:
        return []
    lines = []
    threads = results["facts"].get("http_threads")
    if ep["kind"] == "health":
        lines.append(f"wos spends {fmt(w.get('server_cpu_us'), 1)} µs of CPU per request"
                     f" (libmicrohttpd, request context, routing, headers, access log line) on"
                     f" {threads} threads, nginx {fmt(c.get('server_cpu_us') if c else None, 1)}"
                     f" µs; wrk itself used {fmt(w.get('client_cpu_share'), 0)}% of the machine.")
        w16, c16 = ep.get("wrk", {}).get(16), ep.get("ceiling", {}).get(16)
        if w16 and c16 and w16.get("p50") and c16.get("p50"):
            lines.append(f"Tail at 16 connections: wos p99/p50 {w16['p99'] / w16['p50']:.1f},"
                         f" nginx {c16['p99'] / c16['p50']:.1f} on the same machine: with"
                         f" sub-millisecond medians, p99 is set by the scheduler (more runnable"
                         f" threads than cores, other work on the machine).")
        return lines
    if ep["kind"] == "login":
        rate = c.get("rps") if c else None
        per_hash = os.cpu_count() / rate * 1000 if rate else None
        lines.append(f"Login is bcrypt-bound: wos used {fmt(ms(w.get('server_cpu_us')), 0)} ms"
                     f" of CPU per sign-in; one verification at this cost is about"
                     f" {fmt(per_hash, 0)} ms of a core (cores / ceiling). The two statements"
                     f" around it took {fmt(ms(w.get('db_cpu_us')), 1)} ms of PostgreSQL CPU.")
        return lines
    rt = w.get("round_trips")
    if rt is not None:
        lines.append(f"{rt:.2f} round trips and {w.get('statements', 0):.2f} statements per"
                     f" request (pg_stat_statements); statements: "
                     + "; ".join(f"`{k[:70]}` ×{v:.2f}" for k, v in w.get("per_req", {}).items()))
    if w.get("db_cpu_us") and w.get("server_cpu_us"):
        lines.append(f"CPU per request: wos {w['server_cpu_us']:.0f} µs, PostgreSQL"
                     f" {w['db_cpu_us']:.0f} µs"
                     + (f" (pgbench ceiling: PostgreSQL {c['db_cpu_us']:.0f} µs)"
                        if c and c.get("db_cpu_us") else "")
                     + f"; the load generator took {fmt(w.get('client_cpu_share'), 0)}% of the"
                       f" machine.")
    if w.get("waits"):
        top = ", ".join(f"{k} {v * 100:.0f}%" for k, v in list(w["waits"].items())[:4])
        lines.append(f"Active backends during the wos run: {w.get('active_backends', 0):.1f} on"
                     f" average, waiting on: {top}.")
    if c and c.get("waits"):
        top = ", ".join(f"{k} {v * 100:.0f}%" for k, v in list(c["waits"].items())[:4])
        lines.append(f"During pgbench: {c.get('active_backends', 0):.1f} active backends, {top}.")
    if c and "same" in c:
        used = c["same"] if c["same"]["rps"] >= c["at_threads"]["rps"] else c["at_threads"]
        lines.append(f"Ceiling used: pgbench with {used['clients']} clients"
                     f" ({c['same']['rps']:.1f} req/s at 64, {c['at_threads']['rps']:.1f} at"
                     f" {c['at_threads']['clients']}). wos holds {threads} PostgreSQL"
                     f" connections (HTTP_THREADS), so PostgreSQL never runs more than {threads}"
                     f" of its transactions at once, whatever the HTTP concurrency.")
    if w.get("waits") and any(k.startswith(("IO:WAL", "LWLock:WAL")) for k in w["waits"]):
        lines.append("Commits wait for the WAL flush (synchronous_commit on): with few"
                     " connections, few commits share one flush.")
    return lines


def render(results):
    f = results["facts"]
    kind = ("QUICK subset" if results["quick"] else
            f"partial run: {results['partial']}" if results.get("partial") else "full run")
    out = [f"# Benchmark results ({kind})", "",
           f"- date: {f['date']}; commit `{f['commit']}`; machine: {f['cores']} cores,"
           f" {f['mem_gib']:.0f} GiB, {f['cpu_model']}",
           f"- load average before / after: {f['load_before']} / {f.get('load_after', '–')}"
           f" (the tree is shared; other work on the machine shows up in the numbers)",
           f"- wos: `APP_ENV=production`, HTTP_THREADS={f['http_threads']},"
           f" PASSWORD_BCRYPT_ROUNDS={f['bcrypt_rounds']}, LOG_LEVEL={f['log_level']};"
           f" PostgreSQL {f['pg_version']} with default durability (fsync,"
           f" synchronous_commit on) over TCP loopback; Redis {f.get('redis_version', '?')}",
           f"- dataset: {f['dataset']['members']} members in {f['dataset']['workspaces']}"
           f" workspaces, {f['dataset']['sessions']} attendance sessions,"
           f" {f['dataset']['breaks']} breaks, {f['dataset']['leaves']} leave requests"
           f" ({f['dataset']['db_bytes'] / 2**20:.0f} MiB, loaded in"
           f" {f['dataset']['seconds']:.1f} s)",
           f"- each run: wrk -t2 for {f['seconds']} s after a {f['warmup']} s warm-up per"
           f" endpoint; ceilings side by side with the same members and concurrency; total"
           f" {f.get('total_minutes', 0):.1f} min", "",
           "## Endpoints", "", results_table(results), "",
           "Latencies are wrk's (closed loop); CPU per request is /proc utime+stime of"
           " `wos serve` and of all PostgreSQL processes over the run, divided by the replies"
           " wos logged; round trips exclude the principal check pipelined with each request's"
           " first statement; others' CPU is the cores the rest of the machine (not wos,"
           " PostgreSQL, the load generator or this harness) kept busy during the run: a run"
           f" above {f['others_limit']} cores was measured a second time and the calmer one"
           " kept.", "",
           "## Ceilings", "", ceilings_table(results), ""]
    missing = [f"{ep['title']} (missing: {', '.join(ep['missing'])})"
               for ep in results["endpoints"] if not ep.get("present")]
    if missing:
        out += ["Not measured, the route is not in this build: " + "; ".join(missing) + ".", ""]
    out += ["## Targets", "", "| target | measured | goal | |", "|---|--:|--:|---|"]
    out += [f"| {what} | {val} | {goal} | {'pass' if ok else '**MISS**'} |"
            for what, val, goal, ok in targets(results)]
    out += ["", "## Start-up, memory, bcrypt", "",
            f"- cold start (process start to first 200 on /health, migrated database, median of"
            f" {len(f.get('cold_starts_ms', []))}): {fmt(f.get('cold_start_ms'), 0)} ms"
            f" (runs: {', '.join(f'{v:.0f}' for v in f.get('cold_starts_ms', []))} ms)",
            f"- `wos migrate upgrade head` on an empty database (median of"
            f" {len(f.get('migrate_s', []))}): {fmt(f.get('migrate_ms'), 0)} ms",
            f"- idle RSS after start: {fmt(mib(f.get('idle_rss_kb')), 1)} MiB; idle after the"
            f" load: {fmt(mib(f.get('idle_rss_after_kb')), 1)} MiB; peak (VmHWM):"
            f" {fmt(mib(f.get('peak_rss_kb')), 1)} MiB",
            f"- bcrypt at cost {f['bcrypt_rounds']}: "
            + ", ".join(f"{r:.2f}" for r in f.get("bcrypt_rates", []))
            + f" verifications/s on {f['cores']} threads, libxcrypt crypt_r (login's ceiling,"
              f" measured before each login run)", ""]
    why = []
    failing = {what.split(" at ")[0] for what, _, _, ok in targets(results) if not ok}
    for ep in results["endpoints"]:
        if ep.get("present") and ep["title"] in failing:
            lines = explain(ep, results)
            if lines:
                why += [f"### {ep['title']}", ""] + [f"- {l}" for l in lines] + [""]
    if why:
        out += ["## Why targets are missed (measured in this run)", ""] + why
    notes = results.get("notes", [])
    if notes:
        out += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(out)
