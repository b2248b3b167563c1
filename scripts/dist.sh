#!/usr/bin/env bash
# make dist: every release artefact, in dist/ (or $DIST):
#   thumbdrop_<version>_amd64.deb             Debian 12 / Ubuntu package
#   thumbdrop-<version>-linux-amd64.tar.xz    the same files for any Linux, with install.sh
#   thumbdrop-<version>-windows-amd64.zip     thumbdrop.exe (app and command line), cross-built with mingw-w64
#   thumbdrop-resize-arm64.zip                the AWS Lambda (make lambda)
#   thumbdrop-resize-gcf-source.zip           the Google Cloud Function's source, dependencies vendored
#   SHA256SUMS
# The version is FyneApp.toml's, the one place it is written.
# Binaries are built with -trimpath (no build machine paths in them) and
# -ldflags "-s -w" (no symbol table, no DWARF); README.md gives the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${DIST:-$root/dist}
GO=${GO:-go}
tags=migrated_fynedo,nodynamic
meta() { python3 -c "import tomllib,sys; print(tomllib.load(open('FyneApp.toml','rb'))$1)"; }
version=$(meta "['Details']['Version']")
id=$(meta "['Details']['ID']")
work=$(mktemp -d)
syso=$root/thumbdrop_windows_amd64.syso
trap 'rm -rf "$work" "$syso"' EXIT
mkdir -p "$out"
rm -f "$out"/thumbdrop[_-]* "$out/SHA256SUMS"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
flags=(-tags "$tags" -trimpath -buildvcs=auto)
say() { echo "dist: $*"; }

# Icons: hicolor sizes for Linux, one .ico for Windows.
sizes=(16 24 32 48 64 128 256 512)
for s in "${sizes[@]}"; do
  mkdir -p "$work/share/icons/hicolor/${s}x${s}/apps"
  convert assets/icon.png -resize "${s}x${s}" -strip -define png:exclude-chunks=date,time \
    "$work/share/icons/hicolor/${s}x${s}/apps/$id.png"
done
convert assets/icon.png -define icon:auto-resize=256,64,48,32,24,16 "$work/thumbdrop.ico"

# The desktop entry, from FyneApp.toml: "Open with thumbdrop" for images
# hands the files to the app (the one already open, if any).
python3 - "$work/share/applications/$id.desktop" <<'PY'
import os, sys, tomllib
m = tomllib.load(open("FyneApp.toml", "rb"))
d, l = m["Details"], m["LinuxAndBSD"]
mime = [t for t in m["CanOpen"]["MimeTypes"].split(";") if t]
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
with open(sys.argv[1], "w") as f:
    f.write("[Desktop Entry]\nType=Application\n")
    f.write(f"Name={d['Name']}\nGenericName={l['GenericName']}\nComment={l['Comment']}\n")
    f.write(f"Exec=thumbdrop %F\nIcon={d['ID']}\nTerminal=false\n")
    f.write("Categories=" + "".join(c + ";" for c in l["Categories"]) + "\n")
    f.write("Keywords=" + "".join(k + ";" for k in l["Keywords"]) + "\n")
    f.write("MimeType=" + "".join(t + ";" for t in mime) + "\n")
    f.write(f"StartupWMClass={d['Name']}\n")
PY
desktop-file-validate "$work/share/applications/$id.desktop"

# Linux binary.
say "linux/amd64 binary"
CGO_ENABLED=1 $GO build "${flags[@]}" -ldflags "-s -w" -o "$work/thumbdrop" .

# Windows exe: GUI subsystem (no console on a double click; commands
# attach to the console they are started from), with the icon, version
# and manifest as resources.
say "windows/amd64 exe (mingw-w64)"
IFS=. read -r maj min pat <<<"$version"
cp packaging/thumbdrop.exe.manifest "$work/"
cat >"$work/thumbdrop.rc" <<RC
1 ICON "thumbdrop.ico"
1 24 "thumbdrop.exe.manifest"
1 VERSIONINFO
FILEVERSION $maj,$min,$pat,0
PRODUCTVERSION $maj,$min,$pat,0
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904B0"
    BEGIN
      VALUE "CompanyName", "thumbdrop"
      VALUE "FileDescription", "thumbdrop: drop photos, get links for your post"
      VALUE "FileVersion", "$version"
      VALUE "InternalName", "thumbdrop"
      VALUE "OriginalFilename", "thumbdrop.exe"
      VALUE "ProductName", "thumbdrop"
      VALUE "ProductVersion", "$version"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
