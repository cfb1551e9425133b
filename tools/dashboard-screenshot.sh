#!/usr/bin/env bash
# Makes docs/images/dashboard.png from a real demo: `plumtree demo --nodes 5`, a few broadcasts through
# POST /v1/broadcast, and the first node's dashboard (/ui) in headless Chromium. The browser is Debian's `chromium`
# (apt-get install chromium); Playwright's driver and its node come from the Microsoft.Playwright package that the
# agent tests build. Nothing is downloaded. Usage: bash tools/dashboard-screenshot.sh [OUTPUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-docs/images/dashboard.png}")
command -v chromium >/dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }

dotnet build tests/Plumtree.Agent.Tests/Plumtree.Agent.Tests.csproj -c Release -nologo -v quiet >/dev/null
bin=tests/Plumtree.Agent.Tests/bin/Release/net10.0
work=$(mktemp -d)
trap 'kill -TERM "$demo" 2>/dev/null; wait "$demo" 2>/dev/null; rm -rf "$work"' EXIT

dotnet src/Plumtree.Agent.Launcher/bin/Release/net10.0/plumtree.dll demo --nodes 5 --interval 4 >"$work/demo.log" 2>&1 &
demo=$!
for _ in $(seq 120); do grep -q "Demo cluster running" "$work/demo.log" && break; sleep 0.5; done
url=$(sed -n 's/^Live dashboard: \(http[^ ]*\).*/\1/p' "$work/demo.log")
[ -n "$url" ] || { cat "$work/demo.log" >&2; exit 1; }
admins=$(sed -n 's/^started demo-[0-9]*: .* admin http:\/\/\(.*\)$/\1/p' "$work/demo.log")

cat >"$work/shot.js" <<'JS'
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  await page.goto(process.env.URL);
  await page.locator("#graph-note").filter({ hasText: "5 of 5" }).waitFor({ timeout: 60000 });
  await page.locator("#messages tbody tr").nth(7).waitFor({ timeout: 60000 });
  await page.waitForTimeout(2500); // let the newest rows' highlight fade
  await page.screenshot({ path: process.env.OUT, fullPage: true });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
JS

i=0
for text in "config v42 published" "cache flush: tenant-7" "deploy api 2.4.1 to canary" "feature flag checkout-v2 on" "rotate logs at 02:00"; do
  admin=$(echo "$admins" | sed -n "$(( i % 5 + 1 ))p"); i=$((i + 1))
  curl -s -o /dev/null -X POST --data-binary "$text" "http://$admin/v1/broadcast"
  sleep 1
done
PLAYWRIGHT_CORE="$PWD/$bin/.playwright/package" CHROMIUM=$(command -v chromium) URL="$url" OUT="$out" \
  "$bin/.playwright/node/linux-x64/node" "$work/shot.js"
echo "wrote $out"
