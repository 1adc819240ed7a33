-- login.lua: POST /api/v1/auth/login with the e-mail of the next member of $BENCH_POOL (round
-- robin) and $BENCH_PASSWORD, the password every generated member has. Successful sign-ins do
-- not count toward the login rate limits, so the whole run stays 200.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

setup = bench.setup
done = bench.done

local requests = {}
local i = 0

function init(args)
    local password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD is not set")
    for _, m in ipairs(bench.share(bench.load_pool(os.getenv("BENCH_POOL")))) do
        local body = '{"email":"' .. m.email .. '","password":"' .. password .. '"}'
        requests[#requests + 1] = wrk.format("POST", "/api/v1/auth/login",
                                             {["Content-Type"] = "application/json"}, body)
    end
end

function request()
    i = i % #requests + 1
    return requests[i]
end

function response(status, headers, body)
    bench.check(status, body)
end
