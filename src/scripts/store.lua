-- Stores a submission when a plain XADD is not enough: the submission
-- carries an idempotency key, its limits are shared by every nginx server,
-- or it comes back from the local spool.  Every check comes before the
-- first write, since a script does not roll back.
--
-- KEYS[1]: the stream; KEYS[2]: the deduplication key when ARGV[7] is not
-- empty (an idempotency key, or the submission's own id, written by its
-- first attempt when a spool may take it: the replay's index); then one
-- GCRA state per limit (the pseudonymised client key, never an address).
--
-- ARGV[1..5]: id, received_at, form, data, client
-- ARGV[6]: "1" for a dry run of the limits (counted, never refused)
-- ARGV[7]: the status to remember under the deduplication key ("201",
--          "202"), or "" for none
-- ARGV[8]: how long the deduplication key lives, milliseconds
-- then per limit: interval (microseconds) and burst.
--
-- Returns {1, entry id, wait}: stored (wait > 0: a dry run would refuse);
-- {0, wait}: refused by a limit; {2, status, id}: stored before, the first
-- answer (its key's life starts again).
-- Times are microseconds from Redis's clock, exact in a Lua double.

local dedup = ARGV[7] ~= ''
local first = 2

if dedup then
    first = 3

    local prev = redis.call('GET', KEYS[2])

    if prev then
        local sp = string.find(prev, ' ', 1, true)
        local status = string.sub(prev, 1, sp - 1)
        local id = string.sub(prev, sp + 1)

        -- the submission itself, come back from the spool after its first
        -- attempt reached Redis late: the client was answered from the
        -- spool, and a retry must get that answer
        if id == ARGV[1] and status ~= ARGV[7] then
            redis.call('SET', KEYS[2], ARGV[7] .. ' ' .. id, 'KEEPTTL')
            status = ARGV[7]
        end

        -- a write all the same (the key lives on from now): a WAIT after
        -- the script then counts the replicas that have the first answer
        -- too, the replication stream being in order
        redis.call('PEXPIRE', KEYS[2], ARGV[8])

        return {2, status, id}
    end
end

local n = #KEYS - first + 1
local wait = 0

if n > 0 then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
    local tats = {}

    for i = 1, n do
        local interval = tonumber(ARGV[7 + 2 * i])
        local burst = tonumber(ARGV[8 + 2 * i])
        local tat = tonumber(redis.call('GET', KEYS[first + i - 1]) or '0')

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
        redis.call('SET', KEYS[first + i - 1], string.format('%.0f', tats[i]),
                   'PX', math.ceil((tats[i] - now) / 1000) + 1000)
    end
end

local id = redis.call('XADD', KEYS[1], '*',
    'id', ARGV[1], 'received_at', ARGV[2], 'form', ARGV[3],
    'data', ARGV[4], 'client', ARGV[5])

if dedup then
    redis.call('SET', KEYS[2], ARGV[7] .. ' ' .. ARGV[1], 'PX', ARGV[8])
end

return {1, id, wait}
