-- Cancels a registration and, in the same step, gives the freed seat to
-- the first person of the waiting list: nobody is skipped and the seats
-- never exceed the capacity.  Idempotent: a cancelled registration stays
-- cancelled and the answer is the same.
--
-- KEYS: as for register.lua.
-- ARGV[1..4]: registration id, received_at, event, "" (reserved);
-- ARGV[5]: capacity.
--
-- Returns {0} for an unknown registration, {1, promoted id or "", the
-- status before: "confirmed", "waitlisted", or "cancelled" when it was
-- cancelled before, the name kept with it}.

local capacity = tonumber(ARGV[5])
local reg = redis.call('HGET', KEYS[4], ARGV[1])

if not reg then
    return {0}
end

local status, who = string.match(reg, '^(%a+) (.*)$')
local email, name = string.match(who, '^(%S+) ?(.*)$')

if status == 'cancelled' then
    return {1, '', status, name or ''}
end

redis.call('HSET', KEYS[4], ARGV[1], 'cancelled ' .. who)

if redis.call('HGET', KEYS[3], email) == ARGV[1] then
    redis.call('HDEL', KEYS[3], email)
end

if status == 'waitlisted' then
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('HINCRBY', KEYS[1], 'waitlisted', -1)
else
    redis.call('HINCRBY', KEYS[1], 'confirmed', -1)
end

redis.call('XADD', KEYS[5], '*', 'id', ARGV[1], 'received_at', ARGV[2],
           'event', ARGV[3], 'status', 'cancelled')

-- the freed seat (or one freed earlier under a smaller capacity) goes to
-- the waiting list, first come first served

local promoted = ''
local confirmed = tonumber(redis.call('HGET', KEYS[1], 'confirmed') or '0')

while confirmed < capacity do
    local first = redis.call('ZPOPMIN', KEYS[2])

    if #first == 0 then
        break
    end

    local id = first[1]
    local r = redis.call('HGET', KEYS[4], id) or ''
    local e = string.match(r, '^%a+ (.*)$') or ''

    redis.call('HSET', KEYS[4], id, 'confirmed ' .. e)
    redis.call('HINCRBY', KEYS[1], 'waitlisted', -1)
    confirmed = redis.call('HINCRBY', KEYS[1], 'confirmed', 1)
    redis.call('XADD', KEYS[5], '*', 'id', id, 'received_at', ARGV[2],
               'event', ARGV[3], 'status', 'promoted')

    if promoted == '' then
        promoted = id
    end
end

return {1, promoted, status, name or ''}
