#!/bin/sh
# Installs thumbdrop from this folder for you alone (~/.local), or for
# everyone with PREFIX=/usr/local (as root). ./install.sh --uninstall
# removes what it installed. Debian and Ubuntu: the .deb does all of this.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then prefix=${PREFIX:-/usr/local}; else prefix=${PREFIX:-$HOME/.local}; fi
id=io.github.thumbdrop.thumbdrop
apps=$prefix/share/applications
if [ "${1:-}" = --uninstall ]; then
  rm -f "$prefix/bin/thumbdrop" "$apps/$id.desktop"
  for d in "$here"/share/icons/hicolor/*/; do
    rm -f "$prefix/share/icons/hicolor/$(basename "$d")/apps/$id.png"
  done
  echo "thumbdrop removed from $prefix (your uploads, history and settings are kept)"
  exit 0
fi
install -Dm755 "$here/thumbdrop" "$prefix/bin/thumbdrop"
# The entry names the binary by its full path: ~/.local/bin is not on
# every desktop's PATH.
sed "s|^Exec=thumbdrop |Exec=$prefix/bin/thumbdrop |" "$here/share/applications/$id.desktop" > "$here/.entry"
install -Dm644 "$here/.entry" "$apps/$id.desktop" && rm -f "$here/.entry"
for d in "$here"/share/icons/hicolor/*/; do
  s=$(basename "$d")
  install -Dm644 "$d/apps/$id.png" "$prefix/share/icons/hicolor/$s/apps/$id.png"
done
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" || true
echo "thumbdrop installed in $prefix: open it from your applications, or run $prefix/bin/thumbdrop"
