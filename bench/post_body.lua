-- wrk script: POST with the JSON body of the file named by BENCH_BODY (in this directory).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"

local name = assert(os.getenv("BENCH_BODY"), "BENCH_BODY names the request body file")
local file = assert(io.open(here .. name, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a"):gsub("%s+$", "")
wrk.headers["Content-Type"] = "application/json"
file:close()

dofile(here .. "report.lua")
