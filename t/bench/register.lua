-- wrk script for t/bench/run's registration run: POSTs the registration
-- body with a distinct e-mail per request (thread number and counter), so
-- that every request takes a new seat; the counting and the BENCH lines are
-- post.lua's.
--
-- usage: wrk ... -s register.lua <url> -- <body.json>

dofile(string.gsub(debug.getinfo(1, "S").source, "^@(.*/)[^/]*$", "%1")
       .. "post.lua")

local nthreads = 0

local post_setup = setup
function setup(thread)
    nthreads = nthreads + 1
    thread:set("tid", nthreads)
    post_setup(thread)
end

local post_init = init
function init(args)
    post_init(args)
    local body = wrk.body
    local a, b = string.find(body, '"email"%s*:%s*"[^"]*"')
    if a == nil then
        error("register.lua: the body has no \"email\"")
    end
    head = string.sub(body, 1, a - 1) .. '"email": "bench-' .. tid .. '-'
    tail = '@example.org"' .. string.sub(body, b + 1)
end

function request()
    sent = sent + 1
    wrk.body = head .. sent .. tail
    return wrk.format()
end
