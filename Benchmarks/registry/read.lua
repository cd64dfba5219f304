-- wrk script: GET /v1/people/{id} for ids read from the file in IDS_FILE, in random order.
-- The bearer token comes from TOKEN.
local ids = {}
local token = os.getenv("TOKEN")

function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", "/v1/people/" .. id, { ["Authorization"] = "Bearer " .. token })
end

function response(status, headers, body)
  if status ~= 200 then error("status " .. status) end
end
