#!/usr/bin/env bash
# report-1.x: `kaoping report` end to end, on the real binary: a database made by `kaoping
# init`, the hand-made review fixtures of tests/data/report/ stored as the review of
# 2021-B3 (computed, then published) and 2021-B1 (first period, no previous review), and
# every format checked against the fixture's own numbers:
#   HTML  ranks, 2-decimal totals, names; every piece of user text escaped (a unit name with
#         <script>, & and quotes); draft watermark only while unpublished; synthetic notice;
#         no external resource; --lang en labels
#   PDF   pdftotext has the Chinese title, period and every total; fonts embedded; page 1
#         renders to PNG (kept in $REPORT_SHOTS for a person to look at)
#   XLSX  sheets per group + 明细; totals are numeric cells equal to the JSON; frozen header
#   CSV   UTF-8 BOM, RFC 4180, parses with python's csv, totals/ranks/changes equal the JSON
#   MD    headings, escaped names
# plus the errors: no review for the period (exit 1, old file untouched), bad options (2),
# unwritable output (4) with no temporary file left behind; and the html_printf checker
# (STYLE.md R8) over the HTML code.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh

FIX=tests/data/report/review.json
FIX1=tests/data/report/review-first.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SHOTS=${REPORT_SHOTS:-/tmp/kaoping-report-shots}
mkdir -p "$SHOTS"
DB=$tmp/k.db

# --- a database with the fixture reviews --------------------------------------------------
run_kp init --db "$DB"
assert_eq "report-1.1 init" 0 "$rc"
sqlite3 "$DB" "
  INSERT INTO scheme(id, code, version, name, year, body, sha256, imported_at, imported_by)
    VALUES (1, 'HY2021', 1, '衡阳市高质量发展考核方案', 2021, '{}', 'x', '2021-01-01T00:00:00Z', 'test');
  INSERT INTO period(code, scheme_id, state, opened_at) VALUES
    ('2021-B1', 1, 'closed', '2021-01-01T00:00:00Z'), ('2021-B3', 1, 'closed', '2021-05-01T00:00:00Z');
  INSERT INTO review(period, scheme_id, revision, state, inputs_sha256, result, computed_at, computed_by)
    VALUES ('2021-B3', 1, 1, 'computed', 'x', readfile('$FIX'), '2021-07-01T00:00:00Z', 'test'),
           ('2021-B1', 1, 1, 'computed', 'x', readfile('$FIX1'), '2021-03-01T00:00:00Z', 'test');"
assert_eq "report-1.2 fixture stored" 0 "$?"

# Expected figures straight from the fixture JSON: "code|name|total(2 dp)|rank" per unit.
expect=$(python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
for u in d["units"]: print("%s|%s|%.2f|%d" % (u["code"], u["name"], u["total"], u["rank"]))' "$FIX")

gen() { # gen FORMAT OUT [more args]
  local f=$1 o=$2; shift 2
  run_kp report --db "$DB" --period 2021-B3 --format "$f" -o "$o" "$@"
}

# --- errors --------------------------------------------------------------------------------
echo "OLD" >"$tmp/keep.html"
run_kp report --db "$DB" --period 2021-B4 --format html -o "$tmp/keep.html"
assert_eq "report-1.3 no review: exit 1" 1 "$rc"
assert_contains "report-1.4 no review: says so" "$err" "no computed or published review for period 2021-B4"
assert_eq "report-1.5 no review: old file untouched" "OLD" "$(cat "$tmp/keep.html")"
run_kp report --db "$DB" --period 2021-B3 --format docx -o "$tmp/x.docx"
assert_eq "report-1.6 unknown format: exit 2" 2 "$rc"
run_kp report --db "$DB" --period 2021-B3 --format html
assert_eq "report-1.7 no -o: exit 2" 2 "$rc"
run_kp report --db "$DB" --period 2021-B3 --format html -o "$tmp/x.html" --lang fr
assert_eq "report-1.8 bad --lang: exit 2" 2 "$rc"
run_kp report --db "$DB" --period 2021-X9 --format html -o "$tmp/x.html"
assert_eq "report-1.9 bad period code: exit 2" 2 "$rc"
run_kp report --db "$tmp/none.db" --period 2021-B3 --format html -o "$tmp/x.html"
assert_eq "report-1.10 missing database: exit 4" 4 "$rc"
for f in html pdf xlsx csv md; do
  gen "$f" "$DB/sub/out.$f" # a path under a regular file: cannot be created
  assert_eq "report-1.11 unwritable $f: exit 4" 4 "$rc"
  assert_contains "report-1.12 unwritable $f: says so" "$err" "cannot write"
done
mkdir "$tmp/adir"
gen pdf "$tmp/adir"    # rename onto a directory fails after rendering
assert_eq "report-1.13 output is a directory: exit 4" 4 "$rc"
assert_eq "report-1.14 no temporary file left" "" "$(ls "$tmp" | grep -- '.tmp-' || true)"

# --- HTML ----------------------------------------------------------------------------------
gen html "$tmp/b.html"
assert_eq "report-2.1 html: exit 0" 0 "$rc"
html=$(cat "$tmp/b.html")
assert_contains "report-2.2 html: title" "$html" "<h1>衡阳市高质量发展点评通报</h1>"
assert_contains "report-2.3 html: period" "$html" "2021年第3期(5—6月)"
assert_contains "report-2.4 html: synthetic notice" "$html" "演示数据(合成,非官方)"
assert_contains "report-2.5 html: draft watermark" "$html" '<div class="watermark" aria-hidden="true">未发布 · 草稿</div>'
while IFS='|' read -r code name total rank; do
  row=$(grep -o "<tr data-unit=\"$code\">.*</tr>" "$tmp/b.html" | head -1)
  assert_contains "report-2.6 html: $code total" "$row" "<td class=\"n\">$total</td>"
  assert_contains "report-2.7 html: $code rank" "$row" "<td class=\"c\">$rank</td>"
  case "$name" in *'<'*) ;; *) assert_contains "report-2.8 html: $code name" "$row" "<td class=\"u\">$name</td>" ;; esac
