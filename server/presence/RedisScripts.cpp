#include "presence/RedisScripts.h"

namespace presently::RedisScripts {

namespace {
const QByteArray kPrelude = R"LUA(
local function clock()
  local t = redis.call('TIME')
  local s, us = tonumber(t[1]), tonumber(t[2])
  return s * 1000 + math.floor(us / 1000), s * 1000000 + us
end
local function fmt(n) return string.format('%d', n) end
local function recompute(user, now, nowus, offlineSeen)
  local ids = redis.call('SMEMBERS', 'pr:us:' .. user)
  local m = redis.call('HMGET', 'pr:m:' .. user, 'mode', 'text')
  local mode, text = m[1] or 'auto', m[2] or ''
  local live, active, seen, devs = 0, false, {}, {}
  for _, id in ipairs(ids) do
    local s = redis.call('HMGET', 'pr:s:' .. id, 'd', 'a')
    if s[1] then
      live = live + 1
      if not seen[s[1]] then seen[s[1]] = true; devs[#devs + 1] = s[1] end
      if s[2] == 'active' then active = true end
    else
      redis.call('SREM', 'pr:us:' .. user, id)
    end
  end
  local status
  if live == 0 or mode == 'invisible' then status = 'offline'
  elseif mode == 'dnd' then status = 'dnd'
  elseif active then status = 'online'
  else status = 'idle' end
  if status == 'offline' then text = ''; devs = {} end
  table.sort(devs)
  local parts = {}
  for i, d in ipairs(devs) do parts[i] = cjson.encode(d) end
  local dj = '[' .. table.concat(parts, ',') .. ']'
  local old = redis.call('HMGET', 'pr:v:' .. user, 's', 't', 'si', 'ls', 'd', 'v')
  local ostatus, otext, odevs = old[1] or 'offline', old[2] or '', old[5] or '[]'
  if ostatus == status and otext == text and odevs == dj then return 0 end
  local since, ls = tonumber(old[3]) or 0, tonumber(old[4]) or 0
  if ostatus ~= status then
    since = now
    if status == 'offline' then ls = offlineSeen end
  end
  if status ~= 'offline' then ls = now end
  local ver = math.max((tonumber(old[6]) or 0) + 1, nowus)
  redis.call('HSET', 'pr:v:' .. user, 's', status, 't', text, 'si', fmt(since), 'ls', fmt(ls),
             'd', dj, 'v', fmt(ver))
  redis.call('PUBLISH', 'pr:c:' .. user, '{"u":' .. cjson.encode(user) .. ',"s":"' .. status ..
             '","t":' .. cjson.encode(text) .. ',"si":' .. fmt(since) .. ',"ls":' .. fmt(ls) ..
             ',"d":' .. dj .. ',"v":' .. fmt(ver) .. '}')
  return 1
end
)LUA";
} // namespace

// ARGV: sid, user, device, activity, mode, text, last frame ms (0: now), gateway
const QByteArray startSession = kPrelude + R"LUA(
local now, nowus = clock()
local sid, user = ARGV[1], ARGV[2]
redis.call('HSET', 'pr:s:' .. sid, 'u', user, 'd', ARGV[3], 'a', ARGV[4], 'g', ARGV[8])
redis.call('SADD', 'pr:us:' .. user, sid)
local lf = tonumber(ARGV[7])
if lf <= 0 then lf = now end
redis.call('ZADD', 'pr:lf', fmt(lf), sid)
redis.call('HSET', 'pr:m:' .. user, 'mode', ARGV[5], 'text', ARGV[6])
return recompute(user, now, nowus, now)
)LUA";

// ARGV: sid, activity, last frame ms. -1 when Redis no longer has the session.
const QByteArray setActivity = kPrelude + R"LUA(
local now, nowus = clock()
local sid = ARGV[1]
local user = redis.call('HGET', 'pr:s:' .. sid, 'u')
if not user then return -1 end
redis.call('HSET', 'pr:s:' .. sid, 'a', ARGV[2])
redis.call('ZADD', 'pr:lf', 'GT', ARGV[3], sid)
return recompute(user, now, nowus, now)
)LUA";

// ARGV: sid, last seen ms (0: now)
const QByteArray endSession = kPrelude + R"LUA(
local now, nowus = clock()
local sid = ARGV[1]
local user = redis.call('HGET', 'pr:s:' .. sid, 'u')
redis.call('ZREM', 'pr:lf', sid)
if not user then return 0 end
redis.call('DEL', 'pr:s:' .. sid)
redis.call('SREM', 'pr:us:' .. user, sid)
local seen = tonumber(ARGV[2])
if seen <= 0 then seen = now end
return recompute(user, now, nowus, seen)
)LUA";

