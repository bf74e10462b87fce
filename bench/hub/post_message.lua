-- post_message.lua - wrk script for bench/hub/run.sh: POST the realistic 3 KB VKP
-- MedicationDispense message (with DetectedIssue), tests/fhir/vkp/bench-medicationdispense-3k.json,
-- with a unique Bundle.identifier per request so the hub's dedup never short-circuits.
-- The body is read from the file named by BENCH_BODY. Optional pacing: BENCH_DELAY_MS makes every
-- connection wait that long between requests (rate ~= connections * 1000 / delay), which is how
-- run.sh holds "half of max load" without wrk2.
local common = dofile(os.getenv("BENCH_COMMON"))
local f = assert(io.open(os.getenv("BENCH_BODY"), "r"))
local template = f:read("*a")
f:close()
-- the identifier goes right after "type":"message",
local head, tail = template:match('^(.-"type":"message",)(.*)$')
assert(head, "bench body must be a message Bundle")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local PATIENT = "12834810008" -- the template's patient, replaced per request

-- 1000 valid synthetic person numbers (month + 80, both mod-11 check digits), so
-- per-patient ordering in the outbox sees a realistic spread of patients
local W1 = {3, 7, 6, 1, 8, 9, 4, 5, 2}
local W2 = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
local function check(digits, w)
  local s = 0
  for j = 1, #w do s = s + (digits:byte(j) - 48) * w[j] end
  local k = 11 - s % 11
  if k == 11 then k = 0 end
  return k
end
local patients = {}
local k = 0
while #patients < 1000 do
  local first9 = string.format("%02d%02d%02d%03d", 1 + k % 28, 81 + math.floor(k / 28) % 12, 70, k % 500)
  local k1 = check(first9, W1)
  if k1 ~= 10 then
    local k2 = check(first9 .. k1, W2)
    if k2 ~= 10 then patients[#patients + 1] = first9 .. k1 .. k2 end
  end
  k = k + 1
end

local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local n = 0
local run = string.format("%08x", os.time() % 0xffffffff)
function request()
  n = n + 1
  local id = string.format("%s-%04x-4000-a000-%012x", run, tid % 0xffff, n)
  local body = head .. '"identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:' .. id .. '"},'
    .. tail:gsub(PATIENT, patients[n % #patients + 1])
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end -- keep -H (Authorization)
  headers["Content-Type"] = "application/fhir+json"
  return wrk.format("POST", nil, headers, body)
end

if delay_ms > 0 then
  function delay() return delay_ms end
end

function done(summary, latency, requests)
  common.done(summary, latency, requests)
end
