-- wrk script: prints one machine-readable summary line after the run, parsed by run.sh.
-- Used alone for GET requests, and loaded by post_chat.lua for POST /api/chat.
-- errors_status counts responses outside 2xx/3xx; duration and latencies are in microseconds.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d errors_connect=%d errors_read=%d errors_write=%d " ..
      "errors_status=%d errors_timeout=%d p50_us=%d p99_us=%d\n",
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99)))
end
