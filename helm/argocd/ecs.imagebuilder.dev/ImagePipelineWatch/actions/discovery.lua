-- Actions on an ImagePipelineWatch: refresh (poll ECS now), suspend and resume polling.
local actions = {}
local suspended = obj.spec ~= nil and obj.spec.suspend == true
actions["refresh"] = {["disabled"] = suspended}
actions["suspend"] = {["disabled"] = suspended}
actions["resume"] = {["disabled"] = not suspended}
return actions