done <<<"$expect"
assert_contains "report-2.9 html: unit name escaped" "$html" '石鼓区&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;&#39;s'
assert_contains "report-2.10 html: indicator name escaped" "$html" '营商环境&lt;b&gt;满意度&lt;/b&gt; &amp; &quot;评价&quot;'
assert_not_contains "report-2.11 html: no raw <script" "$html" "<script"
assert_not_contains "report-2.12 html: no raw <b>" "$html" "<b>满意度"
assert_not_contains "report-2.13 html: no double-decoded entity" "$html" "&amp;'s"
assert_eq "report-2.14 html: 7 unit cards" 7 "$(grep -o '<article class="card"' "$tmp/b.html" | wc -l)"
assert_eq "report-2.15 html: charts (3 bar charts + 7 radars)" 10 "$(grep -o '<svg ' "$tmp/b.html" | wc -l)"
assert_eq "report-2.16 html: nothing fetched from outside" "" \
  "$(grep -oiE '<(link|img|script|iframe)\b|url\(|src=|@import' "$tmp/b.html" | head -3)"
assert_contains "report-2.17 html: print CSS" "$html" "@media print"
assert_contains "report-2.18 html: A4" "$html" "size:A4"
tags=$(python3 - "$tmp/b.html" <<'PY'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "hr", "rect", "line", "polygon"}
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.bad = []
    def handle_starttag(s, t, a):
        if t not in VOID: s.stack.append(t)
    def handle_startendtag(s, t, a): pass
    def handle_endtag(s, t):
        if t in VOID: return
        if not s.stack or s.stack[-1] != t: s.bad.append(t)
        else: s.stack.pop()
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
print("balanced" if not p.bad and not p.stack else "unbalanced %s %s" % (p.bad[:3], p.stack[-3:]))
PY
)
assert_eq "report-2.19 html: tags balanced" "balanced" "$tags"
# In a real browser (when one is installed): it prints to A4 pages with the Chinese text.
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$browser" ]; then
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
    --print-to-pdf="$tmp/b-html.pdf" "file://$tmp/b.html" >/dev/null 2>&1
  htxt=$(pdftotext "$tmp/b-html.pdf" - 2>/dev/null)
  assert_contains "report-2.24 html printed by $(basename "$browser"): title" "$htxt" "衡阳市高质量发展点评通报"
  assert_contains "report-2.25 html printed: A4" "$(pdfinfo "$tmp/b-html.pdf" 2>/dev/null)" "(A4)"
  pdftoppm -png -r 50 -f 1 -l 1 "$tmp/b-html.pdf" "$SHOTS/report-html-print" 2>/dev/null
else
  echo "skip report-2.24/2.25: no chromium to print the HTML with"
fi
gen html "$tmp/en.html" --lang en
assert_eq "report-2.20 html en: exit 0" 0 "$rc"
en=$(cat "$tmp/en.html")
assert_contains "report-2.21 html en: English labels" "$en" "Rankings by peer group"
assert_contains "report-2.22 html en: lang attribute" "$en" '<html lang="en">'
assert_contains "report-2.23 html en: period" "$en" "2021 period 3 (May–Jun)"

