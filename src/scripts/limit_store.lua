-- Counts a submission against its limits shared by every nginx server, and
-- stores it only when all of them let it through: every check comes before
-- the first write, since a script does not roll back.
--
-- KEYS[1]: the stream; KEYS[2..]: one GCRA state per limit (the pseudonymised
-- client key, never an address).
-- ARGV[1..5]: id, received_at, form, data, client; ARGV[6]: "1" for a dry
-- run (counted, never refused); then per limit: interval (microseconds) and
-- burst.  Times are microseconds from Redis's clock, exact in a Lua double.
--
-- Returns {1, entry id, 0} when stored, {0, wait in seconds} when refused;
-- a dry run that would have refused returns {1, entry id, wait}.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS - 1
local tats = {}
local wait = 0

for i = 1, n do
    local interval = tonumber(ARGV[5 + 2 * i])
    local burst = tonumber(ARGV[6 + 2 * i])
    local tat = tonumber(redis.call('GET', KEYS[i + 1]) or '0')

    if tat < now then
        tat = now
    end

    local new = tat + interval
    local over = new - now - burst * interval

    if over > 0 then
        local w = math.ceil(over / 1000000)
        if w > wait then
            wait = w
        end
    end

    tats[i] = new
end

if wait > 0 and ARGV[6] ~= '1' then
    return {0, wait}
end

for i = 1, n do
    redis.call('SET', KEYS[i + 1], string.format('%.0f', tats[i]),
               'PX', math.ceil((tats[i] - now) / 1000) + 1000)
end

local id = redis.call('XADD', KEYS[1], '*',
    'id', ARGV[1], 'received_at', ARGV[2], 'form', ARGV[3],
    'data', ARGV[4], 'client', ARGV[5])

return {1, id, wait}
