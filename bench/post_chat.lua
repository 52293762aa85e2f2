-- wrk script: non-streaming POST /api/chat with the body of chat_request.json (same directory).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"

local file = assert(io.open(here .. "chat_request.json", "rb"))
wrk.method = "POST"
wrk.body = file:read("*a"):gsub("%s+$", "")
wrk.headers["Content-Type"] = "application/json"
file:close()

dofile(here .. "report.lua")
