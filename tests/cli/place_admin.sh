#!/usr/bin/env bash
# place_admin: places and honours managed over HTTP (the web UI's API) and their photos, on the
# real server (`kaoping serve`) with the demo database (docs/wish.md "Managing places and
# honours", docs/evidence.md kinds place and honour):
#   pa-1 the demo's site photos: fetched without login, served without GPS (the stored file
#        has the site's position), listed on the public map; public item keys are fixed
#   pa-2 the system administrator creates a place: WGS-84 converted as the CLI does, fields
#        named in validation errors, duplicate name 409; paging and filters of the list
#   pa-3 a photo on the new place: public copy without GPS; unpublished: photo, map entry and
#        route 404 publicly; published again: back
#   pa-4 refusals: another role may not attach to a place (403 2012, audited evidence.denied);
#        a contact place's photo is never public; content type by content (415); a ../ name
#        stays text
#   pa-5 honours: create with validation, paging and filters, unpublish hides the honour and
#        its photo; delete unlinks the photos; a contact place with a leader cannot be deleted
# Needs curl, jq, sqlite3, oathtool.
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/assert.sh
source tests/lib/totp.sh
for tool in curl jq sqlite3; do
  command -v "$tool" >/dev/null || { echo "FAIL pa-0 $tool is not installed"; echo "0 passed, 1 failed"; exit 1; }
done
T=$(mktemp -d)
DB=$T/k.db
SPID=
cleanup() {
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; fi
  rm -rf "$T"
}
trap cleanup EXIT
unset KAOPING_NOW

run_kp demo --db "$DB"
assert_eq "pa-0.1 demo database" 0 "$rc"
assert_contains "pa-0.2 the demo puts photos on 3 public sites and 2 honours" "$out" "photos of 3 public sites and 2 honours"
q() { sqlite3 "$DB" "$1"; }
"$KAOPING" serve --db "$DB" --port 0 --threads 2 >"$T/serve.out" 2>"$T/serve.err" &
SPID=$!
for _ in $(seq 50); do grep -q listening "$T/serve.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(grep -oE '127\.0\.0\.1:[0-9]+' "$T/serve.out" | cut -d: -f2)
B=http://127.0.0.1:$PORT
declare -A PW SECRET
demo_logins "$T/demo-logins.txt"
login() { api_login "$B" "$1" "${PW[$1]}" "${SECRET[$1]-}" "$T"; }
req() { # req USER|- METHOD PATH [BODY]: status; body T/out; headers T/hdr
  local u=$1 m=$2 p=$3 body=${4-}
  local jar=() data=()
  [ "$u" != - ] && jar=(-b "$T/$u.jar" -c "$T/$u.jar" -H "X-CSRF-Token: $(cat "$T/$u.csrf")")
  [ -n "$body" ] && data=(-H 'Content-Type: application/json' --data-binary "$body")
  curl -s -o "$T/out" -D "$T/hdr" -w '%{http_code}' "${jar[@]}" "${data[@]}" -X "$m" "$B$p"
}
upload() { # upload USER KIND ID NAME FILE: status, body T/out
  curl -s -o "$T/out" -w '%{http_code}' -b "$T/$1.jar" -H "X-CSRF-Token: $(cat "$T/$1.csrf")" \
    -H 'Content-Type: application/octet-stream' --data-binary "@$5" \
    "$B/api/evidence?kind=$2&id=$3&name=$(jq -rn --arg n "$4" '$n|@uri')"
}
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
j() { jq -r "$1" "$T/out"; }
# the EXIF of a file as "lat lon" (empty when it has no GPS), read by `kaoping evidence exif`
gps() { "$KAOPING" evidence exif "$1" | jq -r 'if .lat then "\(.lat) \(.lon)" else "" end'; }

# ---- pa-1 the demo's photos on the public pages ---------------------------------------------------
s=$(req - GET /api/public/places)
assert_eq "pa-1.1 public map: the 3 demo site photos are listed" "200 3" "$s $(jq '[.items[].photos[]] | length' "$T/out")"
assert_eq "pa-1.2 public place items carry exactly these keys (no creator, no source account)" \
  "address approximate datum description id kind lat lon name photos published source unit unit_name" \
  "$(jq -r '[.items[] | keys[]] | unique | join(" ")' "$T/out")"
