#!/usr/bin/env bash
# Installs the tools the deployment checks (deploy/*.test.ts) use, outside the repository under
# $CASA_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/casa), and prints where they are:
#
#   actionlint        built from the Go module proxy (pinned)      → $CASA_CACHE/bin/actionlint
#   check-jsonschema  from PyPI in its own virtualenv (pinned); it  → $CASA_CACHE/deploy-tools-venv
#                     ships the compose-spec schema it validates
#                     deploy/compose.yaml against (vendor.compose-spec)
#
# faas-cli is not installed: the Go module proxy serves no version of github.com/openfaas/faas-cli
# (its tags are not Go semver), so deploy/template-build.test.ts lays out each function's build
# context the way `faas-cli build --shrinkwrap` does and checks every Dockerfile COPY source in it.
#
# Idempotent: each tool is rebuilt only when its pinned version changed (≈ instant otherwise);
# concurrent runs wait on a lock; binaries are moved into place atomically.
set -euo pipefail

ACTIONLINT_MODULE="github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION="v1.7.12"
CHECK_JSONSCHEMA_VERSION="0.39.0"

CACHE="${CASA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/casa}"
BIN_DIR="$CACHE/bin"
VENV="$CACHE/deploy-tools-venv"
mkdir -p "$BIN_DIR"

exec 9>"$CACHE/.deploy-tools.lock"
flock 9

# actionlint
stamp="$BIN_DIR/actionlint.version"
if [ -x "$BIN_DIR/actionlint" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ACTIONLINT_VERSION" ]; then
  :
else
  if ! command -v go >/dev/null 2>&1; then
    [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"
  fi
  command -v go >/dev/null 2>&1 || { echo "setup-deploy-tools: Go is required to build actionlint" >&2; exit 1; }
  echo "setup-deploy-tools: building actionlint $ACTIONLINT_VERSION…" >&2
  tmp="$(mktemp -d "$BIN_DIR/.actionlint.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  GOBIN="$tmp" go install "$ACTIONLINT_MODULE@$ACTIONLINT_VERSION"
  "$tmp/actionlint" -version >/dev/null
  mv -f "$tmp/actionlint" "$BIN_DIR/actionlint"
  echo "$ACTIONLINT_VERSION" > "$stamp"
fi

# check-jsonschema
stamp="$VENV/.casa-version"
if [ -x "$VENV/bin/check-jsonschema" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$CHECK_JSONSCHEMA_VERSION" ]; then
  :
else
  echo "setup-deploy-tools: installing check-jsonschema $CHECK_JSONSCHEMA_VERSION into $VENV…" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
  "$VENV/bin/check-jsonschema" --version >/dev/null
  echo "$CHECK_JSONSCHEMA_VERSION" > "$stamp"
fi

echo "$BIN_DIR/actionlint"
echo "$VENV/bin/check-jsonschema"