# --- PDF -----------------------------------------------------------------------------------
gen pdf "$tmp/b.pdf"
assert_eq "report-3.1 pdf: exit 0" 0 "$rc"
txt=$(pdftotext -layout "$tmp/b.pdf" - 2>/dev/null)
assert_contains "report-3.2 pdf: Chinese title" "$txt" "衡阳市高质量发展点评通报"
assert_contains "report-3.3 pdf: period" "$txt" "2021年第3期(5—6月)"
assert_contains "report-3.4 pdf: draft mark" "$txt" "未发布 · 草稿"
assert_contains "report-3.5 pdf: synthetic notice" "$txt" "演示数据(合成,非官方)"
while IFS='|' read -r code name total rank; do
  assert_contains "report-3.6 pdf: $code total $total" "$txt" "$total"
done <<<"$expect"
pages=$(pdfinfo "$tmp/b.pdf" 2>/dev/null | awk '/^Pages:/{print $2}')
assert_eq "report-3.7 pdf: several A4 pages" 1 "$([ "${pages:-0}" -ge 4 ] && echo 1)"
# pdftotext drops the spaces around CJK glyphs: compare without spaces
assert_contains "report-3.8 pdf: page numbers" "$(tr -d ' ' <<<"$txt")" "第1页/共${pages}页"
assert_contains "report-3.9 pdf: A4" "$(pdfinfo "$tmp/b.pdf")" "595.28 x 841.89 pts (A4)"
assert_contains "report-3.10 pdf: CJK font embedded" "$(pdffonts "$tmp/b.pdf" 2>/dev/null)" "NotoSansCJK"
pdftoppm -png -r 50 -f 1 -l 1 "$tmp/b.pdf" "$SHOTS/report-draft" 2>/dev/null
pdftoppm -png -r 50 -f 4 -l 4 "$tmp/b.pdf" "$SHOTS/report-draft" 2>/dev/null
assert_eq "report-3.11 pdf: page 1 renders" 1 "$(ls "$SHOTS"/report-draft-*1.png >/dev/null 2>&1 && echo 1)"

# --- XLSX ----------------------------------------------------------------------------------
gen xlsx "$tmp/b.xlsx"
assert_eq "report-4.1 xlsx: exit 0" 0 "$rc"
wb=$(unzip -p "$tmp/b.xlsx" xl/workbook.xml 2>/dev/null)
for s in 县市 城区 园区 明细 说明; do
  assert_contains "report-4.2 xlsx: sheet $s" "$wb" "<sheet name=\"$s\""
done
xl=$(python3 - "$tmp/b.xlsx" "$FIX" <<'PY'
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1]); d = json.load(open(sys.argv[2], encoding="utf-8"))
units = {u["code"]: u for u in d["units"]}
out = []
for i, g in enumerate(d["groups"], 1):
    x = z.read("xl/worksheets/sheet%d.xml" % i).decode()
    if 'state="frozen"' not in x: out.append("sheet %d not frozen" % i)
    for r, code in enumerate(g["units"], 2):
        # columns: A rank, B/C its interval (blank: this fixture has none), D code, E name, F total
        m = re.search(r'<c r="F%d"([^>]*)><v>([^<]*)</v>' % r, x)
        if not m: out.append("%s: no total cell F%d" % (code, r)); continue
        if 't="' in m.group(1): out.append("%s: total is not a number cell" % code)
        elif abs(float(m.group(2)) - units[code]["total"]) > 1e-9: out.append("%s: total %s" % (code, m.group(2)))
        m = re.search(r'<c r="A%d"([^>]*)><v>([^<]*)</v>' % r, x)
        if not m or 't="' in m.group(1) or int(float(m.group(2))) != units[code]["rank"]:
            out.append("%s: rank cell" % code)
        if re.search(r'<c r="[BC]%d"[^>]*><v>' % r, x): out.append("%s: an interval without one" % code)
        m = re.search(r'<c r="D%d"[^>]*t="s"[^>]*><v>' % r, x)
        if not m: out.append("%s: code is not a text cell in D" % code)
det = z.read("xl/worksheets/sheet4.xml").decode()
n = sum(len(u["indicators"]) for u in d["units"])
if '<c r="A%d"' % (n + 1) not in det or '<c r="A%d"' % (n + 2) in det: out.append("detail rows != %d" % n)
nums = re.findall(r'<c r="G\d+"(?: s="\d+")?><v>', det)
if len(nums) < n - 2: out.append("detail values are not numeric cells (%d)" % len(nums))
print("ok" if not out else "; ".join(out))
PY
)
assert_eq "report-4.3 xlsx: numeric totals and ranks equal the JSON, frozen headers" "ok" "$xl"