site=$(jq '.items[] | select(.name == "南岳忠烈祠") | .id' "$T/out")
ph=$(jq ".items[] | select(.id == $site) | .photos[0]" "$T/out")
sha=$(q "select sha256 from evidence where id = $ph")
assert_eq "pa-1.3 the stored photo carries the site's position (GCJ-02 of 南岳忠烈祠, as the demo took it)" \
  "27.264839 112.718337" "$(gps "$DB.files/${sha:0:2}/${sha:2}")"
s=$(curl -s -o "$T/pub.jpg" -D "$T/hdr" -w '%{http_code}' "$B/api/public/photos/$ph")
assert_eq "pa-1.4 the photo without login: 200 image/jpeg, stripped" "200 image/jpeg yes" \
  "$s $(hdr Content-Type) $(hdr X-Location-Stripped)"
assert_eq "pa-1.4b ... named by its id, never by the uploaded name (which may name a person)" \
  "inline; filename=\"photo-$ph.jpg\"" "$(hdr Content-Disposition)"
assert_eq "pa-1.5 ... and it has no GPS (nor capture time) left" "jpeg null " \
  "$("$KAOPING" evidence exif "$T/pub.jpg" | jq -r '"\(.type) \(.taken_at)"') $(gps "$T/pub.jpg")"
s=$(req - GET /api/public/honours)
assert_eq "pa-1.6 public honours: 2 demo honour photos listed" "200 2" "$s $(jq '[.items[].photos[]] | length' "$T/out")"
assert_eq "pa-1.7 public honour items carry exactly these keys" \
  "award citation id photos published recipient recipient_kind unit unit_name year" \
  "$(jq -r '[.items[] | keys[]] | unique | join(" ")' "$T/out")"
hph=$(jq '[.items[].photos[]][0]' "$T/out")
s=$(curl -s -o "$T/h.png" -D "$T/hdr" -w '%{http_code}' "$B/api/public/photos/$hph")
assert_eq "pa-1.8 an honour's photo without login: 200 image/png" "200 image/png" "$s $(hdr Content-Type)"
fph=$(q "select id from evidence where kind = 'finding' limit 1")
s=$(req - GET "/api/public/photos/$fph")
assert_eq "pa-1.9 an inspector's finding photo is not a public photo: 404" 404 "$s"
s=$(req - GET /api/public/photos/999999)
assert_eq "pa-1.10 no such photo: 404 alike" 404 "$s"
s=$(req - GET "/api/public/photos/${hph}abc")
assert_eq "pa-1.11 a path id with trailing text is refused by the router (not read as $hph): 400 field id" "400 id" "$s $(jq -r .field "$T/out")"

# ---- pa-2 places created and listed by the system administrator ------------------------------------
s=$(login sysadmin)
assert_eq "pa-2.1 the system administrator signs in (two factors)" 200 "$s"
login ducha >/dev/null
s=$(req sysadmin GET '/api/places?kind=red&page_size=2')
assert_eq "pa-2.2 the list is paged: 2 of the red places, total counts them all" \
  "200 2 $(q "select count(*) from place where kind = 'red'")" "$s $(j '.items | length') $(j .total)"
