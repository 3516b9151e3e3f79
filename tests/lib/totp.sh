# One-time codes (RFC 6238: SHA-1, 6 digits, 30-second steps) for the CLI tests that sign in
# as accounts with a second factor: the administrative roles and the assessor must have one
# (totp_enforce is on by default). Codes come from Debian's oathtool, independent of kaoping.
# Source it after tests/lib/assert.sh.
command -v oathtool >/dev/null || { echo "FAIL totp-lib oathtool is not installed (apt-get install oathtool)"; echo "0 passed, 1 failed"; exit 1; }

# totp_code SECRET [STEP]: the code of time step STEP (default: the current one)
totp_code() {
  if [ -n "${2-}" ]; then oathtool --totp -b "$1" -N "@$(($2 * 30))"; else oathtool --totp -b "$1"; fi
}

# totp_fresh SECRET STATEFILE: a code the server will accept and has not seen from this test.
# The server takes the steps now-1 .. now+1 and never a step at or before the last one it
# accepted (replay), so the oldest usable step is taken first: three sign-ins per 30 s per
# account without waiting; a fourth waits for the next step. Near the end of a step it waits
# 3 s, so that a code for now-1 does not reach the server one step late. STATEFILE keeps the
# last step handed out.
totp_fresh() {
  local now last s
  last=$(cat "$2" 2>/dev/null || echo -1)
  while :; do
    now=$(date +%s)
    if [ $((30 - now % 30)) -le 2 ]; then sleep 3; continue; fi
    s=$((now / 30 - 1))
    [ "$s" -le "$last" ] && s=$((last + 1))
    [ "$s" -le $((now / 30 + 1)) ] && break
    sleep $((30 - now % 30))
  done
  echo "$s" > "$2"
  totp_code "$1" "$s"
}

# demo_logins FILE: reads the demo's logins file (demo-logins.txt) into the associative arrays
# PW (password by account) and SECRET (TOTP secret, for the accounts that have one); declare
# both with `declare -A PW SECRET` first.
demo_logins() {
  local line u=
  while IFS= read -r line; do
    if [[ $line =~ ^\ \ ([a-z][a-z0-9_.-]*)\ +([^ ]+) ]]; then
      u=${BASH_REMATCH[1]}
      PW[$u]=${BASH_REMATCH[2]}
    elif [[ $line =~ ^\ +TOTP\ secret\ +([A-Z2-7]+) ]] && [ -n "$u" ]; then
      SECRET[$u]=${BASH_REMATCH[1]}
    fi
  done < "$1"
}

# api_login BASE USER PASSWORD SECRET DIR: signs in over the JSON API (POST /api/login, then
# POST /api/login/totp with a fresh code when SECRET is not empty). Cookie jar DIR/USER.jar,
# CSRF token DIR/USER.csrf, last body DIR/out; prints the last HTTP status.
api_login() {
  local b=$1 u=$2 p=$3 sec=$4 d=$5 s pend
  s=$(curl -s -o "$d/out" -w '%{http_code}' -c "$d/$u.jar" -H 'Content-Type: application/json' \
        --data-binary "$(jq -cn --arg u "$u" --arg p "$p" '{username: $u, password: $p}')" "$b/api/login")
  if [ "$s" = 200 ] && [ -n "$sec" ] && [ "$(jq -r '.status // empty' "$d/out")" = totp_required ]; then
    pend=$(jq -r .pending_token "$d/out")
    s=$(curl -s -o "$d/out" -w '%{http_code}' -c "$d/$u.jar" -H 'Content-Type: application/json' \
          --data-binary "$(jq -cn --arg t "$pend" --arg c "$(totp_fresh "$sec" "$d/$u.step")" '{pending_token: $t, code: $c}')" \
          "$b/api/login/totp")
  fi
  jq -r '.csrf_token // empty' "$d/out" > "$d/$u.csrf" 2>/dev/null
  echo "$s"
}
