-- Appends one accepted submission to its stream.
-- KEYS[1]: the stream; ARGV: id, received_at, form, data, client.
return redis.call('XADD', KEYS[1], '*',
    'id', ARGV[1], 'received_at', ARGV[2], 'form', ARGV[3],
    'data', ARGV[4], 'client', ARGV[5])
