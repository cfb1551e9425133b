#!/usr/bin/env bash
# Publishes the plumtree agent with Native AOT: one native executable `plumtree` (no .NET runtime needed on the
# target), plus libe_sqlite3.so beside it (SQLite's native library, loaded at run time for the data directory).
#   bash tools/publish-aot.sh [OUT_DIR]      # default: artifacts/aot
# Needs the .NET 10 SDK and clang + lld (Debian: apt-get install -y clang lld). The ILCompiler package comes from the
# NuGet feed; the SDK picks its version. Takes a few minutes (the native compiler runs once over everything).
# Then smoke-checks the published agent (below; needs curl and python3) and fails if it does not pass.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/aot}"
rid="${RID:-linux-x64}"

for tool in clang ld.lld; do
  command -v "$tool" >/dev/null 2>&1 || { echo "publish-aot: $tool is missing (apt-get install -y clang lld)" >&2; exit 1; }
done

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
dotnet publish src/Plumtree.Agent/Plumtree.Agent.csproj -c Release -r "$rid" -p:PublishAot=true -o "$staging" --nologo -v quiet

mkdir -p "$out"
# The assembly is Plumtree.Agent (the library is "Plumtree": one name to the loader); the command is plumtree.
install -m 0755 "$staging/Plumtree.Agent" "$out/plumtree"
for lib in "$staging"/*.so; do
  [ -e "$lib" ] && install -m 0644 "$lib" "$out/"
done
echo "published $(du -h "$out/plumtree" | cut -f1) $out/plumtree ($("$out/plumtree" --version))"
ls -l "$out"

# Smoke check of what was published (what only the Native AOT build can get wrong: options bound by reflection,
# aot-generics.rd.xml, trimming): a bad nested value is refused with its key; a started agent answers its admin API,
# broadcasts and counts it on /metrics, and leaves on SIGTERM. Loopback only, bounded waits, stops only its own agent.
smoke="$(mktemp -d)"
agent_pid=""
trap 'rm -rf "$staging"; [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null; rm -rf "$smoke"' EXIT
echo '{ "Plumtree": { "Broadcast": { "EagerFanout": 0 } } }' >"$smoke/bad.json"
if "$out/plumtree" agent --node-name smoke --bind 127.0.0.1:0 --http 127.0.0.1:0 --data-dir "$smoke/data" \
  --config "$smoke/bad.json" 2>"$smoke/bad.err"; then
  echo "publish-aot: smoke: a bad Plumtree:Broadcast:EagerFanout was accepted" >&2; exit 1
fi
grep -q 'Plumtree:Broadcast:EagerFanout' "$smoke/bad.err" || { echo "publish-aot: smoke: the refusal does not name the key:" >&2; cat "$smoke/bad.err" >&2; exit 1; }
read -r bind http < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
echo '{}' >"$smoke/ok.json"
"$out/plumtree" agent --node-name smoke --bind "127.0.0.1:$bind" --http "127.0.0.1:$http" --data-dir "$smoke/data" \
  --config "$smoke/ok.json" >"$smoke/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:$http/v1/members" && break; sleep 0.05; done
curl -fs -o /dev/null "http://127.0.0.1:$http/v1/members" || { echo "publish-aot: smoke: the admin API did not answer in 10 s" >&2; cat "$smoke/agent.log" >&2; exit 1; }
curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"payload":"aGVsbG8="}' "http://127.0.0.1:$http/v1/broadcast" \
  || { echo "publish-aot: smoke: POST /v1/broadcast failed" >&2; exit 1; }
curl -fs "http://127.0.0.1:$http/metrics" | grep -Eq '^plumtree_messages_broadcast_total\{[^}]*\} 1$' \
  || { echo "publish-aot: smoke: /metrics does not count the broadcast" >&2; exit 1; }
kill -TERM "$agent_pid"
for _ in $(seq 200); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$agent_pid" 2>/dev/null; then echo "publish-aot: smoke: the agent did not stop within 10 s of SIGTERM" >&2; exit 1; fi
wait "$agent_pid" 2>/dev/null || true
agent_pid=""
echo "smoke check passed (bad option refused with its key; admin API, broadcast, /metrics, SIGTERM)"
