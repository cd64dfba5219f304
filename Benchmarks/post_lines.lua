-- wrk script: POSTs the requests of the file in LINES_FILE, one a line as "path<TAB>body" (JSON),
-- in turn (the threads take alternate lines, from the first again when they run out: each request
-- must be one the service takes again). The bearer token comes from TOKEN; any status but EXPECT
-- (default 201) stops the run.
local lines = {}
local token = os.getenv("TOKEN")
local expected = tonumber(os.getenv("EXPECT") or "201")
local counter = 0
local threads = 0
-- threadId is a global: setup() sets it in each thread's state (a local would hide it).

function setup(thread)
  threads = threads + 1
  thread:set("threadId", threads)
end

function init(args)
  for line in io.lines(os.getenv("LINES_FILE")) do
    local path, body = line:match("^([^\t]+)\t(.*)$")
    lines[#lines + 1] = { path, body }
  end
  counter = threadId - 1
end

function request()
  counter = counter + 2
  local line = lines[(counter % #lines) + 1]
  return wrk.format("POST", line[1], {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, line[2])
end

function response(status, headers, body)
  if status ~= expected then error("status " .. status .. " " .. body) end
end
