-- Ask the operator to poll ECS now: any new value of this annotation triggers a poll.
-- Argo CD's sandbox gives os.date and os.time only; %H:%M:%S rather than %T, which
-- its os.date does not know.
local os = require("os")
local key = "ecs.imagebuilder.dev/reconcile-requested-at"
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
local value = now
local n = 1
while obj.metadata.annotations[key] == value do
  -- Same second as the previous request: still make the value new.
  value = now .. " #" .. n
  n = n + 1
end
obj.metadata.annotations[key] = value
return obj
