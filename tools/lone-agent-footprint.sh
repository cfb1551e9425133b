#!/usr/bin/env bash
# Footprint of one lone idle agent: start-up (wall and CPU from exec to the admin API answering), RSS/PSS and threads
# after --settle s, idle CPU over --idle s. Prints one line of key=value per run.
#   bash tools/lone-agent-footprint.sh BINARY [SETTLE_S=10] [IDLE_S=30] [PORT_BASE=47000]
# Extra environment for the agent: FP_ENV="NAME=VALUE NAME2=VALUE2". Data directory and config in a fresh /tmp dir.
set -euo pipefail
bin="$1"; settle="${2:-10}"; idle="${3:-30}"; base="${4:-47000}"
dir="$(mktemp -d /tmp/fp-lone.XXXXXX)"
echo '{}' >"$dir/plumtree.json"
tck="$(getconf CLK_TCK)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # utime + stime (the process's threads), in ticks
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

t0="$(now_ms)"
# shellcheck disable=SC2086
env ${FP_ENV:-} "$bin" agent --node-name lone --bind "127.0.0.1:$base" --http "127.0.0.1:$((base + 1))" \
  --data-dir "$dir/data" --config "$dir/plumtree.json" --profile lan >"$dir/out.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$((base + 1))/v1/members"; do
  kill -0 "$pid" 2>/dev/null || { echo "agent died:"; cat "$dir/out.log"; exit 1; }
  sleep 0.005
done
t1="$(now_ms)"
startup_cpu_ms=$(( $(cpu_ticks "$pid") * 1000 / tck ))
sleep "$settle"
rss="$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")"
anon="$(awk '/^RssAnon/ { print $2 }' "/proc/$pid/status")"
file="$(awk '/^RssFile/ { print $2 }' "/proc/$pid/status")"
pss="$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")"
threads="$(ls "/proc/$pid/task" | wc -l)"
c0="$(cpu_ticks "$pid")"; w0="$(now_ms)"
sleep "$idle"
c1="$(cpu_ticks "$pid")"; w1="$(now_ms)"
idle_core="$(awk -v c=$((c1 - c0)) -v t="$tck" -v w=$((w1 - w0)) 'BEGIN { printf "%.4f", c / t / (w / 1000) }')"
rss2="$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")"
load="$(cut -d' ' -f1 /proc/loadavg)"
printf 'startup_ms=%d startup_cpu_ms=%d rss_kb=%d pss_kb=%d anon_kb=%d file_kb=%d threads=%d idle_core=%s rss_end_kb=%d load=%s\n' \
  $((t1 - t0)) "$startup_cpu_ms" "$rss" "$pss" "$anon" "$file" "$threads" "$idle_core" "$rss2" "$load"
