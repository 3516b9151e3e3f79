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
