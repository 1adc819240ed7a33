-- leave_cycle.lua: POST /api/v1/leaves (a one-day WFH request) followed by its cancel
-- (POST /api/v1/leaves/{id}/cancel) for the members of $BENCH_POOL.
--
-- Each thread walks its own share of the pool round robin. The id of each created request is
-- read from the reply and queued; request() sends the queued cancels first, with the token of
-- the member the reply names. A member's n-th request of a run is for day
-- $BENCH_DATE_BASE + n of the calendar below (the 1st-28th of each month from 2031), so a
-- member never asks twice for the same date; bench/run also cancels what a run leaves pending.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

setup = bench.setup
done = bench.done

local members, by_uid = {}, {}
local queue, head, tail = {}, 1, 0
local i, n = 0, 0
local json = {["Content-Type"] = "application/json"}

-- Day number -> "YYYY-MM-DD" with days 1-28 only; the same mapping as the pgbench script.
local function date_of(k)
    return string.format("%04d-%02d-%02d", 2031 + math.floor(k / 336),
                         1 + math.floor(k / 28) % 12, 1 + k % 28)
end

function init(args)
    members = bench.share(bench.load_pool(os.getenv("BENCH_POOL")))
    for _, m in ipairs(members) do
        by_uid[m.uid] = m
    end
    n = tonumber(os.getenv("BENCH_DATE_BASE") or "0")
end

function request()
    if head <= tail then
        local c = queue[head]
        queue[head] = nil
        head = head + 1
        return wrk.format("POST", "/api/v1/leaves/" .. c.id .. "/cancel", bench.auth(c.member))
    end
    local m = members[i % #members + 1]
    i = i + 1
    if i % #members == 0 then
        n = n + 1
    end
    local d = date_of(n)
    local body = '{"start_date":"' .. d .. '","end_date":"' .. d .. '","leave_type":"wfh",' ..
                 '"reason":"Benchmark run","is_half_day":false}'
    return wrk.format("POST", "/api/v1/leaves", bench.auth(m, json), body)
end

-- Creates and cancels answer with the same representation: only a pending one is queued.
function response(status, headers, body)
    if not bench.check(status, body) or not body:find('"status"%s*:%s*"pending"') then
        return
    end
    local id = body:match('"id"%s*:%s*"([0-9a-f%-]+)"')
    local uid = body:match('"user_id"%s*:%s*"([0-9a-f%-]+)"')
    local m = uid and by_uid[uid]
    if id and m then
        tail = tail + 1
        queue[tail] = {id = id, member = m}
    end
end