// ARGV: user, mode, text
const QByteArray setMode = kPrelude + R"LUA(
local now, nowus = clock()
redis.call('HSET', 'pr:m:' .. ARGV[1], 'mode', ARGV[2], 'text', ARGV[3])
return recompute(ARGV[1], now, nowus, now)
)LUA";

// ARGV: users. Returns per user {status, text, since, last_seen, devices json, version}.
const QByteArray fetch = R"LUA(
local out = {}
for i, user in ipairs(ARGV) do
  out[i] = redis.call('HMGET', 'pr:v:' .. user, 's', 't', 'si', 'ls', 'd', 'v')
end
return out
)LUA";

// The gateway's periodic work in one round trip: renew its lease (reporting whether it had
// lapsed, i.e. Redis lost its data), record the last frame times of its sessions that sent
// frames since the last tick, and claim and announce sessions whose last frame is older than
// ARGV[3] ms. Claiming removes the entry inside this script, so exactly one gateway announces
// each expiry, and Redis' own clock decides, whatever keyspace notifications do.
//
// Two things keep a live session from being claimed on stale data:
// - The gateway vouches (pr:gwt:<gateway>) that every frame it received before ARGV[5] is
//   recorded, by this tick or an earlier one. Its frames after that reach Redis with its next
//   tick, so if it dies first they are lost; but a session that was heartbeating on schedule
//   (a frame within ARGV[6] ms before the vouch) may have sent one. Such a session counts as
//   seen at the vouch time: never announced offline before the TTL after a frame the dead
//   gateway acknowledged, and last_seen within a tick of it. A live gateway's vouch is recent,
//   so the sweep leaves its sessions to the gateway's own exact expiry.
// - A Redis that ran no tick for longer than a lease (stopped, blocked, or every gateway cut
//   off) holds stale last frames for everyone: claims wait one more lease, until every live
//   gateway has written its frames again.
// ARGV: gateway, lease ms, expiry age ms, claim limit, vouch time ms, on-schedule window ms,
// vouch record lifetime ms, then score/sid pairs.
// Returns {now ms, lease was present (1/0), sessions examined for claiming}.
const QByteArray tick = kPrelude + R"LUA(
local now, nowus = clock()
local gw, lease = ARGV[1], tonumber(ARGV[2])
local had = redis.call('SET', 'pr:gw:' .. gw, '1', 'PX', lease, 'GET')
redis.call('HSET', 'pr:gwt:' .. gw, 't', ARGV[5], 'w', ARGV[6])
redis.call('PEXPIRE', 'pr:gwt:' .. gw, ARGV[7])
local lastRun = tonumber(redis.call('GET', 'pr:lastrun') or '0')
redis.call('SET', 'pr:lastrun', fmt(now))
if lastRun > 0 and now - lastRun > lease then
  redis.call('SET', 'pr:quiet', fmt(now + lease), 'PX', lease)
end
local n = #ARGV
local i = 8
while i <= n do
  local last = math.min(i + 999, n)
  redis.call('ZADD', 'pr:lf', 'XX', 'GT', unpack(ARGV, i, last))
  i = last + 1
end
if redis.call('EXISTS', 'pr:quiet') == 1 then
  return {fmt(now), had and 1 or 0, 0}
end
local age = tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', 'pr:lf', '-inf', fmt(now - age),
                           'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[4]))
local vouches = {}
for j = 1, #expired, 2 do
  local sid, seen = expired[j], tonumber(expired[j + 1])
  local s = redis.call('HMGET', 'pr:s:' .. sid, 'u', 'g')
  if s[2] then
    local v = vouches[s[2]]
    if not v then
      v = redis.call('HMGET', 'pr:gwt:' .. s[2], 't', 'w')
      vouches[s[2]] = v
    end
    local t, w = tonumber(v[1]), tonumber(v[2])
    if t and w and t > seen and seen >= t - w then seen = t end
  end
  if seen > now - age then
    redis.call('ZADD', 'pr:lf', 'GT', fmt(seen), sid)
  else
    redis.call('ZREM', 'pr:lf', sid)
    redis.call('DEL', 'pr:s:' .. sid)
    if s[1] then
      redis.call('SREM', 'pr:us:' .. s[1], sid)
      recompute(s[1], now, nowus, seen)
      redis.call('PUBLISH', 'pr:gwc:' .. (s[2] or ''), sid)
    end
  end
end
return {fmt(now), had and 1 or 0, #expired / 2}
)LUA";

} // namespace presently::RedisScripts
