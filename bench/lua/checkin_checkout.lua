-- checkin_checkout.lua: POST /api/v1/attendance/check-in then POST .../check-out for the
-- members of $BENCH_POOL.
--
-- Each thread walks its own share of the pool round robin and acts for the next member whose
-- last request has been answered: a member who is out checks in, one who is in checks out.
-- The reply (the session, naming its user and status) tells which member is ready again, so
-- a slow reply can never make a check-out overtake its check-in. bench/run closes every open
-- session of the pool before each run. The check-out body carries both reasons, so it is
-- accepted before and after the end of the member's shift.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

setup = bench.setup
done = bench.done

local members, by_uid = {}, {}
local cursor = 0
local json = {["Content-Type"] = "application/json"}
local in_body = '{"work_mode":"office"}'
local out_body = '{"checkout_after_shift_reason":"overtime",' ..
                 '"checkout_after_shift_note":"Benchmark run",' ..
                 '"early_checkout_reason":"Benchmark run"}'

function init(args)
    for _, m in ipairs(bench.share(bench.load_pool(os.getenv("BENCH_POOL")))) do
        m.check_in = wrk.format("POST", "/api/v1/attendance/check-in", bench.auth(m, json),
                                in_body)
        m.check_out = wrk.format("POST", "/api/v1/attendance/check-out", bench.auth(m, json),
                                 out_body)
        m.state = "out"
        members[#members + 1] = m
        by_uid[m.uid] = m
    end
end

function request()
    for _ = 1, #members do
        cursor = cursor % #members + 1
        local m = members[cursor]
        if m.state == "out" then
            m.state = "busy"
            return m.check_in
        elseif m.state == "in" then
            m.state = "busy"
            return m.check_out
        end
    end
    -- Every member is waiting for a reply: cannot happen while the pool is larger than the
    -- thread's connections; sending anything else would only measure refusals.
    error("checkin_checkout.lua: no member is ready; use a larger pool")
end

function response(status, headers, body)
    if not bench.check(status, body) then
        return
    end
    local m = by_uid[body:match('"user_id"%s*:%s*"([0-9a-f%-]+)"') or ""]
    local st = body:match('"session_status"%s*:%s*"(%a+)"')
    if m then
        m.state = st == "active" and "in" or "out"
    end
end
