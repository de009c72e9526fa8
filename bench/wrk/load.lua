-- wrk client of bench/compare.sh and bench/load.sh.
--   WFX_MODE=get  (default): GET the URL's path and query, with
--                 "Authorization: Bearer $WFX_KEY" when WFX_KEY is set.
--   WFX_MODE=sync: POST /api/sync/runs into project $WFX_PROJECT, 100 metric
--                 points, a distinct client_run_id per request
--                 ($WFX_RUN_PREFIX-thread-counter; give each wrk its own prefix).
--   WFX_PATHS="/a,/b,/b": GET these paths in turn instead of the URL's (a
--                 path listed twice is asked twice as often).
-- Counts answers by status class and prints "STATUS 2xx=.. 4xx=.. 5xx=.. 503=.." at the end
-- (503 is also the server's "too many connections from this address").
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  mode = os.getenv("WFX_MODE") or "get"
  prefix = os.getenv("WFX_RUN_PREFIX") or tostring(os.time())
  counter, c2, c4, c5, c503 = 0, 0, 0, 0, 0
  headers = {}
  paths = {}
  for p in string.gmatch(os.getenv("WFX_PATHS") or "", "[^,]+") do paths[#paths + 1] = p end
  local key = os.getenv("WFX_KEY")
  if key and key ~= "" then headers["Authorization"] = "Bearer " .. key end
  if mode == "sync" then
    headers["Content-Type"] = "application/json"
    project = os.getenv("WFX_PROJECT")
    local points = {}
    for i = 0, 99 do
      points[#points + 1] = string.format('{"name":"loss","step":%d,"value":%.6f}', i, 1.0 / (i + 1))
    end
    metrics = "[" .. table.concat(points, ",") .. "]"
  end
end

function request()
  if mode == "sync" then
    counter = counter + 1
    local body = string.format(
      '{"project_id":"%s","client_run_id":"%s-%d-%d","name":"load","status":"completed","manifest":{"seed":%d},"metrics":%s}',
      project, prefix, tid, counter, counter, metrics)
    return wrk.format("POST", "/api/sync/runs", headers, body)
  end
  if #paths > 0 then
    counter = counter + 1
    return wrk.format("GET", paths[counter % #paths + 1], headers, nil)
  end
  return wrk.format("GET", nil, headers, nil)
end

function response(status, hdrs, body)
  if status < 400 then c2 = c2 + 1 elseif status < 500 then c4 = c4 + 1 else c5 = c5 + 1 end
  if status == 503 then c503 = c503 + 1 end
end

function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("c2"); b = b + t:get("c4"); c = c + t:get("c5"); d = d + t:get("c503")
  end
  io.write(string.format("STATUS 2xx=%d 4xx=%d 5xx=%d 503=%d\n", a, b, c, d))
end
