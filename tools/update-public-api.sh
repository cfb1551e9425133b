#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt of the
# shipped libraries (iterates until clean). Review the diff: it is the public API change you are about to ship.
cd "$(dirname "$0")/.."
for p in Plumtree Plumtree.Hosting Plumtree.Storage.Sqlite; do
  for i in 1 2 3; do
    out=$(dotnet build src/$p -c Release --no-restore 2>&1)
    syms=$(echo "$out" | grep -oP "error RS0016: Symbol '\K.*(?=' is not part of the declared public API)" | sort -u)
    [ -z "$syms" ] && break
    { cat src/$p/PublicAPI.Unshipped.txt; echo "$syms"; } | grep -v '^#nullable' | sort -u > /tmp/api.$$
    { echo '#nullable enable'; cat /tmp/api.$$; } > src/$p/PublicAPI.Unshipped.txt
  done
  echo "$p: $(grep -c . src/$p/PublicAPI.Unshipped.txt) lines; errors left: $(echo "$out" | grep -c ' error ')"
done