RC
(cd "$work" && x86_64-w64-mingw32-windres -O coff -o "$syso" thumbdrop.rc)
CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
  $GO build "${flags[@]}" -ldflags "-s -w -H windowsgui" -o "$work/win/thumbdrop.exe" .
rm -f "$syso"

stamp() { find "$@" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }

# The licences every artefact carries (BSD asks that binaries keep the
# notices; the WebAssembly decoders inside are LGPL's libheif and libde265
# and BSD's libavif and aom, whose texts gen2brain's modules ship):
# LICENSE, NOTICE, and licenses/ with each derived or embedded part's.
licenses() {
  local dir=$1
  mkdir -p "$dir/licenses"
  cp LICENSE NOTICE "$dir/"
  cp thumbnail/jpegdec/LICENSE-go thumbnail/vp8enc/LICENSE-x-image thumbnail/vp8enc/LICENSE-libwebp \
    thumbnail/LICENSE.gen2brain "$dir/licenses/"
  local m
  for m in github.com/gen2brain/heic github.com/gen2brain/avif; do
    cp "$($GO list -m -f '{{.Dir}}' "$m")"/lib/LICENSE.* "$dir/licenses/"
  done
  chmod 644 "$dir/LICENSE" "$dir/NOTICE" "$dir/licenses/"*
}

# .deb: Depends computed from the libraries the binary links
# (dpkg-shlibdeps), so they resolve on the release it is built on.
say "deb"
pkg=$work/deb
install -Dm755 "$work/thumbdrop" "$pkg/usr/bin/thumbdrop"
install -Dm644 "$work/share/applications/$id.desktop" "$pkg/usr/share/applications/$id.desktop"
for s in "${sizes[@]}"; do
  install -Dm644 "$work/share/icons/hicolor/${s}x${s}/apps/$id.png" "$pkg/usr/share/icons/hicolor/${s}x${s}/apps/$id.png"
