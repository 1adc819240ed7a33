-- get.lua: GET $BENCH_PATH, spread over the members of $BENCH_POOL (each request carries the
-- next member's access token, round robin from a different start in each thread). Without
-- BENCH_POOL the requests are anonymous (GET /health, and nginx's ceiling for it).
--
-- No response() callback: wrk then skips parsing bodies, which keeps the load generator's own
-- CPU low; non-2xx replies are wrk's status errors (codes above 399, the only non-2xx codes
-- these routes have). bench/run checks each route once per pool before measuring it.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

setup = bench.setup
done = bench.done

local requests = {}
local i = 0

function init(args)
    local path = assert(os.getenv("BENCH_PATH"), "BENCH_PATH is not set")
    local pool = os.getenv("BENCH_POOL")
    if pool and pool ~= "" then
        for _, m in ipairs(bench.load_pool(pool)) do
            requests[#requests + 1] = wrk.format("GET", path, bench.auth(m))
        end
    else
        requests[1] = wrk.format("GET", path, {})
    end
    i = (tid * 7919) % #requests
end

function request()
    i = i % #requests + 1
    return requests[i]
end
