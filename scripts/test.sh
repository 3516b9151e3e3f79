#!/usr/bin/env bash
# Runs every test: installs what is missing, builds the normal and the sanitizer
# (ASan + UBSan) binaries, and runs the unit, CLI and conformance suites against both.
# Ends with the line "N passed, M failed" for each build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
(cd web && npm ci --no-audit --no-fund && npm run build)  # the web UI, for tests/cli/browser.sh
make -j2 check
