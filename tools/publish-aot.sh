#!/usr/bin/env bash
# Publishes the plumtree agent with Native AOT: one native executable `plumtree` (no .NET runtime needed on the
# target), plus libe_sqlite3.so beside it (SQLite's native library, loaded at run time for the data directory).
#   bash tools/publish-aot.sh [OUT_DIR]      # default: artifacts/aot
# Needs the .NET 10 SDK and clang + lld (Debian: apt-get install -y clang lld). The ILCompiler package comes from the
# NuGet feed; the SDK picks its version. Takes a few minutes (the native compiler runs once over everything).
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
