#!/usr/bin/env bash
# Fetches real camera photos for tests and benchmarks from Debian's wallpaper
# packages into $THUMBDROP_PHOTOS (default ~/.cache/thumbdrop/photos).
# Idempotent: does nothing when the photos are already there.
set -euo pipefail
dir=${THUMBDROP_PHOTOS:-$HOME/.cache/thumbdrop/photos}
if [ -f "$dir/.complete" ]; then exit 0; fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
chown _apt "$tmp" 2>/dev/null || true
apt-get download mate-backgrounds lomiri-wallpapers-20.04 >/dev/null 2>&1 ||
  { apt-get update >/dev/null && apt-get download mate-backgrounds lomiri-wallpapers-20.04 >/dev/null; }
for d in *.deb; do dpkg-deb -x "$d" x; done
bg=x/usr/share/backgrounds
cp "$bg/mate/abstract/Elephants_5640x3172.jpg" \
   "$bg/mate/abstract/Elephants_3840x2160.jpg" \
   "$bg/Kleiber_by_Lukas_Baubkus.jpg" \
   "$bg/Painting-Colors_by__herobrine7gamer.jpg" \
   "$bg/mate/nature/Storm.jpg" \
   "$bg/mate/nature/Garden.jpg" \
   "$bg/mate/nature/Dune.jpg" \
   "$bg/mate/abstract/Arc-Colors-Transparent-Wallpaper.png" \
   "$bg/mate/desktop/Float-into-MATE.png" "$dir/"
# A 12 MP camera photo: a lossless crop of the Sony RX100 frame (same DCT data).
if command -v jpegtran >/dev/null; then
  jpegtran -copy all -crop 4000x3000+816+86 -outfile "$dir/Elephants_12MP.jpg" "$dir/Elephants_5640x3172.jpg"
fi
# A 48 MP photo (8000x6000, like a phone's full-resolution mode), made from
# the RX100 frame, for the 128 MB Lambda memory check.
if command -v convert >/dev/null; then
  convert "$dir/Elephants_5640x3172.jpg" -resize 8000x6000! -sampling-factor 2x2 -quality 90 "$dir/Phone_48MP.jpg"
fi
touch "$dir/.complete"
ls -l "$dir"