done
install -d "$pkg/usr/share/doc/thumbdrop"
licenses "$pkg/usr/share/doc/thumbdrop"
{
  cat <<'TXT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: thumbdrop
Source: https://github.com/thumbdrop/thumbdrop
Comment: NOTICE (beside this file) lists the code derived from Go,
 golang.org/x/image, libwebp and gen2brain's decoders, and the WebAssembly
 builds of libheif and libde265 (LGPL-3.0) and libavif and aom (BSD)
 embedded in the binary; their texts are in licenses/. thumbdrop is
 statically linked with the Go modules listed in its go.mod (run
 'go version -m /usr/bin/thumbdrop'); each keeps its own licence.

Files: *
Copyright: the thumbdrop authors
License: BSD-3-Clause
TXT
  sed -n '/^Redistribution/,$p' LICENSE | sed 's/^$/./; s/^/ /'
} >"$pkg/usr/share/doc/thumbdrop/copyright"
mkdir -p "$work/shlibs/debian" "$pkg/DEBIAN"
printf 'Source: thumbdrop\n\nPackage: thumbdrop\nArchitecture: amd64\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e "$pkg/usr/bin/thumbdrop" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "dist: dpkg-shlibdeps found no libraries for the binary" >&2; exit 1; }
# GLFW (Fyne's window) opens these at run time, where dpkg-shlibdeps
# cannot see them: X11's extensions, and Wayland's cursor, EGL and keymap.
depends+=", libx11-xcb1, libxcursor1, libxext6, libxi6, libxinerama1, libxrandr2, libxrender1, libxxf86vm1"
depends+=", libegl1, libwayland-cursor0, libwayland-egl1, libxkbcommon0"
cat >"$pkg/DEBIAN/control" <<CTL
Package: thumbdrop
Version: $version
Architecture: amd64
Maintainer: thumbdrop <thumbdrop@users.noreply.github.com>
Installed-Size: $(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
Depends: $depends
Recommends: gnome-keyring | keepassxc, wl-clipboard, libheif1
Suggests: fonts-nanum
Section: graphics
Priority: optional
Homepage: https://github.com/thumbdrop/thumbdrop
Description: drop photos, get links for your post
 thumbdrop uploads pictures to an S3 bucket (or keeps them on this machine
 in local mode), makes thumbnails with the same Go code as its AWS Lambda,
 and copies ready-to-paste links: URL, Markdown, HTML, BBCode. The same
 binary is a command-line tool (thumbdrop upload FILE...) and serves the
 PicGo upload API that Typora, Obsidian and VS Code speak.
CTL
stamp "$pkg"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$out/thumbdrop_${version}_amd64.deb" >/dev/null

# tar.xz: the same files under one folder, with install.sh.
say "tar.xz"
tdir=$work/tar/thumbdrop-$version-linux-amd64
mkdir -p "$tdir"
cp -a "$work/thumbdrop" "$work/share" "$tdir/"
cp packaging/install.sh "$tdir/"
licenses "$tdir"
cat >"$tdir/README.txt" <<TXT
thumbdrop $version for Linux (amd64)

  ./install.sh               installs it for you (~/.local/bin, your applications menu)
  sudo ./install.sh          installs it for everyone (/usr/local)
  ./install.sh --uninstall   removes it again (uploads, history and settings stay)

Or run ./thumbdrop where it is. It needs OpenGL and X11 or Wayland
(libgl1, libx11-6 and friends; every desktop has them), and a Secret
Service keyring (gnome-keyring or KeePassXC) to keep cloud keys.
Debian and Ubuntu: thumbdrop_${version}_amd64.deb installs all of this.
https://github.com/thumbdrop/thumbdrop
TXT
stamp "$work/tar"
tar -C "$work/tar" --sort=name --owner=0 --group=0 --numeric-owner -cf - "thumbdrop-$version-linux-amd64" |
  xz -T0 -6 >"$out/thumbdrop-$version-linux-amd64.tar.xz"

# Windows zip.
say "windows zip"
wdir=$work/zip/thumbdrop-$version-windows-amd64
mkdir -p "$wdir"
cp "$work/win/thumbdrop.exe" "$wdir/"
licenses "$wdir"
sed 's/$/\r/' >"$wdir/README.txt" <<TXT
thumbdrop $version for Windows 10 and 11 (64-bit)

Unzip this folder anywhere (for example into your Documents or
C:\\Users\\you\\Apps) and double-click thumbdrop.exe. Windows SmartScreen
may say it does not know the publisher (the exe is not signed): choose
"More info", then "Run anyway".

From a terminal, the same exe is the command line:
  thumbdrop.exe upload photo.jpg
  thumbdrop.exe help
Put the folder on your PATH to type just "thumbdrop". cmd's prompt comes
back before a command's output (thumbdrop.exe is a windowed program);
batch files, pipes and "start /wait thumbdrop ..." wait for it.

"Open with": right-click a picture, Open with, Choose another app, More
apps, Look for another app on this PC, and pick thumbdrop.exe.
Keys are kept in Windows Credential Manager; uploads and history in
%LocalAppData%\\thumbdrop, settings in %AppData%\\thumbdrop.
https://github.com/thumbdrop/thumbdrop
TXT
stamp "$work/zip"
(cd "$work/zip" && zip -qrX9 "$out/thumbdrop-$version-windows-amd64.zip" "thumbdrop-$version-windows-amd64")

# The Lambda: make lambda's build, in this run's folder.
say "lambda"
mkdir -p "$work/lambda"
GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $GO build -tags lambda.norpc,nodynamic -trimpath -buildvcs=false -ldflags="-s -w" \
  -o "$work/lambda/bootstrap" ./lambda
licenses "$work/lambda"
stamp "$work/lambda"
(cd "$work/lambda" && zip -qrX9 "$out/thumbdrop-resize-arm64.zip" bootstrap LICENSE NOTICE licenses)

# The Cloud Function's source as `gcloud functions deploy --source` takes
# it: its module with the repository's resize code vendored (its go.mod
# points one folder up, which is not uploaded); build with
# GOFLAGS="-mod=vendor -tags=nodynamic" (deploy/gcp/deploy.sh does).
say "cloud function source"
gdir=$work/gcf
mkdir -p "$gdir"
(cd cloudfunction && git ls-files --cached --others --exclude-standard -- . ':!:*_test.go' | while read -r f; do
  install -Dm644 "$f" "$gdir/$f"
done && $GO mod vendor -o "$gdir/vendor")
stamp "$gdir"
(cd "$gdir" && find . -type f | LC_ALL=C sort | zip -qX9 "$out/thumbdrop-resize-gcf-source.zip" -@)

(cd "$out" && sha256sum thumbdrop_"$version"_amd64.deb thumbdrop-"$version"-linux-amd64.tar.xz \
  thumbdrop-"$version"-windows-amd64.zip thumbdrop-resize-arm64.zip thumbdrop-resize-gcf-source.zip >SHA256SUMS)
say "wrote $out:"
(cd "$out" && ls -l thumbdrop[_-]* SHA256SUMS | awk '{printf "  %10d  %s\n", $5, $9}')
