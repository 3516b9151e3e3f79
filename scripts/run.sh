#!/usr/bin/env bash
# The main job: installs what is missing (Debian 12 packages), builds kaoping, loads the
# synthetic Hengyang 2021 demo into an embedded SQLite database, writes the review bulletin
# of 2021-B3 in every format, and prints what to open next.
#   usage: scripts/run.sh [DB]        (default: demo/kaoping.db)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j2 build/kaoping
DB=${1:-demo/kaoping.db}
mkdir -p "$(dirname "$DB")"
OUT=$(dirname "$DB")
build/kaoping demo --db "$DB" --force
for fmt in html pdf xlsx csv md; do
  build/kaoping report --db "$DB" --period 2021-B3 --format "$fmt" -o "$OUT/bulletin-2021-B3.$fmt"
done
cat <<TXT

kaoping is ready (synthetic demo data: 演示数据, not official figures).
  database:   $DB
  bulletin:   $OUT/bulletin-2021-B3.html  (also .pdf .xlsx .csv .md)
  try:        build/kaoping review show 2021-B3 --db $DB
              build/kaoping review show 2021-B3 --unit 430421 --db $DB
              build/kaoping review verify 2021-B2 --db $DB
              build/kaoping help
TXT
