-- wrk script: GET /v1/people?limit=20&q=<query> for queries read from the file in QUERIES_FILE
-- (names without diacritics, URL-encoded), in random order. The bearer token comes from TOKEN.
local queries = {}
local token = os.getenv("TOKEN")

function init(args)
  for line in io.lines(os.getenv("QUERIES_FILE")) do queries[#queries + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local query = queries[math.random(#queries)]
  return wrk.format("GET", "/v1/people?limit=20&q=" .. query, { ["Authorization"] = "Bearer " .. token })
end

function response(status, headers, body)
  if status ~= 200 then error("status " .. status) end
end
