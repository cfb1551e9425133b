#!/usr/bin/env bash
# Installs the `plumtree` command from this checkout as a .NET global tool, offline: packs src/Plumtree.Agent
# (PackAsTool, command `plumtree`) into a temporary folder and installs from that folder only (no package feed).
#   bash tools/install.sh     # again after a pull: it replaces the installed tool
# The tool lands in ~/.dotnet/tools. When that directory is not on PATH, /usr/local/bin/plumtree is linked to it
# if /usr/local/bin is writable (root); otherwise the line to add to your shell profile is printed.
# Needs the .NET 10 SDK (and the ASP.NET Core 10 runtime it carries). Uninstall: dotnet tool uninstall -g Plumtree.Agent
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "packing src/Plumtree.Agent (Release) ..."
dotnet pack src/Plumtree.Agent -c Release -o "$out" --nologo -v quiet
package="$(ls "$out"/Plumtree.Agent.*.nupkg)"
version="$(basename "$package" .nupkg)"
version="${version#Plumtree.Agent.}"

# A reinstall of the same version must take the new package: uninstall first.
dotnet tool uninstall --global Plumtree.Agent >/dev/null 2>&1 || true
# (its own PATH advice is left out: the end of this script says what applies)
if ! log="$(dotnet tool install --global --source "$out" --version "$version" Plumtree.Agent 2>&1)"; then
  echo "$log" >&2
  exit 1
fi

tools="${DOTNET_CLI_HOME:-$HOME}/.dotnet/tools"
case ":$PATH:" in
  *":$tools:"*)
    echo "plumtree $version installed: $tools/plumtree" ;;
  *)
    if [ -w /usr/local/bin ]; then
      ln -sf "$tools/plumtree" /usr/local/bin/plumtree
      echo "plumtree $version installed: $tools/plumtree, linked from /usr/local/bin/plumtree"
    else
      echo "plumtree $version installed: $tools/plumtree"
      echo "$tools is not on your PATH; add it (e.g. to ~/.profile):"
      echo "  export PATH=\"\$PATH:$tools\""
    fi ;;
esac
