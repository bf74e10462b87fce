-- post_citizens.lua - wrk script: POST one new citizen per request to Knute's durable write
-- route, each with a unique, valid synthetic person number (month + 80, both mod-11 check
-- digits computed here; nine-digit prefixes whose check digit would be 10 are skipped).
--
--   wrk -t2 -c64 -d10s --latency -s bench/post_citizens.lua \
--       -H "Authorization: Bearer knk_..." http://127.0.0.1:PORT/api/v1/municipalities/939000011/citizens
--
-- No collisions across wrk threads: thread t (0..STRIDE-1) uses candidate numbers
-- t, t+STRIDE, t+2*STRIDE, ... Candidates cover birth years 1900-1927 and 1958-1999 (the demo
-- data uses 1928-1957), days 1-28, individual numbers 000-499: 11.8 million, enough for
-- ~1.4 million requests per thread.

local STRIDE = 8
local W1 = {3, 7, 6, 1, 8, 9, 4, 5, 2}
local W2 = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
local YEARS = {}
for y = 0, 27 do YEARS[#YEARS + 1] = y end
for y = 58, 99 do YEARS[#YEARS + 1] = y end

local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local function complete(first9)
  local s = 0
  for j = 1, 9 do s = s + (first9:byte(j) - 48) * W1[j] end
  local k1 = 11 - s % 11
  if k1 == 11 then k1 = 0 end
  if k1 == 10 then return nil end
  s = k1 * W2[10]
  for j = 1, 9 do s = s + (first9:byte(j) - 48) * W2[j] end
  local k2 = 11 - s % 11
  if k2 == 11 then k2 = 0 end
  if k2 == 10 then return nil end
  return first9 .. k1 .. k2
end

local function candidate(k)
  local ind = k % 500; k = math.floor(k / 500)
  local day = 1 + k % 28; k = math.floor(k / 28)
  local month = 1 + k % 12; k = math.floor(k / 12)
  local year = YEARS[k + 1]
  if not year then error("synthetic person numbers exhausted") end
  return complete(string.format("%02d%02d%02d%03d", day, month + 80, year, ind))
end

local i = 0
local my_tid = 0
local headers = {}

function init(args)
  -- wrk.format() with our own header table would drop the -H headers: copy them in.
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  my_tid = tonumber(tid) or 0
  if my_tid >= STRIDE then error("post_citizens.lua supports at most " .. STRIDE .. " wrk threads") end
end

function request()
  local nin
  repeat
    nin = candidate(i * STRIDE + my_tid)
    i = i + 1
  until nin
  local body = '{"nin":"' .. nin .. '","given_name":"Benk","family_name":"Testesen",'
    .. '"address":"Benkeveien ' .. (i % 200 + 1) .. ', 4760 Knutby","phone":"+47 40000000"}'
  return wrk.format("POST", nil, headers, body)
end
