#!/usr/bin/env bash
# Upload speed, side by side in one script: thumbdrop vs rclone vs the AWS
# CLI v2 (aws s3 cp), each sending the same 100 photos (~3 MB) and one 1 GB
# file to versitygw on loopback. Prints each one's wall time (median of
# RUNS), thumbdrop's ratio to the fastest, and thumbdrop's peak RSS on the
# 1 GB file.
# usage: bench/upload.sh [RUNS]   (from the repository root; make bench-upload)
set -euo pipefail
runs=${1:-3}
root=$(pwd)
work=$(mktemp -d)
trap 'kill $vpid 2>/dev/null || true; rm -rf "$work"' EXIT
photos=${THUMBDROP_PHOTOS:-$HOME/.cache/thumbdrop/photos}
export PATH=$(go env GOPATH)/bin:$PATH

echo "preparing 100 photos and a 1 GiB file in $work"
go run ./bench/photoset -src "$photos/Elephants_5640x3172.jpg" -n 100 -o "$work/set" -big 1024
go build -tags migrated_fynedo,nodynamic -o "$work/thumbdrop" .

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
mkdir -p "$work/vg/bench" "$work/side"
export AWS_ACCESS_KEY_ID=AKIABENCHMARK AWS_SECRET_ACCESS_KEY=bench-secret-key-0123456789 AWS_REGION=us-east-1
versitygw --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --port "127.0.0.1:$port" --quiet \
  posix --sidecar "$work/side" "$work/vg" >"$work/vg.log" 2>&1 &
vpid=$!
endpoint=http://127.0.0.1:$port
for i in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# thumbdrop, configured for this endpoint with the AWS CLI's credential chain.
export THUMBDROP_CONFIG_DIR=$work/tdconf THUMBDROP_DATA_DIR=$work/tddata
td() { "$work/thumbdrop" "$@"; }
td config set target s3; td config set bucket bench; td config set endpoint "$endpoint"
td config set path_style true; td config set credentials aws

export RCLONE_CONFIG_VG_TYPE=s3 RCLONE_CONFIG_VG_PROVIDER=Other RCLONE_CONFIG_VG_ENDPOINT=$endpoint \
  RCLONE_CONFIG_VG_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_VG_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY RCLONE_CONFIG=/dev/null RCLONE_S3_NO_CHECK_BUCKET=true RCLONE_EXPECT_CONTINUE_TIMEOUT=0
aws_bin=$(command -v /usr/bin/aws || command -v aws)

# rclone waits 1 s for "100 Continue" on every request by default, which
# versitygw never sends: RCLONE_EXPECT_CONTINUE_TIMEOUT=0 keeps it a fair peer.
# time_cmd NAME -- CMD...: wall seconds of one run; peak RSS (KB) into $work/rss.NAME
time_cmd() {
  local name=$1; shift; shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss.$name" "$@" >/dev/null 2>"$work/err.$name" || { cat "$work/err.$name" >&2; return 1; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1-$t0:.3f}')"
}
median() { python3 -c 'import sys,statistics;print(f"{statistics.median(map(float,sys.argv[1:])):.2f}")' "$@"; }

declare -A res rss
for set in photos big; do
  for tool in thumbdrop rclone awscli; do
    ts=()
    for r in $(seq "$runs"); do
      rm -rf "$work/tddata"; rm -rf "$work/vg/bench"; mkdir -p "$work/vg/bench"   # no duplicates, empty bucket
      if [ $set = photos ]; then src=("$work/set/"*.jpg); else src=("$work/big.jpg"); fi
      case $tool in
        thumbdrop) t=$(time_cmd $tool -- "$work/thumbdrop" upload --no-wait --json "${src[@]}") ;;
        rclone)    if [ $set = photos ]; then t=$(time_cmd $tool -- env -u AWS_CA_BUNDLE rclone copy "$work/set" vg:bench/rclone/)
                   else t=$(time_cmd $tool -- env -u AWS_CA_BUNDLE rclone copyto "$work/big.jpg" vg:bench/rclone/big.jpg); fi ;;
        awscli)    if [ $set = photos ]; then t=$(time_cmd $tool -- "$aws_bin" --endpoint-url "$endpoint" s3 cp --recursive --quiet "$work/set" s3://bench/aws/)
                   else t=$(time_cmd $tool -- "$aws_bin" --endpoint-url "$endpoint" s3 cp --quiet "$work/big.jpg" s3://bench/aws/big.jpg); fi ;;
      esac
      ts+=("$t")
    done
    res[$set.$tool]=$(median "${ts[@]}")
    rss[$set.$tool]=$(( $(cat "$work/rss.$tool") / 1024 ))
  done
done

printf '\n%-22s %10s %10s %10s   %s\n' "set" "thumbdrop" "rclone" "aws s3 cp" "thumbdrop / fastest peer"
for set in photos big; do
  label="100 photos, 300 MB"; [ $set = big ] && label="one 1 GiB file"
  best=$(python3 -c "print(min(${res[$set.rclone]}, ${res[$set.awscli]}))")
  printf '%-22s %9ss %9ss %9ss   %.2fx\n' "$label" "${res[$set.thumbdrop]}" "${res[$set.rclone]}" "${res[$set.awscli]}" \
    "$(python3 -c "print(${res[$set.thumbdrop]}/$best)")"
done
printf '\npeak RSS (MB)          %10s %10s %10s\n' thumbdrop rclone "aws s3 cp"
for set in photos big; do
  printf '%-22s %10s %10s %10s\n' "$set" "${rss[$set.thumbdrop]}" "${rss[$set.rclone]}" "${rss[$set.awscli]}"
done
echo "(median of $runs runs each; loopback versitygw, posix backend; $(nproc) cores)"
