-- The counters of every event of the programme, read together for
-- GET /api/evenements.  KEYS: one "<prefix><id>:event" hash per event; a
-- missing hash is an event nobody registered to yet.
local r = {}
for i, k in ipairs(KEYS) do
    r[i] = redis.call('HMGET', k, 'confirmed', 'waitlisted')
end
return r
