-- Health of an ImagePipelineExecution: one ECS image pipeline execution, mirrored
-- by the operator; status.phase is the ECS status string as ECS reports it.
-- Runs in Argo CD's default Lua sandbox: no string or math library, JSON null is nil.
local hs = {}

local function text(value)
  if value ~= nil and value ~= "" then
    return tostring(value)
  end
  return nil
end

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Pending deletion"
  return hs
end

local status = obj.status
if status == nil then
  status = {}
end
local phase = text(status.phase)

if phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the ECS status"
  return hs
end

local running = {
  PREPARING = true,
  REPAIRING = true,
  BUILDING = true,
  TESTING = true,
  DISTRIBUTING = true,
  RELEASING = true,
  CANCELLING = true,
}
if running[phase] then
  hs.status = "Progressing"
  hs.message = "Image pipeline execution is " .. phase
  return hs
end

if phase == "SUCCESS" then
  hs.status = "Healthy"
  local imageId = text(status.imageId)
  if imageId ~= nil then
    hs.message = "Image " .. imageId .. " built"
  else
    hs.message = text(status.message) or "Image pipeline execution succeeded"
  end
  return hs
end

local degraded = {
  PARTITION_SUCCESS = "Image pipeline execution partially succeeded (PARTITION_SUCCESS)",
  FAILED = "Image pipeline execution failed",
  TEST_FAILED = "Image test failed (TEST_FAILED)",
  CANCELLED = "Image pipeline execution was cancelled",
}
if degraded[phase] ~= nil then
  local message = text(status.message)
  if message == nil and type(status.conditions) == "table" then
    for _, condition in ipairs(status.conditions) do
      if type(condition) == "table" and condition.type == "Succeeded" then
        message = text(condition.message)
      end
    end
  end
  hs.status = "Degraded"
  hs.message = message or degraded[phase]
  return hs
end

-- A status this script does not know yet: ECS may add some; wait for a known one.
hs.status = "Progressing"
hs.message = "Unknown ECS status " .. phase
return hs
