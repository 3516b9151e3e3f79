#!/usr/bin/env bash
# Installs the Debian 12 packages kaoping needs to build, test and render reports.
# Safe to run repeatedly: it installs only what is missing. Needs root (or sudo).
set -euo pipefail
pkgs=(gcc make pkg-config libsqlite3-dev libjansson-dev libsodium-dev libmicrohttpd-dev
      libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk libcmocka-dev
      libzip-dev zlib1g-dev libexpat1-dev libexif-dev libjpeg62-turbo-dev python3 python3-pandas python3-numpy poppler-utils sqlite3
      curl time jq unzip file
      oathtool  # one-time codes (RFC 6238) for the tests and the demo's second sign-in step
      chromium)  # chromium: the browser tests (tests/cli/browser.sh, playwright-core)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
