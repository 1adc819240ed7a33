-- checkin_checkout.lua: POST /api/v1/attendance/check-in then POST .../check-out for the
-- members of $BENCH_POOL.
--
-- Each thread cycles through its own share of the pool: request i acts for member i mod P,
-- checking in on even rounds and out on odd ones. A member's next request is P requests
-- later, so with P at least ten times the thread's connections its previous request has long
-- been answered (bench/run sizes the pool so; it also closes every open session of the pool
-- before each run). The check-out body carries both reasons, so it is accepted before and
-- after the end of the member's shift.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

setup = bench.setup
done = bench.done

local ins, outs = {}, {}
local i = 0
local json = {["Content-Type"] = "application/json"}
local in_body = '{"work_mode":"office"}'
local out_body = '{"checkout_after_shift_reason":"overtime",' ..
                 '"checkout_after_shift_note":"Benchmark run",' ..
                 '"early_checkout_reason":"Benchmark run"}'

function init(args)
    for _, m in ipairs(bench.share(bench.load_pool(os.getenv("BENCH_POOL")))) do
        ins[#ins + 1] = wrk.format("POST", "/api/v1/attendance/check-in", bench.auth(m, json),
                                   in_body)
        outs[#outs + 1] = wrk.format("POST", "/api/v1/attendance/check-out", bench.auth(m, json),
                                     out_body)
    end
end

function request()
    local p = #ins
    local slot = i % p + 1
    local round = math.floor(i / p)
    i = i + 1
    if round % 2 == 0 then
        return ins[slot]
    end
    return outs[slot]
end

function response(status, headers, body)
    bench.check(status, body)
end