s=$(req sysadmin GET '/api/places?q=%E5%BF%A0%E7%83%88')   # q=忠烈
assert_eq "pa-2.3 filter by text: 忠烈 finds 南岳忠烈祠 only" "1 南岳忠烈祠" "$(j .total) $(j '.items[0].name')"
s=$(req sysadmin GET '/api/places?q=100%25')
assert_eq "pa-2.4 a % in the text is a character, not a wildcard" "200 0" "$s $(j .total)"
s=$(req sysadmin GET '/api/places?kind=contact&unit=430421')
assert_eq "pa-2.5 filter by kind and unit" "$(q "select count(*) from place where kind = 'contact' and unit = '430421'")" "$(j .total)"
s=$(req sysadmin GET '/api/places?kind=castle')
assert_eq "pa-2.6 a bad kind filter names the field" "400 kind" "$s $(j .field)"
s=$(req sysadmin POST /api/places '{"name":"测试纪念馆","kind":"red","unit":"430407","lon":26.9,"lat":112.6}')
assert_eq "pa-2.7 latitude and longitude swapped: 400, field lat" "400 lat" "$s $(j .field)"
s=$(req sysadmin POST /api/places '{"kind":"red"}')
assert_eq "pa-2.8 no name: 400 3002 field name" "400 3002 name" "$s $(j .code) $(j .field)"
s=$(req sysadmin POST /api/places '{"name":"x","kind":"castle"}')
assert_eq "pa-2.9 a bad kind: field kind" "400 kind" "$s $(j .field)"
s=$(req sysadmin POST /api/places '{"name":"x","kind":"red","lon":"112.6","lat":26.9}')
assert_eq "pa-2.10 a coordinate as text: field lon" "400 lon" "$s $(j .field)"
s=$(req sysadmin POST /api/places '{"name":"x","kind":"red","datum":"NAD27"}')
assert_eq "pa-2.11 an unknown datum: field datum" "400 datum" "$s $(j .field)"
s=$(req sysadmin POST /api/places '{"name":"x","kind":"red","unit":"999999"}')
assert_eq "pa-2.12 an unknown unit: field unit" "400 unit" "$s $(j .field)"
s=$(req sysadmin POST /api/places '{"name":"测试纪念馆","kind":"red","unit":"430407","lon":112.6,"lat":26.9,"datum":"WGS-84","description":"测试"}')
assert_eq "pa-2.13 a place with a WGS-84 point: 201, published by default" "201 true" "$s $(j .published)"
P=$(j .id)
api_pt=$(j '"\(.lon) \(.lat) \(.datum) \(.approximate)"' | awk '{printf "%.9f %.9f %s %s", $1, $2, $3, $4}')
# the CLI's conversion of the same point on a scratch database: the web UI reuses it
run_kp init --db "$T/p.db"
run_kp unit import "$T/demo-data/units.csv" --db "$T/p.db"
run_kp place add 测试纪念馆 --kind red --unit 430407 --lon 112.6 --lat 26.9 --datum WGS-84 --db "$T/p.db"
assert_eq "pa-2.14 stored in GCJ-02 exactly as \`place add --datum WGS-84\` stores it" \
  "$(sqlite3 "$T/p.db" "select printf('%.9f %.9f WGS-84 false', lon, lat) from place where name = '测试纪念馆'")" "$api_pt"
s=$(req sysadmin POST /api/places '{"name":"测试纪念馆","kind":"youth"}')
assert_eq "pa-2.15 the same name again: 409 4002 field name" "409 4002 name" "$s $(j .code) $(j .field)"
s=$(req sysadmin POST "/api/places/$P" '{"name":"测试纪念馆(新)","kind":"red","unit":"430407","lon":112.61,"lat":26.91,"approximate":true}')
assert_eq "pa-2.16 edit: renamed, GCJ-02 kept as given, marked approximate" "200 测试纪念馆(新) 112.61 26.91 GCJ-02 true" \
  "$s $(j '"\(.name) \(.lon) \(.lat) \(.datum) \(.approximate)"')"
s=$(req sysadmin POST "/api/places/$site" '{"name":"测试纪念馆(新)","kind":"red"}')
assert_eq "pa-2.17 renaming onto another place's name: 409 field name" "409 name" "$s $(j .field)"
s=$(req sysadmin POST /api/places/999999 '{"name":"y","kind":"red"}')
assert_eq "pa-2.18 editing a missing place: 404 4001" "404 4001" "$s $(j .code)"
assert_eq "pa-2.19 create and edit audited" "place.create place.update" \
  "$(q "select group_concat(event, ' ') from (select event from audit where object = 'place:$P' order by id)")"

