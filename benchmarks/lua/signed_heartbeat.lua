-- wrk script: signed kiosk heartbeats, each with its own nonce, pre-signed by bench_api_load.py.
-- Usage: wrk ... -s signed_heartbeat.lua URL -- <requests file> <threads>
-- File: first line the JSON body, then one "device_id timestamp nonce signature" per request.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local threads = tonumber(args[2])
  body = file:read("*l")
  devices, stamps, nonces, signatures = {}, {}, {}, {}
  local line_no = 0
  for line in file:lines() do
    if line_no % threads == id then
      local d, ts, nonce, sig = line:match("(%S+) (%S+) (%S+) (%S+)")
      devices[#devices + 1], stamps[#stamps + 1] = d, ts
      nonces[#nonces + 1], signatures[#signatures + 1] = nonce, sig
    end
    line_no = line_no + 1
  end
  file:close()
  index = 0
end

function request()
  index = index + 1
  if index > #devices then index = 1 end -- wraps only if the file ran short (replays then show as 409s)
  return wrk.format("POST", "/api/v1/device/heartbeat", {
    ["Content-Type"] = "application/json",
    ["X-Device-Id"] = devices[index],
    ["X-Timestamp"] = stamps[index],
    ["X-Nonce"] = nonces[index],
    ["X-Signature"] = signatures[index],
  }, body)
end
