-- A registration as its cancellation page shows it, read only.
--
-- KEYS: as for register.lua.  ARGV[1]: the registration id.
--
-- Returns {0} for an unknown registration, otherwise {1, status, e-mail,
-- name, position}: the position on the waiting list from 1, 0 when not
-- waiting.

local reg = redis.call('HGET', KEYS[4], ARGV[1])

if not reg then
    return {0}
end

local status, email, name = string.match(reg, '^(%a+) (%S+) ?(.*)$')
local position = 0

if status == 'waitlisted' then
    position = (redis.call('ZRANK', KEYS[2], ARGV[1]) or -1) + 1
end

return {1, status or '', email or '', name or '', position}
