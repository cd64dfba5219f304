-- wrk script: GETs the paths of the file in PATHS_FILE, one a line, in random order. The bearer
-- token comes from TOKEN; any status but 200 stops the run.
local paths = {}
local token = os.getenv("TOKEN")

function init(args)
  for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], { ["Authorization"] = "Bearer " .. token })
end

function response(status, headers, body)
  if status ~= 200 then error("status " .. status) end
end