# ---- pa-3 a photo on the new place, unpublished and published again ---------------------------------
"$KAOPING" evidence sample "$T/site.jpg" --lat 26.9 --lon 112.6 --taken "2026-11-20 09:30:00" >/dev/null
s=$(upload sysadmin place "$P" 纪念馆.jpg "$T/site.jpg")
assert_eq "pa-3.1 the system administrator attaches a geotagged photo: 201" "201 jpeg" "$s $(j .type)"
ev=$(j .id)
s=$(req sysadmin GET "/api/evidence?kind=place&id=$P")
assert_eq "pa-3.2 the evidence panel lists it" "200 1" "$s $(j '.evidence | length')"
s=$(curl -s -o "$T/p.jpg" -w '%{http_code}' "$B/api/public/photos/$ev")
assert_eq "pa-3.3 public: the photo without login and without GPS" "200 " "$s $(gps "$T/p.jpg")"
assert_eq "pa-3.4 ... though the stored file has it" "26.9 112.6" "$(gps "$DB.files/$(q "select substr(sha256,1,2) || '/' || substr(sha256,3) from evidence where id = $ev")")"
s=$(req - GET /api/public/places)
assert_eq "pa-3.5 the public map lists the place with its photo" "$ev" "$(jq ".items[] | select(.id == $P) | .photos[0]" "$T/out")"
s=$(req sysadmin POST "/api/places/$P" '{"name":"测试纪念馆(新)","kind":"red","unit":"430407","lon":112.61,"lat":26.91,"published":false}')
assert_eq "pa-3.6 unpublished" "200 false" "$s $(j .published)"
s=$(req - GET "/api/public/photos/$ev")
assert_eq "pa-3.7 the photo of an unpublished place: 404 publicly" 404 "$s"
s=$(req - GET /api/public/places)
assert_eq "pa-3.8 ... the place is off the public map" 0 "$(jq "[.items[] | select(.id == $P)] | length" "$T/out")"
s=$(req - GET "/api/public/places/route?ids=$site,$P")
assert_eq "pa-3.9 ... and off the public route" 404 "$s"
s=$(req sysadmin GET "/api/evidence/$ev")
assert_eq "pa-3.10 the manager still sees the photo" 200 "$s"
s=$(req sysadmin POST "/api/places/$P" '{"name":"测试纪念馆(新)","kind":"red","unit":"430407","lon":112.61,"lat":26.91,"published":true}')
s=$(req - GET "/api/public/photos/$ev")
assert_eq "pa-3.11 published again: the photo is public again" 200 "$s"

# ---- pa-4 refusals --------------------------------------------------------------------------------
n0=$(q "select count(*) from evidence")
s=$(upload ducha place "$P" x.jpg "$T/site.jpg")
assert_eq "pa-4.1 the inspector may not attach to a place: 403 2012" "403 2012" "$s $(j .code)"
assert_eq "pa-4.2 ... audited as evidence.denied, nothing stored" "1 $n0" \
  "$(q "select count(*) from audit where event = 'evidence.denied' and object = 'place:$P' and actor = 'ducha'") $(q "select count(*) from evidence")"
s=$(upload ducha honour 1 x.jpg "$T/site.jpg")
assert_eq "pa-4.3 nor to an honour" "403 2012" "$s $(j .code)"
s=$(req ducha POST /api/places '{"name":"z","kind":"red"}')
assert_eq "pa-4.4 nor create a place (403 2004)" "403 2004" "$s $(j .code)"
printf 'MZ\x90\x00 this is no image' > "$T/evil.jpg"
s=$(upload sysadmin place "$P" evil.jpg "$T/evil.jpg")
assert_eq "pa-4.5 an executable named .jpg: 415 1015" "415 1015" "$s $(j .code)"
s=$(upload sysadmin place "$P" ../../../etc/passwd "$T/site.jpg")
assert_eq "pa-4.6 a ../ name is kept as text only" "201 ../../../etc/passwd" "$s $(j .name)"
assert_eq "pa-4.7 ... the file is stored under its hash, nothing written outside DB.files" \
  "1 0" "$([ -f "$DB.files/$(j .sha256 | cut -c1-2)/$(j .sha256 | cut -c3-)" ] && echo 1) $(find "$T" -name passwd | wc -l)"
