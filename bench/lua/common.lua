-- common.lua: shared by the benchmark's wrk scripts (loaded with dofile from $BENCH_LUA_DIR).
--
-- Configuration comes from the environment, which every Lua state of wrk can read (init()
-- arguments reach only the thread states, not setup() and done()):
--   BENCH_POOL         tab-separated file: token, user id, e-mail (one member a line)
--   BENCH_WRK_THREADS  the -t given to wrk, so that each thread can take its own share of a pool
--
-- Each thread gets its number in the global `tid` (0-based) from setup(). done() prints one
-- line "BENCH_WRK {json}" that bench/lib/measure.py parses: wrk's own counts and latency
-- percentiles (microseconds) plus the per-thread counters the scripts keep in `bench_stats`
-- (non-2xx responses seen by response(), and the first unexpected reply as a sample).
bench = {}

local threads = {}

function bench.setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

-- The members of a pool file, in file order: {token=, uid=, email=}.
function bench.load_pool(path)
    local members = {}
    local f = assert(io.open(path, "r"), "cannot open pool " .. tostring(path))
    for line in f:lines() do
        local token, uid, email = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
        if token then
            members[#members + 1] = {token = token, uid = uid, email = email}
        end
    end
    f:close()
    assert(#members > 0, "empty pool " .. path)
    return members
end

-- This thread's share of a pool: members whose index is congruent to tid modulo the thread
-- count, so that no two threads ever act for the same member.
function bench.share(members)
    local n = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
    local mine = {}
    for i, m in ipairs(members) do
        if (i - 1) % n == tid then
            mine[#mine + 1] = m
        end
    end
    assert(#mine > 0, "pool too small for " .. n .. " threads")
    return mine
end

function bench.auth(m, extra)
    local h = {["Authorization"] = "Bearer " .. m.token}
    for k, v in pairs(extra or {}) do
        h[k] = v
    end
    return h
end

bench_stats = {non2xx = 0, sample = ""}

-- Counts a reply; returns true when it is 2xx. The first other reply is kept as a sample.
function bench.check(status, body)
    if status >= 200 and status < 300 then
        return true
    end
    bench_stats.non2xx = bench_stats.non2xx + 1
    if bench_stats.sample == "" then
        bench_stats.sample = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
    return false
end

local function json_string(s)
    return '"' .. s:gsub('[%c"\\]', function(c)
        return string.format("\\u%04x", c:byte())
    end) .. '"'
end

function bench.done(summary, latency, requests)
    local non2xx, sample = 0, ""
    for _, t in ipairs(threads) do
        local st = t:get("bench_stats")
        if st then
            non2xx = non2xx + (st.non2xx or 0)
            if sample == "" and st.sample and st.sample ~= "" then
                sample = st.sample
            end
        end
    end
    local e = summary.errors
    io.write(string.format(
        'BENCH_WRK {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,' ..
        '"write":%d,"status":%d,"timeout":%d,"non2xx_seen":%d,"p50":%d,"p90":%d,"p99":%d,' ..
        '"mean":%.1f,"max":%d,"sample":%s}\n',
        summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
        e.timeout, non2xx, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.mean, latency.max, json_string(sample)))
end
