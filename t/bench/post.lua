-- wrk script for t/bench/run: POSTs one JSON body and counts, per thread,
-- the requests sent and the responses by status, then prints them with the
-- run's summary as "BENCH <key> <value>" lines that t/bench/run parses.
--
-- usage: wrk ... -s post.lua <url> -- <body.json> [expected status [GET]]
--
-- With GET, the body file is not sent (a page is fetched).
--
-- "ok" counts the answers of the expected status (default: any 2xx), so
-- that a run of invalid answers can expect its 422s.

local threads = {}

-- Per-thread globals: thread:get() reads them from the thread's Lua state.
sent = 0
statuses = {}
expected = nil

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    local path = args[1]
    if path == nil then
        error("post.lua: the body file is the first argument after --")
    end
    expected = tonumber(args[2])
    if args[3] == "GET" then
        wrk.method = "GET"
        wrk.headers["Accept"] = "text/html"
        req = wrk.format()
        return
    end
    local f = assert(io.open(path, "rb"))
    local body = f:read("*a")
    f:close()

    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "application/json"
    req = wrk.format()
end

function request()
    sent = sent + 1
    return req
end

function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    local total_sent, ok, non2xx, answered = 0, 0, 0, 0
    local all = {}

    for _, t in ipairs(threads) do
        total_sent = total_sent + (t:get("sent") or 0)
        local want = t:get("expected")
        for status, n in pairs(t:get("statuses") or {}) do
            all[status] = (all[status] or 0) + n
            answered = answered + n
            if (want and status == want)
                or (not want and status >= 200 and status < 300) then
                ok = ok + n
            else
                non2xx = non2xx + n
            end
        end
    end

    local e = summary.errors
    local secs = summary.duration / 1e6

    io.write(string.format("BENCH requests %d\n", summary.requests))
    io.write(string.format("BENCH duration_s %.3f\n", secs))
    io.write(string.format("BENCH rps %.1f\n", summary.requests / secs))
    io.write(string.format("BENCH p50_ms %.3f\n",
        latency:percentile(50.0) / 1000))
    io.write(string.format("BENCH p99_ms %.3f\n",
        latency:percentile(99.0) / 1000))
    io.write(string.format("BENCH sent %d\n", total_sent))
    io.write(string.format("BENCH answered %d\n", answered))
    io.write(string.format("BENCH ok %d\n", ok))
    io.write(string.format("BENCH non2xx %d\n", non2xx))
    io.write(string.format("BENCH sockerr %d\n",
        e.connect + e.read + e.write + e.timeout))
    io.write(string.format("BENCH sockerr_detail connect=%d,read=%d,"
        .. "write=%d,timeout=%d\n", e.connect, e.read, e.write, e.timeout))

    local codes = {}
    for status in pairs(all) do table.insert(codes, status) end
    table.sort(codes)
    local parts = {}
    for _, status in ipairs(codes) do
        table.insert(parts, status .. "=" .. all[status])
    end
    io.write("BENCH statuses " .. (#parts > 0 and table.concat(parts, ",")
        or "none") .. "\n")
end
