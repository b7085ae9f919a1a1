-- report.lua — wrk's summary as one machine-readable line for bench/run.sh:
--   BENCH requests=N duration_us=N status=N connect=N read=N write=N
--         timeout=N p50_us=N p99_us=N
-- status counts answers that were not 2xx or 3xx.  When BENCH_HIST names
-- a file, the latency quantiles go there too ("percent microseconds" a
-- line: every 0.5 % up to 95 %, then every 0.02 %), so run.sh can merge
-- several runs into one p50 and p99.  (Not the raw histogram: wrk finds
-- its n-th value by a walk from the start, so dumping it all is quadratic.)
-- Used alone for GET runs (wrk -s bench/report.lua) and loaded by
-- ingest.lua.

function done(summary, latency, requests)
	local e = summary.errors
	local path = os.getenv("BENCH_HIST")

	io.write(string.format("BENCH requests=%d duration_us=%d status=%d " ..
	    "connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
	    summary.requests, summary.duration, e.status, e.connect, e.read,
	    e.write, e.timeout, latency:percentile(50),
	    latency:percentile(99)))
	if path ~= nil and path ~= "" then
		local f = assert(io.open(path, "w"))
		for i = 1, 190 do
			f:write(string.format("%.2f %d\n", i / 2,
			    latency:percentile(i / 2)))
		end
		for i = 1, 249 do
			local p = 95 + i / 50
			f:write(string.format("%.2f %d\n", p,
			    latency:percentile(p)))
		end
		f:write(string.format("100.00 %d\n", latency.max))
		f:close()
	end
end
