#!/usr/bin/env bash
# Sync of a bucket of N originals (default 10,000; half with thumbnails),
# put there by rclone as another tool would: thumbdrop's first sync (a
# full pass: list, then each new object's metadata and thumbnail looked
# at) and an incremental one (nothing new), beside rclone listing the
# same prefix with each object's metadata (lsjson -M: list + a HEAD each)
# and without (lsjson: the list alone). Prints medians of RUNS, requests
# made, thumbdrop's peak RSS, and the ratios.
# usage: bench/sync.sh [RUNS] [N]   (from the repository root; make bench-sync)
set -euo pipefail
runs=${1:-3}
n=${2:-10000}
work=$(mktemp -d)
trap 'kill $vpid 2>/dev/null || true; rm -rf "$work"' EXIT
export PATH=$(go env GOPATH)/bin:$PATH

go build -tags migrated_fynedo,nodynamic -o "$work/thumbdrop" .
echo "making $n originals in $work"
python3 - "$work/src" "$n" "$(go env GOROOT)/src/image/testdata/video-001.jpeg" <<'PY'
import os, sys, time
dst, n, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(os.path.join(dst, "original")); os.makedirs(os.path.join(dst, "thumb"))
base = int(time.time() * 1000) - 86400000
for i in range(n):
    name = f"{base + i * 1000}_photo {i:05d}.jpg"
    os.link(src, os.path.join(dst, "original", name))
    if i % 2 == 0:
        os.link(src, os.path.join(dst, "thumb", name))
PY

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$work/vg/bench" "$work/side"
export AWS_ACCESS_KEY_ID=AKIABENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-key-0123456789 AWS_REGION=us-east-1
versitygw --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --port "127.0.0.1:$port" --quiet \
  posix --sidecar "$work/side" "$work/vg" >"$work/vg.log" 2>&1 &
vpid=$!
endpoint=http://127.0.0.1:$port
for i in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
export RCLONE_CONFIG_VG_TYPE=s3 RCLONE_CONFIG_VG_PROVIDER=Other RCLONE_CONFIG_VG_ENDPOINT=$endpoint \
  RCLONE_CONFIG_VG_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_VG_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RCLONE_CONFIG=/dev/null RCLONE_S3_NO_CHECK_BUCKET=true RCLONE_EXPECT_CONTINUE_TIMEOUT=0
echo "putting them into versitygw with rclone"
env -u AWS_CA_BUNDLE rclone copy --transfers 32 --checkers 32 "$work/src" vg:bench/

export THUMBDROP_CONFIG_DIR=$work/tdconf THUMBDROP_DATA_DIR=$work/tddata
td() { "$work/thumbdrop" "$@"; }
td config set target s3; td config set bucket bench; td config set endpoint "$endpoint"
td config set path_style true; td config set credentials aws

# run NAME CMD...: wall seconds of one run; peak RSS (KB) into $work/rss.NAME, stdout into $work/out.NAME
run() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss.$name" "$@" >"$work/out.$name" 2>"$work/err.$name" || { cat "$work/err.$name" >&2; return 1; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1-$t0:.3f}')"
}
median() { python3 -c 'import sys,statistics;print(f"{statistics.median(map(float,sys.argv[1:])):.2f}")' "$@"; }
field() { python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

declare -a first incr rcm rcl
for r in $(seq "$runs"); do
  rm -rf "$work/tddata"                      # a machine that has never synced
  first+=("$(run first "$work/thumbdrop" sync --json)")
  firstrss=$(( $(cat "$work/rss.first") / 1024 )); firstreq=$(field "$work/out.first" requests)
  firstnew=$(field "$work/out.first" new)
  incr+=("$(run incr "$work/thumbdrop" sync --json)")
  incrrss=$(( $(cat "$work/rss.incr") / 1024 )); incrreq=$(field "$work/out.incr" requests)
  rcm+=("$(run rcm env -u AWS_CA_BUNDLE rclone lsjson -R -M --checkers 16 vg:bench/original)")
  rcl+=("$(run rcl env -u AWS_CA_BUNDLE rclone lsjson -R vg:bench/original)")
done
f=$(median "${first[@]}"); i=$(median "${incr[@]}"); m=$(median "${rcm[@]}"); l=$(median "${rcl[@]}")
printf '\nsync of %d originals (medians of %d)\n' "$n" "$runs"
printf '%-34s %8s %9s %9s\n' "" "time" "requests" "peak RSS"
printf '%-34s %7ss %9s %7s MB   (new: %s)\n' "thumbdrop sync, first (full pass)" "$f" "$firstreq" "$firstrss" "$firstnew"
printf '%-34s %7ss %9s %7s MB\n' "thumbdrop sync, incremental" "$i" "$incrreq" "$incrrss"
printf '%-34s %7ss\n' "rclone lsjson -R -M (metadata)" "$m"
printf '%-34s %7ss\n' "rclone lsjson -R (list only)" "$l"
printf '\nfirst sync / rclone with metadata: %.2fx; incremental / rclone list only: %.2fx\n' \
  "$(python3 -c "print($f/$m)")" "$(python3 -c "print($i/$l)")"
