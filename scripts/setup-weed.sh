#!/usr/bin/env bash
# Builds SeaweedFS's `weed` binary (the S3 server the lake's contract tests run against) from
# the Go module proxy into a cache outside the repository, and prints its path.
#
#   scripts/setup-weed.sh            # → ${XDG_CACHE_HOME:-$HOME/.cache}/casa/bin/weed
#   CASA_BIN_DIR=/opt/bin scripts/setup-weed.sh
#
# `go install …@version` is refused because the module's go.mod has replace directives, so the
# module is downloaded with `go mod download -json` and built inside its own directory.
# Idempotent: a binary already built from this exact version is reused (≈ instant); a
# concurrent second run waits on a lock instead of building twice; the binary is moved into
# place atomically, so a killed build never leaves a half-written `weed`.
set -euo pipefail

SEAWEEDFS_MODULE="github.com/seaweedfs/seaweedfs"
SEAWEEDFS_VERSION="v0.0.0-20261109003541-7506e5f91cd6"
BIN_DIR="${CASA_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/casa/bin}"
BIN="$BIN_DIR/weed"
STAMP="$BIN_DIR/weed.version"

is_current() {
  [ -x "$BIN" ] || return 1
  [ "$(cat "$STAMP" 2>/dev/null)" = "$SEAWEEDFS_VERSION" ] && return 0
  # Built without a stamp (e.g. by hand): a non-trimmed Go build embeds its module path@version.
  if grep -aqF "seaweedfs@$SEAWEEDFS_VERSION" "$BIN" 2>/dev/null; then
    echo "$SEAWEEDFS_VERSION" > "$STAMP"
    return 0
  fi
  return 1
}

mkdir -p "$BIN_DIR"
if is_current; then echo "$BIN"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { echo "setup-weed: Go is required (install golang from Debian or /usr/local/go)" >&2; exit 1; }

exec 9>"$BIN_DIR/.weed.lock"
flock 9
if is_current; then echo "$BIN"; exit 0; fi   # another run finished while we waited

echo "setup-weed: building weed $SEAWEEDFS_VERSION (first time only, a few minutes)…" >&2
DIR="$(go mod download -json "$SEAWEEDFS_MODULE@$SEAWEEDFS_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[ -n "$DIR" ] && [ -d "$DIR/weed" ] || { echo "setup-weed: go mod download gave no module directory" >&2; exit 1; }
TMP="$BIN.tmp.$$"
trap 'rm -f "$TMP"' EXIT
( cd "$DIR" && go build -o "$TMP" ./weed )
"$TMP" version >/dev/null
mv -f "$TMP" "$BIN"
echo "$SEAWEEDFS_VERSION" > "$STAMP"
echo "setup-weed: built $BIN" >&2
echo "$BIN"
