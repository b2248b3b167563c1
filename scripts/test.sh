#!/usr/bin/env bash
# Runs the whole test suite inside a private D-Bus session with an unlocked
# gnome-keyring (the keyring tests talk to a real Secret Service) and a
# virtual X display (the window test starts the real app).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${THUMBDROP_IN_SESSION:-}" ]; then
  export THUMBDROP_IN_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
# Unlock a throwaway login keyring for this session only.
export XDG_DATA_HOME=${XDG_DATA_HOME:-$(mktemp -d)}
echo -n "thumbdrop-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export THUMBDROP_REQUIRE_SERVERS=1 PATH=$(go env GOPATH)/bin:$PATH
go test -tags migrated_fynedo,nodynamic -race -count 1 -timeout 25m "$@" ./...
# The Cloud Function is a module of its own (its Google Cloud dependencies
# stay out of the app's).
cd cloudfunction && exec go test -tags nodynamic -race -count 1 -timeout 10m "$@" ./...
