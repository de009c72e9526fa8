-- GET with the API key from WFX_KEY.
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("WFX_KEY")
end
