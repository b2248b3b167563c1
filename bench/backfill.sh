#!/usr/bin/env bash
# Backfill on this machine, for real: N originals (default 1,000 camera
# photos, 0.3-12.6 MB, names with Hangul and spaces among them) put into
# versitygw by rclone, as another tool would have left them, then
# 'thumbdrop backfill --here': a dry run; a run killed (SIGKILL) at half;
# the dry run again (what is left); the run resumed to the end (its time,
# peak RSS and progress output); a run with nothing left to do. Then the
# thumbnails are removed and the whole set is made twice more, side by
# side: one worker, and one per core (the default), with their ratio.
# usage: bench/backfill.sh [N]   (from the repository root; make bench-backfill)
set -euo pipefail
n=${1:-1000}
work=$(mktemp -d)
trap 'kill $vpid 2>/dev/null || true; rm -rf "$work"' EXIT
photos=${THUMBDROP_PHOTOS:-$HOME/.cache/thumbdrop/photos}
export PATH=$(go env GOPATH)/bin:$PATH
go build -tags migrated_fynedo,nodynamic -o "$work/thumbdrop" .

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
echo "== $n originals into versitygw with rclone"
src=(Dune.jpg Garden.jpg Storm.jpg Painting-Colors_by__herobrine7gamer.jpg Kleiber_by_Lukas_Baubkus.jpg Elephants_12MP.jpg)
mkdir -p "$work/set"
for i in $(seq 0 $((n - 1))); do
  f=${src[$((i % ${#src[@]}))]}
  name=$(printf '%d_%s' $((1700000000000 + i)) "$f")
  [ $((i % 4)) = 0 ] && name=$(printf '%d_제주 사진 %d (%s)' $((1700000000000 + i)) "$i" "$f")
  ln "$photos/$f" "$work/set/$name"
done
du -shl --apparent-size "$work/set" | sed 's/\t.*/ of photos/'

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$work/vg/photos" "$work/side"
export AWS_ACCESS_KEY_ID=AKIABENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-key-0123456789 AWS_REGION=us-east-1
versitygw --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --port "127.0.0.1:$port" --quiet \
  posix --sidecar "$work/side" "$work/vg" >"$work/vg.log" 2>&1 &
vpid=$!
endpoint=http://127.0.0.1:$port
for i in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
# rclone needs AWS_CA_BUNDLE unset (this machine points it at a bundle
# rclone cannot use for plain http), and no wait for "100 Continue".
AWS_CA_BUNDLE= RCLONE_CONFIG=/dev/null RCLONE_CONFIG_VG_TYPE=s3 RCLONE_CONFIG_VG_PROVIDER=Other RCLONE_CONFIG_VG_ENDPOINT=$endpoint \
  RCLONE_CONFIG_VG_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_VG_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
  RCLONE_S3_NO_CHECK_BUCKET=true RCLONE_EXPECT_CONTINUE_TIMEOUT=0 \
  rclone copy --transfers 8 "$work/set" vg:photos/original/
echo "in the bucket: $(ls "$work/vg/photos/original" | wc -l) originals"

export THUMBDROP_CONFIG_DIR=$work/tdconf THUMBDROP_DATA_DIR=$work/tddata
td() { "$work/thumbdrop" "$@"; }
td config set target s3 >/dev/null; td config set bucket photos >/dev/null; td config set endpoint "$endpoint" >/dev/null
td config set path_style true >/dev/null; td config set credentials aws >/dev/null

secs() { python3 -c "print(f'{$2-$1:.2f}')"; }
echo; echo "== dry run"
t0=$(date +%s.%N); td backfill --here --dry-run 2>/dev/null; t1=$(date +%s.%N)
echo "(dry run: $(secs $t0 $t1) s)"

echo; echo "== backfill --here, killed at half"
t0=$(date +%s.%N)
"$work/thumbdrop" backfill --here >"$work/out1" 2>"$work/err1" &
bp=$!   # the binary itself, not a shell around it
until grep -qE '^resizing .* [5-9][0-9]%' "$work/err1" 2>/dev/null; do
  kill -0 $bp 2>/dev/null || { echo "it finished before half" >&2; cat "$work/err1" >&2; exit 1; }
  sleep 0.05
done
kill -9 $bp; wait $bp 2>/dev/null || true
t1=$(date +%s.%N)
tail -n 3 "$work/err1"
echo "killed after $(secs $t0 $t1) s; thumbnails in the bucket: $(ls "$work/vg/photos/thumb" | wc -l)"

echo; echo "== dry run after the kill"
td backfill --here --dry-run 2>/dev/null

echo; echo "== resumed (progress on stderr as a log sees it)"
t0=$(date +%s.%N)
/usr/bin/time -f %M -o "$work/rss" "$work/thumbdrop" backfill --here 2>"$work/err2" || true
t1=$(date +%s.%N)
cat "$work/err2" | grep -v '^[0-9]*$'
echo "resumed run: $(secs $t0 $t1) s, peak RSS $(( $(cat "$work/rss") / 1024 )) MB"

echo; echo "== again: nothing to do"
t0=$(date +%s.%N); td backfill --here 2>/dev/null; t1=$(date +%s.%N)
echo "($(secs $t0 $t1) s)"

echo; echo "== the whole set, one worker vs one per core ($(nproc) cores), side by side"
declare -A tm rss
for w in 1 0; do
  rm -rf "$work/vg/photos/thumb"
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss.$w" "$work/thumbdrop" backfill --here --workers $w >/dev/null 2>&1 || true
  t1=$(date +%s.%N)
  tm[$w]=$(secs $t0 $t1); rss[$w]=$(( $(cat "$work/rss.$w") / 1024 ))
done
echo "one worker:   ${tm[1]} s, peak RSS ${rss[1]} MB"
echo "every core:   ${tm[0]} s, peak RSS ${rss[0]} MB ($(python3 -c "print(f'{$n/${tm[0]}:.1f}')") originals/s)"
python3 -c "print(f'every core / one worker: {${tm[0]}/${tm[1]}:.2f}x the time')"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
