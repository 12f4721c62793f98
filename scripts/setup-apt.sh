#!/usr/bin/env bash
# Installs the Debian packages casa needs, only those missing (fast when all are there).
set -euo pipefail
# command → package
declare -A NEED=(
  [pg_ctlcluster]=postgresql
  [chromium]=chromium
  [chromedriver]=chromium-driver
)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-apt: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
