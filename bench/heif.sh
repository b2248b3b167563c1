#!/usr/bin/env bash
# HEIC and AVIF, side by side in one script (medians of RUNS):
#   - a 12 MP photo to its thumbnail, cold (a new 'thumbdrop thumbnail'
#     process, which compiles the WebAssembly decoder) and warm (go test
#     -bench, the decoder compiled once), beside heif-convert (libheif,
#     native) + ImageMagick's resize;
#   - the Lambda function before HEIC/AVIF support ($OLD) and now: zip
#     size (arm64, as deployed) and cold start (amd64 here) on a JPEG and
#     on a HEIC.
# usage: bench/heif.sh [RUNS]   (from the repository root; make bench-heif)
set -euo pipefail
runs=${1:-7}
OLD=${OLD:-a7c999e}
root=$(pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/oldsrc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
photos=${THUMBDROP_PHOTOS:-$HOME/.cache/thumbdrop/photos}
src=$photos/Elephants_12MP.jpg

echo "making a 12 MP HEIC (heif-enc) and AVIF (avifenc) from $(basename "$src")"
heif-enc -q 80 "$src" -o "$work/photo.heic" >/dev/null
avifenc --speed 8 "$src" "$work/photo.avif" >/dev/null
cp "$src" "$work/photo.jpg"
go build -tags migrated_fynedo,nodynamic -o "$work/thumbdrop" .

median() { python3 -c 'import sys,statistics;print(f"{statistics.median(map(float,sys.argv[1:])):.0f}")' "$@"; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }

printf '\n%-10s %14s %14s %26s\n' "12 MP" "thumbdrop cold" "thumbdrop warm" "heif-convert + resize"
for f in heic avif; do
  cold=() peer=()
  for r in $(seq "$runs"); do
    rm -rf "$work/out"
    cold+=("$(ms "$work/thumbdrop" thumbnail -o "$work/out" "$work/photo.$f")")
    peer+=("$(ms sh -c "heif-convert '$work/photo.$f' '$work/conv.png' && convert '$work/conv.png' -resize 200x200 '$work/peer.jpg'")")
  done
  warm=$(THUMBDROP_BENCH_FILE="$work/photo.$f" go test -tags nodynamic ./thumbnail -run '^$' -bench '^BenchmarkFile$' -benchtime 5x -count "$runs" |
    awk '/BenchmarkFile/ {print $3/1e6}' | python3 -c 'import sys,statistics;print(f"{statistics.median(float(l) for l in sys.stdin):.0f}")')
  printf '%-10s %11s ms %11s ms %23s ms\n' "$f" "$(median "${cold[@]}")" "$warm" "$(median "${peer[@]}")"
done

echo
echo "building the Lambda function of $OLD (before HEIC/AVIF) and of now"
git worktree add --detach "$work/oldsrc" "$OLD" >/dev/null 2>&1
for v in old new; do
  dir=$root; [ $v = old ] && dir=$work/oldsrc
  tags=lambda.norpc,nodynamic; [ $v = old ] && tags=lambda.norpc
  (cd "$dir" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags $tags -trimpath -ldflags="-s -w" -o "$work/$v-arm64/bootstrap" ./lambda)
  (cd "$work/$v-arm64" && zip -q fn.zip bootstrap)
  (cd "$dir" && CGO_ENABLED=0 go build -tags $tags -trimpath -ldflags="-s -w" -o "$work/$v/bootstrap" ./lambda)
done
printf '\n%-28s %12s %12s\n' "Lambda (arm64)" "$OLD" "now"
printf '%-28s %9s KB %9s KB\n' "bootstrap" $(( $(stat -c %s "$work/old-arm64/bootstrap") / 1024 )) $(( $(stat -c %s "$work/new-arm64/bootstrap") / 1024 ))
printf '%-28s %9s KB %9s KB\n' "zip" $(( $(stat -c %s "$work/old-arm64/fn.zip") / 1024 )) $(( $(stat -c %s "$work/new-arm64/fn.zip") / 1024 ))
echo
go run ./bench/lambdacold -runs "$runs" -obj "$work/photo.jpg" -obj "$work/photo.heic" "$work/old/bootstrap" "$work/new/bootstrap"
