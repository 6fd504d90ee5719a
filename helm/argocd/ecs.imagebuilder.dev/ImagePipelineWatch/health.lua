-- Health of an ImagePipelineWatch: the operator's poller of one ECS image pipeline.
-- Runs in Argo CD's default Lua sandbox: no string or math library, JSON null is nil.
local hs = {}

local function text(value)
  if value ~= nil and value ~= "" then
    return tostring(value)
  end
  return nil
end

local function describe(condition, fallback)
  if condition == nil then
    return fallback
  end
  return text(condition.message) or text(condition.reason) or fallback
end

local metadata = obj.metadata
if metadata == nil then
  metadata = {}
end
local spec = obj.spec
if spec == nil then
  spec = {}
end
local status = obj.status
if status == nil then
  status = {}
end

if metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Pending deletion"
  return hs
end

if spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Polling of image pipeline " .. (text(spec.imagePipelineId) or "?") .. " is suspended"
  return hs
end

if type(metadata.generation) == "number" then
  local observed = status.observedGeneration
  if type(observed) ~= "number" or observed < metadata.generation then
    hs.status = "Progressing"
    hs.message = "Waiting for the operator to observe generation " .. tostring(metadata.generation)
    return hs
  end
end

local ready = nil
local stalled = nil
local reconciling = nil
if type(status.conditions) == "table" then
  for _, condition in ipairs(status.conditions) do
    if type(condition) == "table" then
      if condition.type == "Ready" then
        ready = condition
      elseif condition.type == "Stalled" then
        stalled = condition
      elseif condition.type == "Reconciling" then
        reconciling = condition
      end
    end
  end
end

if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled, "Stalled")
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

hs.status = "Progressing"
if ready ~= nil then
  hs.message = describe(ready, "Waiting for the first poll of ECS")
elseif reconciling ~= nil and reconciling.status == "True" then
  hs.message = describe(reconciling, "Waiting for the first poll of ECS")
else
  hs.message = "Waiting for the first poll of ECS"
end
return hs
