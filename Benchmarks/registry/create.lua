-- wrk script: POST /v1/people with a new person each time (unique names, no national id).
local token = os.getenv("TOKEN")
local counter = 0
local threadId = 0
local nextThread = 0

function setup(thread)
  nextThread = nextThread + 1
  thread:set("threadId", nextThread)
end

local family = { "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ" }
local given = { "Hùng", "Dũng", "Tuấn", "Hải", "Long", "Sơn", "Minh", "Phong", "Quang", "Việt" }

function request()
  counter = counter + 1
  local name = family[(counter % #family) + 1] .. " Văn " .. given[(counter % #given) + 1] .. " " .. threadId .. "-" .. counter
  local body = string.format(
    '{"fullName":"%s","birthYear":%d,"sex":"male","residence":{"communeCode":"00004"},"substances":["heroin"],"confirmPossibleDuplicate":true}',
    name, 1970 + (counter % 35))
  return wrk.format("POST", "/v1/people", {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 201 then error("status " .. status .. " " .. body) end
end
