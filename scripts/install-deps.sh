#!/usr/bin/env bash
# Installs what building and testing thumbdrop needs on Debian/Ubuntu:
# the C toolchain and X11/GL headers for Fyne's cgo build, and the programs
# the tests drive. Packages already present are skipped; apt is retried once.
# usage: scripts/install-deps.sh [run|test|bench|dist]
set -euo pipefail
what=${1:-test}
# fonts-nanum: Hangul glyphs (Korean UI, Korean file names); Fyne falls back
# to system fonts for characters its own font lacks. libheif1: HEIC photos
# decode natively where it is there (thumbnail/libheif.go; optional).
pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev libwayland-dev libxkbcommon-dev fonts-nanum libheif1)
# make dist: the Windows cross-compiler (and windres), the .deb's tools,
# icon sizes.
dist=(gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 dpkg-dev desktop-file-utils imagemagick
      xz-utils zip python3)
if [ "$what" = dist ]; then
  pkgs+=("${dist[@]}")
fi
if [ "$what" = test ]; then
  # wine64: the Windows exe's tests (wine_test.go).
  pkgs+=("${dist[@]}" wine wine64)
  pkgs+=(xvfb x11-utils xdotool imagemagick gnome-keyring dbus-x11 libjpeg-turbo-progs
         rclone awscli python3-gi gir1.2-gtk-3.0 zip chromium
         libheif-examples libavif-bin libimage-exiftool-perl xclip weston wl-clipboard)
fi
if [ "$what" = bench ] && ! command -v npm >/dev/null; then
  pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  install() { $sudo apt-get install -y --no-install-recommends "${missing[@]}"; }
  $sudo apt-get update -qq || true
  install || { sleep 5; $sudo apt-get update -qq || true; install; }
fi
if ! command -v go >/dev/null; then
  echo "Go 1.26 or newer is needed: https://go.dev/doc/install" >&2
  exit 1
fi
# versitygw: a production S3 gateway the integration tests run against. It is
# a tool, not a dependency: installed with 'go install', outside go.mod.
if [ "$what" != run ] && [ "$what" != dist ]; then
  gobin=$(go env GOPATH)/bin
  if ! command -v versitygw >/dev/null && [ ! -x "$gobin/versitygw" ]; then
    echo "installing versitygw v1.8.0 (about 2 minutes)"
    GOFLAGS=-buildvcs=false go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
  fi
  # AWS's Lambda Runtime Interface Emulator: the function binary runs
  # under it in the tests.
  if ! command -v aws-lambda-rie >/dev/null && [ ! -x "$gobin/aws-lambda-rie" ]; then
    echo "installing aws-lambda-rie"
    GOFLAGS=-buildvcs=false go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d
  fi
fi
