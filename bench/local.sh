#!/usr/bin/env bash
# Local mode, before and after, side by side in one script: the earlier
# thumbdrop (an embedded gofakes3 S3 server, built from commit $OLD) and
# this one (the store in the data folder, served by the agent). For each:
#   - one 1 GiB file: peak RSS of every thumbdrop process (uploader +
#     server/agent), and wall time;
#   - 100 photos (~3 MB each), waiting for thumbnails: wall time;
#   - drop -> thumbnail ready for a 12 MP photo (the upload's elapsed_ms,
#     hashing, upload and resize included): p50 of RUNS;
#   - the server's / agent's resident memory when idle.
# usage: bench/local.sh [RUNS]   (from the repository root; make bench-local)
set -euo pipefail
runs=${1:-7}
OLD=${OLD:-47a7806}
root=$(pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  THUMBDROP_CONFIG_DIR=$work/conf THUMBDROP_DATA_DIR=$work/data "$work/new" serve --stop >/dev/null 2>&1 || true
  git -C "$root" worktree remove --force "$work/oldsrc" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
photos=${THUMBDROP_PHOTOS:-$HOME/.cache/thumbdrop/photos}

echo "building this thumbdrop and the one of $OLD (gofakes3) into $work"
go build -tags migrated_fynedo,nodynamic -o "$work/new" .
git worktree add --detach "$work/oldsrc" "$OLD" >/dev/null 2>&1
(cd "$work/oldsrc" && go build -tags migrated_fynedo -o "$work/old" .)
echo "preparing 100 photos, a 1 GiB file and $runs copies of a 12 MP photo"
go run ./bench/photoset -src "$photos/Elephants_5640x3172.jpg" -n 100 -o "$work/set" -big 1024 >/dev/null
mkdir -p "$work/12mp"
for i in $(seq "$runs"); do cp "$photos/Elephants_12MP.jpg" "$work/12mp/e$i.jpg"; echo "$i" >>"$work/12mp/e$i.jpg"; done

port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
kb() { awk -v k="$2" '$1==k":"{print $2}' "/proc/$1/status"; }
median() { python3 -c 'import sys,statistics;print(f"{statistics.median(map(float,sys.argv[1:])):.0f}")' "$@"; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2-$1:.2f}')"; }

# start V: a fresh data folder and V's server (old: serve in the
# foreground, a gofakes3 S3 endpoint; new: the agent). Sets $server.
start() {
  local v=$1
  rm -rf "$work/conf" "$work/data"
  export THUMBDROP_CONFIG_DIR=$work/conf THUMBDROP_DATA_DIR=$work/data
  "$work/$v" config set local_addr "127.0.0.1:$(port)"
  if [ "$v" = new ]; then
    "$work/new" config set picgo_server off
    "$work/new" serve --detach >/dev/null
    server=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["pid"])' "$work/data/agent.json")
  else
    "$work/old" serve >/dev/null 2>&1 &
    server=$!
    pids+=("$server")
    local addr; addr=$("$work/old" config show | awk '$1=="local_addr"{print $2}')
    for i in $(seq 100); do (echo >"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break; sleep 0.05; done
  fi
}
stop() {
  if [ "$1" = new ]; then "$work/new" serve --stop >/dev/null; else kill "$server"; wait "$server" 2>/dev/null || true; fi
}

declare -A r
for v in old new; do
  echo "== $v"
  start $v
  sleep 1
  r[$v.idle]=$(( $(kb "$server" VmRSS) / 1024 ))
  t0=$(now)
  /usr/bin/time -f %M -o "$work/rss" "$work/$v" upload --no-wait "$work/big.jpg" >/dev/null
  r[$v.bigtime]=$(secs "$t0" "$(now)")
  r[$v.bigrss]=$(( ($(cat "$work/rss") + $(kb "$server" VmHWM)) / 1024 ))
  r[$v.bigup]=$(( $(cat "$work/rss") / 1024 ))
  r[$v.bigsrv]=$(( $(kb "$server" VmHWM) / 1024 ))
  stop $v

  ts=()
  for i in $(seq 3); do
    start $v
    t0=$(now)
    "$work/$v" upload --json "$work/set/"*.jpg >"$work/out.json"
    ts+=("$(secs "$t0" "$(now)")")
    ready=$(grep -c '"status":"ready"' "$work/out.json" || true)
    [ "$ready" = 100 ] || { echo "$v: only $ready of 100 ready" >&2; exit 1; }
    stop $v
  done
  r[$v.photos]=$(python3 -c 'import sys,statistics;print(f"{statistics.median(map(float,sys.argv[1:])):.2f}")' "${ts[@]}")

  start $v
  ms=()
  for f in "$work/12mp/"*.jpg; do
    ms+=("$("$work/$v" upload --json "$f" | python3 -c 'import json,sys;d=json.load(sys.stdin);assert d["status"]=="ready",d;print(d["elapsed_ms"])')")
  done
  r[$v.ready]=$(median "${ms[@]}")
  r[$v.idle2]=$(( $(kb "$server" VmRSS) / 1024 ))
  stop $v
done

printf '\n%-46s %14s %14s %8s\n' "local mode" "gofakes3 ($OLD)" "now" "now/before"
row() { printf '%-46s %14s %14s %7sx\n' "$1" "$2" "$3" "$(python3 -c "print(f'{$3/$2:.2f}')")"; }
row "1 GiB file: peak RSS, all processes (MB)" "${r[old.bigrss]}" "${r[new.bigrss]}"
printf '%-46s %14s %14s\n' "  of which uploader / server or agent (MB)" "${r[old.bigup]} / ${r[old.bigsrv]}" "${r[new.bigup]} / ${r[new.bigsrv]}"
row "1 GiB file: wall time (s)" "${r[old.bigtime]}" "${r[new.bigtime]}"
row "100 photos with thumbnails: wall time (s)" "${r[old.photos]}" "${r[new.photos]}"
row "12 MP photo, drop -> thumbnail ready, p50 (ms)" "${r[old.ready]}" "${r[new.ready]}"
row "server / agent RSS, idle after start (MB)" "${r[old.idle]}" "${r[new.idle]}"
row "server / agent RSS, idle after uploads (MB)" "${r[old.idle2]}" "${r[new.idle2]}"
