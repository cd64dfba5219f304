-- wrk script: POST /v1/referrals/{id}/response accepting each referral of the file in IDS_FILE
-- once (the threads take alternate lines). The bearer token comes from TOKEN.
local ids = {}
local token = os.getenv("TOKEN")
local counter = 0
local threads = 0
-- threadId is a global: setup() sets it in each thread's state (a local would hide it).

function setup(thread)
  threads = threads + 1
  thread:set("threadId", threads)
end

function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
  counter = threadId - 1
end

local body = '{"decision":"accepted"}'

function request()
  counter = counter + 2
  local id = ids[(counter % #ids) + 1]
  return wrk.format("POST", "/v1/referrals/" .. id .. "/response", {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 200 then error("status " .. status .. " " .. body) end
end
