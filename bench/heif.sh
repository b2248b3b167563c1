#!/usr/bin/env bash
# HEIC and AVIF, side by side in one script (medians of RUNS, whole
# processes, each run of each contender in turn):
#   - a 12 MP photo as heif-enc writes it (one HEVC image, a 320 px
#     thumbnail item: heif-enc -t 320) and as an iPhone stores it (a grid
#     of 512 x 512 tiles with a thumbnail item; built here from tiles that
#     heif-enc encodes, as heif-enc 1.15 cannot write grids), and a 12 MP
#     AVIF, to a 200 px thumbnail and a 1280 px copy (thumbnail --max), by
#     heif-convert (libheif, native) + ImageMagick's resize (the peer),
#     thumbdrop before issue 23 ($OLD), thumbdrop now with the WebAssembly
#     decoder only (-tags nolibheif: the Lambda's) and thumbdrop now (the
#     system's libheif where it has one); the data folder's decoder cache
#     filled by one run first;
#   - what two steps give the WebAssembly decoder: its compilation cache
#     (an empty data folder each run, or the one filled) and the grid's
#     tiles on every core (GOMAXPROCS=1, or all);
#   - the Lambda function before and now: zip size (arm64, as deployed)
#     and cold start under the Runtime Interface Emulator (amd64 here) on
#     a JPEG and on a HEIC, with an empty /tmp and with /tmp as a first
#     start left it.
# usage: bench/heif.sh [RUNS]   (from the repository root; make bench-heif)
set -euo pipefail
runs=${1:-7}
OLD=${OLD:-c56aa23}
root=$(pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/oldsrc" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
photos=${THUMBDROP_PHOTOS:-$HOME/.cache/thumbdrop/photos}
src=$photos/Elephants_12MP.jpg
tags=migrated_fynedo,nodynamic
export PATH=$(go env GOPATH)/bin:$PATH

read -r w h < <(identify -format '%w %h\n' "$src")
cols=$(( (w + 511) / 512 )) rows=$(( (h + 511) / 512 ))
echo "making 12 MP test files from $(basename "$src") (${w}x${h}): HEIC (heif-enc -t 320), a ${cols}x${rows} grid HEIC, AVIF"
heif-enc -q 80 -t 320 "$src" -o "$work/photo.heic" >/dev/null
avifenc --speed 8 "$src" "$work/photo.avif" >/dev/null
cp "$src" "$work/photo.jpg"
mkdir "$work/tiles"
convert "$src" -background black -extent $((cols * 512))x$((rows * 512)) -crop 512x512 +repage "$work/tiles/tile-%d.png"
ls "$work/tiles"/*.png | xargs -P "$(nproc)" -I{} sh -c 'heif-enc -q 80 "$1" -o "${1%.png}.heic" >/dev/null' _ {}
THUMBDROP_GRID="$cols $rows $w $h" THUMBDROP_GRID_OUT="$work/grid.heic" THUMBDROP_GRID_TILES="$work/tiles" \
  THUMBDROP_BENCH_FILE="$work/photo.heic" go test -tags nodynamic ./thumbnail -run '^$' -bench '^BenchmarkGridFile$' -benchtime 1x >/dev/null
heif-info "$work/grid.heic" | grep -q "thumbnail: 320x" || { echo "the grid file has no thumbnail item" >&2; exit 1; }

echo "building thumbdrop of $OLD (before issue 23) and of now (WebAssembly only, and with the system's libheif)"
git worktree add --detach "$work/oldsrc" "$OLD" >/dev/null 2>&1
(cd "$work/oldsrc" && go build -tags $tags -o "$work/before" .)
go build -tags $tags,nolibheif -o "$work/wasm" .
go build -tags $tags -o "$work/libheif" .

median() { python3 -c 'import sys,statistics;print(f"{statistics.median(map(float,sys.argv[1:])):.0f}")' "$@"; }
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
ratio() { python3 -c 'import sys;print(f"{float(sys.argv[1])/float(sys.argv[2]):.2f}x")' "$1" "$2"; }
export THUMBDROP_DATA_DIR=$work/data
for b in before wasm libheif; do rm -rf "$work/out"; "$work/$b" thumbnail -o "$work/out" "$work/photo.heic" >/dev/null; done # fills the decoder cache

printf '\n%-22s %10s %18s %18s %18s\n' "12 MP, whole process" "peer" "before ($OLD)" "now, WebAssembly" "now, libheif"
for f in photo.heic grid.heic photo.avif; do
  for size in 200 1280; do
    [ $f = photo.avif ] && [ $size = 1280 ] && continue
    declare -A t=([peer]="" [before]="" [wasm]="" [libheif]="")
    for r in $(seq "$runs"); do
      t[peer]+=" $(ms sh -c "heif-convert '$work/$f' '$work/conv.png' && convert '$work/conv.png' -resize ${size}x$size '$work/peer.jpg'")"
      for b in before wasm libheif; do
        rm -rf "$work/out"
        t[$b]+=" $(ms "$work/$b" thumbnail --max "$size" -o "$work/out" "$work/$f")"
      done
    done
    # shellcheck disable=SC2086 # the lists split into their figures
    p=$(median ${t[peer]}) bm=$(median ${t[before]}) wm=$(median ${t[wasm]}) lm=$(median ${t[libheif]})
    printf '%-22s %7s ms %8s ms %6s %8s ms %6s %8s ms %6s\n' "$f -> $size px" "$p" "$bm" "$(ratio "$bm" "$p")" "$wm" "$(ratio "$wm" "$p")" "$lm" "$(ratio "$lm" "$p")"
  done
done

# What the decoder cache and the tiles on every core each give, with the
# WebAssembly decoder (the Lambda's).
declare -A t=([compile]="" [cached]="" [serial]="" [parallel]="")
for r in $(seq "$runs"); do
  rm -rf "$work/out" "$work/empty"
  t[compile]+=" $(THUMBDROP_DATA_DIR=$work/empty ms "$work/wasm" thumbnail -o "$work/out" "$work/photo.heic")"
  rm -rf "$work/out"
  t[cached]+=" $(ms "$work/wasm" thumbnail -o "$work/out" "$work/photo.heic")"
  rm -rf "$work/out"
  t[serial]+=" $(GOMAXPROCS=1 ms "$work/wasm" thumbnail --max 1280 -o "$work/out" "$work/grid.heic")"
  rm -rf "$work/out"
  t[parallel]+=" $(ms "$work/wasm" thumbnail --max 1280 -o "$work/out" "$work/grid.heic")"
done
# shellcheck disable=SC2086
{
  printf '\n%-44s %10s %10s\n' "steps, WebAssembly decoder" "without" "with"
  printf '%-44s %7s ms %7s ms\n' "decoder cache (HEIC -> 200 px)" "$(median ${t[compile]})" "$(median ${t[cached]})"
  printf '%-44s %7s ms %7s ms\n' "tiles on $(nproc) cores (grid HEIC -> 1280 px)" "$(median ${t[serial]})" "$(median ${t[parallel]})"
}

echo
echo "building the Lambda function of $OLD and of now"
for v in old new; do
  dir=$root; [ $v = old ] && dir=$work/oldsrc
  (cd "$dir" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc,nodynamic -trimpath -ldflags="-s -w" -o "$work/$v-arm64/bootstrap" ./lambda)
  (cd "$work/$v-arm64" && zip -q fn.zip bootstrap)
  (cd "$dir" && CGO_ENABLED=0 go build -tags lambda.norpc,nodynamic -trimpath -ldflags="-s -w" -o "$work/$v/bootstrap" ./lambda)
done
printf '\n%-28s %12s %12s\n' "Lambda (arm64)" "$OLD" "now"
printf '%-28s %9s KB %9s KB\n' "bootstrap" $(( $(stat -c %s "$work/old-arm64/bootstrap") / 1024 )) $(( $(stat -c %s "$work/new-arm64/bootstrap") / 1024 ))
printf '%-28s %9s KB %9s KB\n' "zip" $(( $(stat -c %s "$work/old-arm64/fn.zip") / 1024 )) $(( $(stat -c %s "$work/new-arm64/fn.zip") / 1024 ))
echo
go run ./bench/lambdacold -rie "$(command -v aws-lambda-rie)" -warm-tmp -runs "$runs" -obj "$work/photo.jpg" -obj "$work/photo.heic" "$work/old/bootstrap" "$work/new/bootstrap"
