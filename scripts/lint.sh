#!/usr/bin/env bash
# House-style checks that the compiler cannot make (STYLE.md R1, R5):
#  - every .c and .h under src/ opens with a comment in its first 30 lines;
#  - SQLite is called only from the storage layer (src/store/db.c);
#  - no sprintf/strcpy/strcat/gets into fixed buffers.
# Prints each problem as FILE: reason and exits 1 when there is any.
cd "$(dirname "$0")/.." || exit 1
bad=0
for f in $(find src -name '*.[ch]' | sort); do
  head -30 "$f" | grep -qE '^\s*(/\*|\*\*|//)' || { echo "$f: no header comment in the first 30 lines"; bad=1; }
done
hits=$(grep -rnE 'sqlite3_(prepare|exec|step)' src --include='*.c' | grep -v '^src/store/')
[ -n "$hits" ] && { echo "SQLite called outside src/store/:"; echo "$hits"; bad=1; }
hits=$(grep -rnE '\b(sprintf|strcat|gets|vsprintf)\s*\(' src --include='*.c')
[ -n "$hits" ] && { echo "unbounded string functions:"; echo "$hits"; bad=1; }
[ $bad -eq 0 ] && echo "lint: ok"
exit $bad
