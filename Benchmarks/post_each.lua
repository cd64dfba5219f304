-- wrk script: one POST for each id of the file in IDS_FILE, each id once (the threads take
-- alternate lines): the path is PATH_FORMAT with the id for its %s, the body BODY (JSON). The
-- bearer token comes from TOKEN; any status but EXPECT (default 200) stops the run.
local ids = {}
local token = os.getenv("TOKEN")
local pathFormat = os.getenv("PATH_FORMAT")
local body = os.getenv("BODY")
local expected = tonumber(os.getenv("EXPECT") or "200")
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

function request()
  counter = counter + 2
  local id = ids[(counter % #ids) + 1]
  return wrk.format("POST", string.format(pathFormat, id), {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= expected then error("status " .. status .. " " .. body) end
end