# --- CSV -----------------------------------------------------------------------------------
gen csv "$tmp/b.csv"
assert_eq "report-5.1 csv: exit 0" 0 "$rc"
assert_eq "report-5.2 csv: UTF-8 BOM" "efbbbf" "$(head -c 3 "$tmp/b.csv" | od -An -tx1 | tr -d ' \n')"
cv=$(python3 - "$tmp/b.csv" "$FIX" <<'PY'
import csv, json, sys
d = json.load(open(sys.argv[2], encoding="utf-8")); units = {u["code"]: u for u in d["units"]}
raw = open(sys.argv[1], "rb").read()
out = []
if b"\r\n" not in raw or raw.replace(b"\r\n", b"").count(b"\n") != 0: out.append("line ends are not CRLF")
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
head = "period,group,rank,rank_lo,rank_hi,unit,name,total,grade,rank_change,total_change,flags,notice".split(",")
if rows[0] != head: out.append("header %s" % rows[0])
if len(rows) != 1 + len(units): out.append("%d rows" % (len(rows) - 1))
for r in rows[1:]:
    if r[3:5] != ["", ""]: out.append(r[5] + " an interval without one")  # none in this fixture
    r = r[:3] + r[5:]  # the columns as they were before the interval
    u = units[r[3]]
    if r[0] != "2021-B3" or r[1] != u["group"]: out.append(r[3] + " period/group")
    if float(r[5]) != u["total"]: out.append(r[3] + " total " + r[5])
    if int(r[2]) != u["rank"]: out.append(r[3] + " rank")
    if r[4] != u["name"]: out.append(r[3] + " name " + r[4])
    if int(r[7]) != u["rank_change"] or float(r[8]) != u["total_change"]: out.append(r[3] + " changes")
    if r[9] != ";".join(u["flags"]): out.append(r[3] + " flags")
    if "未发布 · 草稿" not in r[10] or "演示数据" not in r[10]: out.append(r[3] + " notice")
print("ok" if not out else "; ".join(out))
PY
)
assert_eq "report-5.3 csv: parses; totals, ranks, changes, names equal the JSON" "ok" "$cv"

# --- Markdown ------------------------------------------------------------------------------
gen md "$tmp/b.md"
assert_eq "report-6.1 md: exit 0" 0 "$rc"
md=$(cat "$tmp/b.md")
assert_contains "report-6.2 md: title" "$md" "# 衡阳市高质量发展点评通报"
assert_contains "report-6.3 md: draft notice" "$md" "> **未发布 · 草稿**"
assert_contains "report-6.4 md: group table" "$md" "| 名次 | 单位 | 总分(分) |"
assert_contains "report-6.5 md: escaped name" "$md" '石鼓区\<script\>alert("x")\</script\>\&amp;'
assert_not_contains "report-6.6 md: no raw <script>" "$md" "<script>"
while IFS='|' read -r code name total rank; do
  assert_contains "report-6.7 md: $code total" "$md" "| $total |"
done <<<"$expect"

# --- published: no draft mark anywhere ------------------------------------------------------
sqlite3 "$DB" "UPDATE review SET state = 'published', published_at = '2021-07-02T00:00:00Z',
  published_by = 'test' WHERE period = '2021-B3'"
gen html "$tmp/p.html"
assert_not_contains "report-7.1 published html: no watermark" "$(cat "$tmp/p.html")" "未发布 · 草稿"
gen pdf "$tmp/p.pdf"
ptxt=$(pdftotext "$tmp/p.pdf" - 2>/dev/null)
assert_not_contains "report-7.2 published pdf: no draft mark" "$ptxt" "未发布"
assert_contains "report-7.3 published pdf: still synthetic" "$ptxt" "演示数据(合成,非官方)"
pdftoppm -png -r 50 -f 1 -l 1 "$tmp/p.pdf" "$SHOTS/report-published" 2>/dev/null
gen csv "$tmp/p.csv"
assert_not_contains "report-7.4 published csv: no draft mark" "$(cat "$tmp/p.csv")" "草稿"

# --- the first period: no previous review --------------------------------------------------
for f in html pdf xlsx csv md; do
  run_kp report --db "$DB" --period 2021-B1 --format "$f" -o "$tmp/first.$f"
  assert_eq "report-8.1 first period $f: exit 0" 0 "$rc"
done
assert_contains "report-8.2 first period: no comparison" "$(cat "$tmp/first.html")" "无上期已发布点评"
assert_contains "report-8.3 first period: period name" "$(cat "$tmp/first.html")" "2021年第1期(1—2月)"

# --- STYLE.md R8: every html_printf call is well-formed ------------------------------------
chk=$(python3 tests/data/report/check_html_printf.py -Isrc \
  $(pkg-config --cflags jansson cairo pangocairo xlsxwriter sqlite3 2>/dev/null) -- \
  src/report/*.c src/util/html.c 2>&1)
assert_eq "report-9.1 html_printf: literal formats, %s only for literals" "ok" "$chk"

finish
