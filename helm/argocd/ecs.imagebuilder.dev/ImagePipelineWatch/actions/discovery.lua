-- Actions on an ImagePipelineWatch: refresh (poll ECS now), reconcile (the same, under the name
-- Argo CD gives it for Flux's kinds), suspend and resume polling.
local actions = {}
local suspended = obj.spec ~= nil and obj.spec.suspend == true
actions["refresh"] = {["disabled"] = suspended}
actions["reconcile"] = {["disabled"] = suspended}
actions["suspend"] = {["disabled"] = suspended}
actions["resume"] = {["disabled"] = not suspended}
return actions
