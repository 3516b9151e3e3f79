#!/usr/bin/env bash
# The main job: installs what is missing (Debian 12 packages), builds kaoping, loads the
# synthetic Hengyang 2021 demo into an embedded SQLite database, writes the review bulletin
# of 2021-B3 in every format, prints the logins (with the TOTP secret, otpauth:// URI and
# oathtool command of the accounts that need a second factor), and serves the web pages until Ctrl-C.
#   usage: scripts/run.sh [DB] [PORT]     (defaults: demo/kaoping.db, 8080)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j2 build/kaoping
(cd web && npm ci --no-audit --no-fund && npm run build)  # the web UI (web/dist)
DB=${1:-demo/kaoping.db}
mkdir -p "$(dirname "$DB")"
OUT=$(dirname "$DB")
build/kaoping demo --db "$DB" --force
for fmt in html pdf xlsx csv md; do
  build/kaoping report --db "$DB" --period 2021-B3 --format "$fmt" -o "$OUT/bulletin-2021-B3.$fmt"
done
PORT=${2:-8080}
cat <<TXT

kaoping is ready (synthetic demo data: 演示数据, not official figures).
  database:   $DB
  bulletin:   $OUT/bulletin-2021-B3.html  (also .pdf .xlsx .csv .md)
  logins:     $OUT/demo-logins.txt  (one account per role; e.g. kpb = 绩效办, leader = 领导)
  2nd step:   kpb, sysadmin, secadmin and auditor then give a 6-digit one-time code (TOTP):
              scan the account's TOTP URI (otpauth://) with an authenticator app, or run the
              "code now" command printed under it (oathtool, Debian package oathtool)
  web:        http://127.0.0.1:$PORT/   (sign in with a login above; Ctrl-C stops the server)
  try:        build/kaoping review show 2021-B3 --db $DB
              build/kaoping review show 2021-B3 --unit 430421 --db $DB
              build/kaoping review verify 2021-B2 --db $DB
              build/kaoping help
TXT
sed -n '2,$p' "$OUT/demo-logins.txt"
exec build/kaoping serve --db "$DB" --port "$PORT"