cp_id=$(q "select p.id from place p join contact_point c on c.place_id = p.id limit 1")
s=$(upload sysadmin place "$cp_id" village.jpg "$T/site.jpg")
assert_eq "pa-4.8 a photo on a contact place is stored" 201 "$s"
s=$(req - GET "/api/public/photos/$(j .id)")
assert_eq "pa-4.9 ... but never public (contact places are not on the map): 404" 404 "$s"
s=$(req sysadmin POST "/api/places/$cp_id/delete")
assert_eq "pa-4.10 a contact place with a leader cannot be deleted: 409 4003" "409 4003" "$s $(j .code)"

# ---- pa-5 honours -------------------------------------------------------------------------------
s=$(req sysadmin POST /api/honours '{"award":"衡阳青年五四奖章","year":1800,"recipient":"测试","recipient_kind":"person","citation":"x"}')
assert_eq "pa-5.1 a year out of range: field year" "400 year" "$s $(j .field)"
s=$(req sysadmin POST /api/honours '{"award":"衡阳青年五四奖章","year":2022,"recipient":"测试","recipient_kind":"team","citation":"x"}')
assert_eq "pa-5.2 a bad recipient kind: field recipient_kind" "400 recipient_kind" "$s $(j .field)"
s=$(req sysadmin POST /api/honours '{"award":"衡阳青年五四奖章","year":2022,"recipient":"测试","recipient_kind":"person"}')
assert_eq "pa-5.3 no citation: 400 3002 field citation" "400 3002 citation" "$s $(j .code) $(j .field)"
s=$(req sysadmin POST /api/honours '{"award":"衡阳青年五四奖章","year":2022,"recipient":"测试青年","recipient_kind":"person","unit":"430421","citation":"测试事迹"}')
assert_eq "pa-5.4 an honour recorded: 201" 201 "$s"
H=$(j .id)
s=$(req sysadmin GET '/api/honours?year=2022')
assert_eq "pa-5.5 the list filters by year" "1 测试青年" "$(j .total) $(j '.items[0].recipient')"
s=$(req sysadmin GET '/api/honours?kind=collective')
assert_eq "pa-5.6 ... by recipient kind" "$(q "select count(*) from honour where recipient_kind = 'collective'")" "$(j .total)"
s=$(req sysadmin GET '/api/honours?page=2&page_size=4')
assert_eq "pa-5.7 ... paged: page 2 of 4 a page holds the rest" "$(( $(q 'select count(*) from honour') - 4 )) 2" "$(j '.items | length') $(j .page)"
s=$(upload sysadmin honour "$H" 奖章.jpg "$T/site.jpg")
hev=$(j .id)
s=$(req - GET "/api/public/photos/$hev")
assert_eq "pa-5.8 the honour's photo is public" 200 "$s"
s=$(req sysadmin POST "/api/honours/$H" '{"award":"衡阳青年五四奖章","year":2022,"recipient":"测试青年","recipient_kind":"person","unit":"430421","citation":"测试事迹","published":false}')
assert_eq "pa-5.9 unpublished" "200 false" "$s $(j .published)"
s=$(req - GET /api/public/honours)
assert_eq "pa-5.10 off the public honours page" 0 "$(jq "[.items[] | select(.id == $H)] | length" "$T/out")"
s=$(req - GET "/api/public/photos/$hev")
assert_eq "pa-5.11 ... and its photo: 404" 404 "$s"
s=$(req sysadmin POST "/api/honours/$H/delete")
assert_eq "pa-5.12 deleted, its photo link with it" "200 1" "$s $(j .photos_unlinked)"
assert_eq "pa-5.13 ... audited; no evidence row left" "honour.add honour.update honour.delete 0" \
  "$(q "select group_concat(event, ' ') from (select event from audit where object = 'honour:$H' and event like 'honour.%' order by id)") $(q "select count(*) from evidence where kind = 'honour' and object = $H")"
s=$(req sysadmin POST "/api/places/$P/delete")
assert_eq "pa-5.14 the test place deleted with its 2 photo links" "200 2" "$s $(j .photos_unlinked)"
s=$(req - GET "/api/public/photos/$ev")
assert_eq "pa-5.15 ... its photo is gone from the public" 404 "$s"

finish
