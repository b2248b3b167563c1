#!/usr/bin/env bash
# Desktop app figures, measured on the real binary under Xvfb:
#  1. start-up: process start -> window mapped (xdotool), and -> the app's
#     first frame (THUMBDROP_TRACE_STARTUP), median of RUNS fresh starts;
#  2. memory: resident set while scrolling a gallery of 10,000 history
#     entries (100 real uploads in local mode, repeated under 10,000 keys so
#     every card fetches and caches its own preview), sampled every 100 ms.
# usage: bench/gui.sh [RUNS]    (make bench-gui)
set -euo pipefail
runs=${1:-7}
work=$(mktemp -d)
disp=:$((70 + RANDOM % 20))
cleanup() {
  kill $xpid ${apid:-} 2>/dev/null || true
  [ -n "${THUMBDROP_DATA_DIR:-}" ] && "$work/thumbdrop" serve --stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
go build -tags migrated_fynedo,nodynamic -o "$work/thumbdrop" .
Xvfb $disp -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
sleep 1
export DISPLAY=$disp FYNE_SCALE=1
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
ms() { date +%s%3N; }

echo "start-up, $runs fresh starts (local mode, empty history):"
maps=(); frames=()
for i in $(seq "$runs"); do
  export THUMBDROP_CONFIG_DIR=$work/c$i THUMBDROP_DATA_DIR=$work/d$i
  "$work/thumbdrop" config set local_addr 127.0.0.1:$port
  t0=$(ms)
  THUMBDROP_TRACE_STARTUP=1 "$work/thumbdrop" 2>"$work/log$i" &
  apid=$!
  xdotool search --sync --onlyvisible --name '^thumbdrop' >/dev/null
  maps+=($(( $(ms) - t0 )))
  for _ in $(seq 50); do grep -q first-frame-ms "$work/log$i" && break; sleep 0.1; done
  frames+=($(awk '/first-frame-ms/{print $2}' "$work/log$i"))
  kill $apid; wait $apid 2>/dev/null || true; apid=
  "$work/thumbdrop" serve --stop >/dev/null
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo "  window mapped: median $(med "${maps[@]}") ms (all: ${maps[*]})"
echo "  first frame:   median $(med "${frames[@]}") ms (all: ${frames[*]})"

echo "memory with 10,000 history entries:"
export THUMBDROP_CONFIG_DIR=$work/cg THUMBDROP_DATA_DIR=$work/dg
"$work/thumbdrop" config set local_addr 127.0.0.1:$port
go run ./bench/photoset -src "${THUMBDROP_PHOTOS:-$HOME/.cache/thumbdrop/photos}/Elephants_3840x2160.jpg" -n 100 -o "$work/set" >/dev/null
"$work/thumbdrop" upload --json "$work/set/"*.jpg | grep -c '"status":"ready"' | sed 's/^/  uploaded with thumbnails: /'
# The 100 records, repeated under 10,000 keys in the history database (each
# a distinct record and preview cache entry; the objects are the 100's).
python3 - "$THUMBDROP_DATA_DIR/history.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = [r[1] for r in db.execute("PRAGMA table_info(uploads)") if r[1] != "id"]
rows = [dict(zip(cols, r)) for r in db.execute("SELECT " + ",".join(cols) + " FROM uploads")]
db.execute("DELETE FROM uploads")
for i in range(10000):
    r = dict(rows[i % len(rows)])
    r["key"] = r["key"].replace("original/", "original/%05d-" % i, 1)
    r["time_ms"] = 1700000000000 + i
    db.execute("INSERT INTO uploads (" + ",".join(cols) + ") VALUES (" + ",".join("?" * len(cols)) + ")", [r[c] for c in cols])
db.commit()
PY
"$work/thumbdrop" &
apid=$!
win=$(xdotool search --sync --onlyvisible --name '^thumbdrop' | head -1)
xdotool windowmove $win 0 0 windowsize $win 1280 800
sleep 2
xdotool mousemove 300 550
peak=0
for i in $(seq 400); do
  xdotool click 5
  if (( i % 2 == 0 )); then
    rss=$(awk '/VmRSS/{print $2}' /proc/$apid/status)
    (( rss > peak )) && peak=$rss
  fi
  sleep 0.05
done
sleep 2
rss=$(awk '/VmRSS/{print $2}' /proc/$apid/status); (( rss > peak )) && peak=$rss
import -window root "${THUMBDROP_ARTIFACTS:-.artifacts}/gallery-10000.png" 2>/dev/null || true
cached=$(ls "$THUMBDROP_DATA_DIR/cache/previews" 2>/dev/null | wc -l)
echo "  peak resident memory while scrolling: $((peak / 1024)) MB; after scrolling: $((rss / 1024)) MB; previews fetched: $cached"
