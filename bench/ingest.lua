-- ingest.lua — POST /api/responses: a complete ouders response (as
-- response() in tests/integration/kb.py) with a fresh submission_id on
-- every request.
--   wrk -s bench/ingest.lua URL -- PREFIX
-- The id is PREFIX-THREAD-COUNTER: PREFIX is random per run (from
-- run.sh), THREAD numbers wrk's threads, COUNTER counts per thread.  All
-- of it is [A-Za-z0-9-] and 8 to 64 characters long.

dofile("bench/report.lua")

local n = 0

function setup(thread)
	n = n + 1
	thread:set("thread_no", n)
end

local prefix = "bench"
local counter = 0
local headers = { ["Content-Type"] = "application/json" }
-- The survey's current version, read from its file, so the bench follows
-- the shipped survey.
local function survey_version()
	local f = assert(io.open("surveys/ouders.json", "r"))
	local text = f:read("*a")
	f:close()
	return assert(text:match('"version"%s*:%s*(%d+)'))
end
local head = '{"survey":"ouders","version":' .. survey_version() ..
    ',"channel":"qr","location":"overvecht","lang":"nl","submission_id":"'
local tail = '","answers":{"gehoord":4,"serieus":true,"duidelijk":true,' ..
    '"hulpverleners":"2","opnieuw_vertellen":true,"hoe_vaak":"1",' ..
    '"plan":false,"veiliger":true,"beter_aan":false,"bezwaar":true,' ..
    '"cijfer":8,"aanbevelen":9,"beter_doen":"Sneller terugbellen."}}'

function init(args)
	if args[1] ~= nil then
		prefix = args[1]
	end
	prefix = prefix .. "-" .. tostring(thread_no or 0) .. "-"
end

function request()
	counter = counter + 1
	return wrk.format("POST", "/api/responses", headers,
	    head .. prefix .. counter .. tail)
end
