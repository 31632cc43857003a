-- wrk script: a paced (constant-rate) load, wrk2-style, with plain wrk.
-- Usage: wrk -t<T> -c<C> ... -s paced.lua URL -- <interval ms per connection>
-- Each connection waits the interval between the end of one answer and its next request (wrk's
-- delay()); bench_channels.py sets interval = C / rate, so C connections offer about `rate`
-- requests per second while the server keeps up. Latency is wrk's own (request sent → answer);
-- a server that falls behind lowers the offered rate instead of queueing (coordinated omission),
-- so the achieved rate is reported beside the latency.
function init(args)
  interval_ms = tonumber(args[1])
end

function delay()
  return interval_ms
end
