-- Registers a person to an event, exactly: every check comes before the
-- first write, since a script does not roll back, and one script runs at a
-- time, so two servers never sell the same seat.
--
-- KEYS[1]: the event's counters (hash: confirmed, waitlisted, seq);
-- KEYS[2]: its waiting list (sorted set: registration id by arrival);
-- KEYS[3]: normalised e-mail -> registration id (hash);
-- KEYS[4]: registration id -> "<status> <e-mail> <name>" (hash: the
-- status first, the address has no space, the name is the rest and may be
-- empty);
-- KEYS[5]: the stream of state changes.  All share the prefix (with a
-- hash tag in it on a Cluster: one slot).
-- ARGV[1..6]: id, received_at, event, data (normalised JSON), client,
-- e-mail key; ARGV[7]: the name ("Prénom Nom", for the cancellation page
-- and the e-mails); ARGV[8], ARGV[9]: capacity, waiting places.
--
-- Returns {0, id, status, position} for a person already registered
-- (status "confirmed" or "waitlisted", position 0 when confirmed),
-- {1, id, status, position} for a new registration, {2} when full.

local capacity = tonumber(ARGV[8])
local waitlist = tonumber(ARGV[9])
local who = ARGV[6] .. ' ' .. ARGV[7]

local known = redis.call('HGET', KEYS[3], ARGV[6])

if known then
    local reg = redis.call('HGET', KEYS[4], known)
    local status = string.match(reg or '', '^(%a+)')

    if status == 'waitlisted' then
        return {0, known, status, redis.call('ZRANK', KEYS[2], known) + 1}
    end

    if status == 'confirmed' then
        return {0, known, status, 0}
    end
end

local confirmed = tonumber(redis.call('HGET', KEYS[1], 'confirmed') or '0')
local waiting = redis.call('ZCARD', KEYS[2])

if confirmed < capacity and waiting == 0 then
    redis.call('HINCRBY', KEYS[1], 'confirmed', 1)
    redis.call('HSET', KEYS[3], ARGV[6], ARGV[1])
    redis.call('HSET', KEYS[4], ARGV[1], 'confirmed ' .. who)
    redis.call('XADD', KEYS[5], '*', 'id', ARGV[1], 'received_at', ARGV[2],
               'event', ARGV[3], 'status', 'registered', 'data', ARGV[4],
               'client', ARGV[5])
    return {1, ARGV[1], 'confirmed', 0}
end

if waiting < waitlist then
    local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
    redis.call('HINCRBY', KEYS[1], 'waitlisted', 1)
    redis.call('ZADD', KEYS[2], seq, ARGV[1])
    redis.call('HSET', KEYS[3], ARGV[6], ARGV[1])
    redis.call('HSET', KEYS[4], ARGV[1], 'waitlisted ' .. who)
    redis.call('XADD', KEYS[5], '*', 'id', ARGV[1], 'received_at', ARGV[2],
               'event', ARGV[3], 'status', 'waitlisted', 'data', ARGV[4],
               'client', ARGV[5], 'position', waiting + 1)
    return {1, ARGV[1], 'waitlisted', waiting + 1}
end

return {2}
