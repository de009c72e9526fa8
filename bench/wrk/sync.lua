-- POST /api/sync/runs with a unique client_run_id per request and 100 metric points.
local counter = 0
local thread_id = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
function init(args)
  project = os.getenv("WFX_PROJECT")
  points = {}
  for i = 0, 99 do
    points[#points + 1] = string.format('{"name":"loss","step":%d,"value":%.6f}', i, 1.0 / (i + 1))
  end
  metrics = "[" .. table.concat(points, ",") .. "]"
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"project_id":"%s","client_run_id":"wrk-%d-%d-%d","name":"load","status":"completed","manifest":{"seed":%d},"metrics":%s}',
    project, tid, os.time(), counter, counter, metrics)
  return wrk.format("POST", "/api/sync/runs", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("WFX_KEY")}, body)
end
