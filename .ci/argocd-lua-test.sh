#!/usr/bin/env bash
# Runs the Argo CD health checks and actions under helm/argocd (Argo CD's
# resource_customizations layout) in a real Lua 5.1, sandboxed like Argo CD's
# default VM (util/lua/lua.go): base functions, table, and an os with only
# time and date; no string, math, io or debug library, and strings have no
# metatable, so ("x"):upper() fails as it does there. JSON null becomes nil.
# os.date/os.time are pinned to 2025-06-02T08:30:00Z so action outputs are exact.
# An action kept under two names (reconcile, refresh) must be the same script in both files.
#
# Usage: bash .ci/argocd-lua-test.sh [dir]     (default: <repo>/helm/argocd)
# Installs Debian's lua5.1, lua-dkjson and python3-yaml when missing.
# Last line: "N passed, N failed"; exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(cd "${1:-$ROOT/helm/argocd}" && pwd)"

PY=''
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import yaml' 2>/dev/null; then
    PY="$candidate"
    break
  fi
done

missing=()
command -v lua5.1 >/dev/null || missing+=(lua5.1)
# dkjson, not lua-cjson: cjson decodes null to a userdata, Argo CD gives nil.
{ command -v lua5.1 >/dev/null && lua5.1 -e 'require "dkjson"' 2>/dev/null; } || missing+=(lua-dkjson)
[[ -n "$PY" ]] || missing+=(python3-yaml)
if ((${#missing[@]})); then
  echo "argocd-lua-test: installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [[ -n "$PY" ]] || PY=/usr/bin/python3
fi

CASES="$(mktemp)"
trap 'rm -f "$CASES"' EXIT

# YAML -> one JSON list of cases. Timestamps stay strings, as in Argo CD.
"$PY" - "$DIR" >"$CASES" <<'PY'
import json, os, sys, yaml

class Loader(yaml.SafeLoader):
    pass

Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

def load(path):
    with open(path) as f:
        return yaml.load(f, Loader=Loader)

def text(path):
    with open(path) as f:
        return f.read()

root = sys.argv[1]
cases = []
for dirpath, dirnames, filenames in sorted(os.walk(root)):
    dirnames.sort()
    rel = os.path.relpath(dirpath, root)
    if "health.lua" in filenames:
        if "health_test.yaml" not in filenames:
            sys.exit("%s: health.lua without health_test.yaml" % rel)
        script = text(os.path.join(dirpath, "health.lua"))
        for t in load(os.path.join(dirpath, "health_test.yaml"))["tests"]:
            cases.append({"kind": "health", "name": rel + "/" + t["inputPath"], "script": script,
                          "chunk": os.path.basename(rel) + "/health.lua",
                          "input": load(os.path.join(dirpath, t["inputPath"])),
                          "expected": t["healthStatus"]})
    if "action_test.yaml" in filenames:
        spec = load(os.path.join(dirpath, "action_test.yaml"))
        discovery = text(os.path.join(dirpath, "discovery.lua"))
        for t in spec.get("discoveryTests") or []:
            cases.append({"kind": "discovery", "name": rel + "/" + t["inputPath"], "script": discovery,
                          "chunk": os.path.basename(os.path.dirname(rel)) + "/actions/discovery.lua",
                          "input": load(os.path.join(dirpath, t["inputPath"])), "expected": t["result"]})
        for t in spec.get("actionTests") or []:
            cases.append({"kind": "action " + t["action"], "name": rel + "/" + t["inputPath"],
                          "script": text(os.path.join(dirpath, t["action"], "action.lua")),
                          "chunk": os.path.basename(os.path.dirname(rel)) + "/actions/" + t["action"] + "/action.lua",
                          "input": load(os.path.join(dirpath, t["inputPath"])),
                          "expected": load(os.path.join(dirpath, t["expectedOutputPath"]))})
        # reconcile is refresh under the name Argo CD gives the action for Flux's kinds: Argo CD
        # reads each action from its own file, so the script is there twice and must stay the same.
        names = [t["action"] for t in spec.get("actionTests") or []]
        if "refresh" in names or "reconcile" in names:
            same = text(os.path.join(dirpath, "refresh", "action.lua")) == text(os.path.join(dirpath, "reconcile", "action.lua"))
            cases.append({"kind": "alias", "name": rel + "/reconcile/action.lua",
                          "problem": None if same else "differs from refresh/action.lua"})
json.dump(cases, sys.stdout)
PY

lua5.1 - "$CASES" <<'LUA'
local json = require("dkjson")

local FIXED_TIME = 1748853000 -- 2025-06-02T08:30:00Z

-- Flags of gopher-lua's os.date whose output matches C's strftime. It prints
-- others wrongly (%a gives "mon", %x the time) or verbatim (%T, %D, %e, %j...).
local DATE_FLAGS = {}
for _, f in ipairs({"A", "b", "B", "d", "F", "H", "I", "m", "M", "p", "P", "S", "w", "X", "y", "Y", "z"}) do
  DATE_FLAGS[f] = true
end

local function safe_date(format, t)
  format = format or "%c"
  local body = format
  if string.sub(body, 1, 1) == "!" then body = string.sub(body, 2) end
  if string.sub(body, 1, 2) ~= "*t" then
    local i = 1
    while i <= string.len(body) do
      if string.sub(body, i, i) == "%" then
        local flag = string.sub(body, i + 1, i + 1)
        if flag ~= "%" and not DATE_FLAGS[flag] then
          error("os.date: %" .. flag .. " is not rendered like C by Argo CD's os.date", 2)
        end
        i = i + 2
      else
        i = i + 1
      end
    end
  end
  return os.date(format, t or FIXED_TIME)
end

local function safe_time(t)
  if t == nil then return FIXED_TIME end
  return os.time(t)
end

-- gopher-lua's base library as Argo CD opens it, minus what reaches files or
-- the real globals (dofile, loadfile, module, getfenv, setfenv, _printregs).
local BASE = {"assert", "collectgarbage", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "print",
              "rawequal", "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack",
              "xpcall", "_VERSION"}
-- gopher-lua's table library.
local TABLE = {"concat", "getn", "insert", "maxn", "remove", "sort"}

local function sandbox(obj)
  local env = {}
  for _, name in ipairs(BASE) do env[name] = _G[name] end
  local function bind(fn, err)
    if fn then setfenv(fn, env) end
    return fn, err
  end
  env.loadstring = function(s, chunkname) return bind(loadstring(s, chunkname)) end
  env.load = function(f, chunkname) return bind(load(f, chunkname)) end
  env.table = {}
  for _, name in ipairs(TABLE) do env.table[name] = table[name] end
  env.os = {time = safe_time, date = safe_date}
  env.package = {loaded = {os = env.os, table = env.table}}
  env.require = function(name)
    local module = env.package.loaded[name]
    if module == nil then error("module " .. tostring(name) .. " not found", 2) end
    return module
  end
  env._G = env
  env.obj = obj
  return env
end

local STRING_MT = debug.getmetatable("")

local function run(script, name, obj)
  local fn, err = loadstring(script, "=" .. name)
  if not fn then return false, err end
  setfenv(fn, sandbox(obj))
  debug.setmetatable("", nil)
  local result = {pcall(fn)}
  debug.setmetatable("", STRING_MT)
  return unpack(result)
end

-- Canonical JSON (sorted keys) to compare objects; an empty table is {} on both sides.
local function canonical(v)
  local t = type(v)
  if t == "nil" then return "null" end
  if t == "boolean" then return tostring(v) end
  if t == "number" then
    if v == math.floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
    return string.format("%.14g", v)
  end
  if t == "string" then return json.encode(v) end
  if t ~= "table" then error("cannot encode a " .. t) end
  local n, keys = 0, {}
  for k in pairs(v) do
    n = n + 1
    keys[#keys + 1] = k
  end
  local array = n > 0
  for i = 1, n do
    if v[i] == nil then array = false end
  end
  local parts = {}
  if array then
    for i = 1, n do parts[i] = canonical(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  for i, k in ipairs(keys) do parts[i] = json.encode(tostring(k)) .. ":" .. canonical(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

local check = {}

function check.health(result, expected)
  if type(result) ~= "table" then return "expected a table, got " .. type(result) end
  if result.status ~= expected.status or result.message ~= expected.message then
    return string.format("got %s %q, want %s %q", tostring(result.status), tostring(result.message),
      tostring(expected.status), tostring(expected.message))
  end
end

function check.discovery(result, expected)
  if type(result) ~= "table" then return "expected a table, got " .. type(result) end
  local got, want = {}, {}
  for name, action in pairs(result) do
    got[name] = type(action) == "table" and action.disabled == true
  end
  for _, action in ipairs(expected) do
    want[action.name] = action.disabled == true
  end
  if canonical(got) ~= canonical(want) then
    return "got " .. canonical(got) .. ", want " .. canonical(want)
  end
end

function check.action(result, expected)
  if type(result) ~= "table" then return "expected a table, got " .. type(result) end
  local got, want = canonical(result), canonical(expected)
  if got ~= want then return "got " .. got .. "\n       want " .. want end
end

local f = assert(io.open(arg[1]))
local cases = json.decode(f:read("*a"), 1, nil, nil, nil)
f:close()

-- The sandbox must really lack these, or the cases above prove nothing.
local probes = {
  {"string.format", "return string.format('%s', 'x')"},
  {"string methods", "return ('x'):upper()"},
  {"math", "return math.floor(1.5)"},
  {"io", "return io.open('/etc/hostname')"},
  {"os.execute", "return os.execute('true')"},
  {"require of string", "return require('string')"},
  {"os.date %T", "return os.date('%T')"},
}
for _, probe in ipairs(probes) do
  cases[#cases + 1] = {kind = "sandbox", name = probe[1], script = probe[2], input = {}}
end

local passed, failed = 0, 0
for _, c in ipairs(cases) do
  local ok, result, problem
  if c.kind ~= "alias" then ok, result = run(c.script, c.chunk or c.name, c.input) end
  if c.kind == "alias" then
    problem = c.problem
  elseif c.kind == "sandbox" then
    if ok then problem = "ran, but Argo CD's sandbox would refuse it" end
  elseif not ok then
    problem = tostring(result)
  else
    local kind = c.kind
    if string.sub(kind, 1, 7) == "action " then kind = "action" end
    problem = check[kind](result, c.expected)
  end
  if problem then
    failed = failed + 1
    print(string.format("FAIL %-18s %s\n       %s", c.kind, c.name, problem))
  else
    passed = passed + 1
    print(string.format("ok   %-18s %s", c.kind, c.name))
  end
end
print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
LUA
