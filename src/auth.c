/*
** auth.c: accounts, roles and capabilities, password policy and hashing, login with
** lockout, sessions, CSRF tokens and the security settings. See auth.h for the contracts.
**
** NOTES ON THE DESIGN
**
** Passwords. Argon2id through libsodium's crypto_pwhash_str (interactive limits: 64 MiB,
** 2 passes), so the stored string carries its own algorithm, parameters and salt; a login
** re-hashes when libsodium's defaults have moved on (crypto_pwhash_str_needs_rehash). The
** policy (the 等保 "dengbao" profile the issue asks for) is: at least password_min_length
** characters, password_min_classes of the four classes (lower, upper, digit, other), not
** containing the login name, not a common password or common word dressed up (Passw0rd!,
** admin2024), at most 1024 bytes, valid UTF-8 without control characters. Changed every
** password_max_age_days (0 = never); the last password_history passwords may not be reused.
** A new account, and a password reset by an administrator, must be changed at first login.
**
** Login. A failed login increments users.failed_logins; reaching lockout_threshold locks the
** account (locked_until = now + lockout_seconds). While locked even the right password is
** refused. Unknown names get the same answer as wrong passwords, take the same time (a
** dummy Argon2id verification) and "lock" the same way (counted in login_attempt), so the
** API does not reveal which accounts exist. An address with login_ip_max_failures failures
** in the lockout window is throttled (password spraying across accounts). Every attempt is
** recorded in login_attempt and audited. The slow hash runs OUTSIDE the write transaction,
** so logins do not serialise the whole server behind Argon2id.
**
** Sessions. The cookie value is 32 random bytes (base64url); the database keeps only its
** SHA-256, so a copy of the database does not yield live sessions. A session dies after
** session_idle_seconds without a request or session_absolute_seconds after login, on
** logout, on a password change (all of the account's sessions; the changer gets a fresh
** one) and when the account is locked. The CSRF token is derived from the session token
** (keyed BLAKE2b), so it needs no storage and dies with the session.
**
** Time comes from auth_now(), which honours $KAOPING_NOW like db_now(), so that tests can
** run the clock forward (password expiry) without waiting.
**
** Every change here is audited through audit_record() inside the same transaction; when
** the audit record cannot be written the change is rolled back (fail closed).
*/
#include "auth.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "audit.h"
#include "http/errcode.h"
#include "seal.h"
#include "store/db.h"
#include "totp.h"
#include "util/keyfile.h"
#include "util/text.h"

/* ---- roles and capabilities ------------------------------------------------------------ */

static const char *const azRole[ROLE_COUNT] = {
  "sysadmin", "secadmin", "auditor", "assessor", "provider", "reporter", "inspector", "leader",
};

/* What each role may do (DESIGN.md section 2). Read this table, not the code, to know a
** role's powers: nothing else grants a capability. */
static const Caps aRoleCaps[ROLE_COUNT] = {
  /* sysadmin  */ CAP_LOGIN | CAP_USER_READ | CAP_USER_CREATE | CAP_UNIT_MANAGE,
  /* secadmin  */ CAP_LOGIN | CAP_USER_READ | CAP_ROLE_GRANT | CAP_USER_UNLOCK | CAP_POLICY,
  /* auditor   */ CAP_LOGIN | CAP_AUDIT_READ,
  /* assessor  */ CAP_LOGIN | CAP_PERIOD_READ | CAP_REVIEW_READ | CAP_REVIEW_DRAFT |
                  CAP_ALL_UNITS | CAP_SCHEME_MANAGE | CAP_REVIEW_PUBLISH,
  /* provider  */ CAP_LOGIN | CAP_PERIOD_READ | CAP_REVIEW_READ | CAP_ALL_UNITS |
                  CAP_DATA_DEPARTMENT,
  /* reporter  */ CAP_LOGIN | CAP_PERIOD_READ | CAP_REVIEW_READ | CAP_DATA_OWN_UNIT,
  /* inspector */ CAP_LOGIN | CAP_PERIOD_READ | CAP_REVIEW_READ | CAP_ALL_UNITS | CAP_INSPECT,
  /* leader    */ CAP_LOGIN | CAP_PERIOD_READ | CAP_REVIEW_READ | CAP_REVIEW_DRAFT |
                  CAP_ALL_UNITS | CAP_COMMENT,
};

static const char *const azCap[CAP_COUNT] = {
  "login", "user_read", "user_create", "role_grant", "user_unlock", "policy", "audit_read",
  "period_read", "review_read", "review_draft", "all_units", "unit_manage", "scheme_manage",
  "review_publish", "data_department", "data_own_unit", "inspect", "comment",
};

const char *auth_role_name(int eRole) {
  return eRole >= 0 && eRole < ROLE_COUNT ? azRole[eRole] : NULL;
}

int auth_role_find(const char *zName) {
  for (int i = 0; zName && i < ROLE_COUNT; i++)
    if (strcmp(zName, azRole[i]) == 0) return i;
  return -1;
}

Caps auth_role_caps(unsigned mRoles) {
  Caps c = CAP_LOGIN;
  for (int i = 0; i < ROLE_COUNT; i++)
    if (mRoles & ROLE_BIT(i)) c |= aRoleCaps[i];
  return c;
}

const char *auth_cap_name(Caps cap) {
  if (cap == CAP_PUBLIC) return "public";
  for (int i = 0; i < CAP_COUNT; i++)
    if (cap == (1u << i)) return azCap[i];
  return "several";
}

int auth_roles_check(unsigned mRoles, const char *zUnit, const char **pzWhy) {
  unsigned mAdmin = mRoles & ROLE_ADMIN_MASK;
  if (mAdmin & (mAdmin - 1)) {
    *pzWhy = "one account may hold at most one of sysadmin, secadmin and auditor "
             "(separation of duties)";
    return -1;
  }
  if (mAdmin && (mRoles & ~ROLE_ADMIN_MASK)) {
    *pzWhy = "an administrator role (sysadmin, secadmin, auditor) cannot be combined with "
             "a business role";
    return -1;
  }
  if ((mRoles & ROLE_BIT(ROLE_REPORTER)) && (!zUnit || !*zUnit)) {
    *pzWhy = "a reporter must be bound to a unit (create the account with a unit)";
    return -1;
  }
  return 0;
}

/* ---- time and hashing helpers ------------------------------------------------------------- */

int64_t auth_time_parse(const char *z) {
  if (!z || strlen(z) != 20) return -1;
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *zEnd = strptime(z, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!zEnd || *zEnd) return -1;
  return (int64_t)timegm(&tm);
}

void auth_time_fmt(int64_t t, char *z) {
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(z, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t auth_now(void) {
  const char *zEnv = getenv("KAOPING_NOW");
  int64_t t = auth_time_parse(zEnv);
  return t >= 0 ? t : (int64_t)time(NULL);
}

void auth_sha256_hex(const void *z, size_t n, char *zOut) {
  unsigned char a[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(a, z, n);
  sodium_bin2hex(zOut, 65, a, sizeof a);
}

static void auth_sodium_init(void) {
  if (sodium_init() < 0) {
    fprintf(stderr, "kaoping: libsodium cannot initialise\n");
    abort();
  }
}

/* ---- settings -------------------------------------------------------------------------- */

/* Sorted by name. The defaults are the 等保 level-3 profile of docs/security.md. */
const AuthSetting aAuthSetting[] = {
  {"lockout_seconds", 900, 1, 86400,
   "how long an account stays locked after lockout_threshold failed logins"},
  {"lockout_threshold", 5, 1, 100, "consecutive failed logins that lock an account"},
  {"login_ip_max_failures", 30, 5, 100000,
   "failed logins from one address within lockout_seconds before it is throttled"},
  {"password_history", 5, 0, 24, "how many earlier passwords may not be reused"},
  {"password_max_age_days", 90, 0, 3650,
   "days after which a password must be changed (0 = never)"},
  {"password_min_classes", 3, 1, 4,
   "character kinds a password needs, of lower, upper, digit, other"},
  {"password_min_length", 8, 8, 128, "minimum password length in characters"},
  {"session_absolute_seconds", 43200, 1, 604800,
   "a session ends this long after login, however active"},
  {"session_idle_seconds", 1800, 1, 86400, "a session ends after this long without a request"},
  {"totp_enforce", 1, 0, 1,
   "1 (default): administrator and assessor accounts without a second factor may only enrol "
   "one; 0: they sign in with the password alone"},
  {"upload_max_mb", 50, 1, 4096,
   "largest evidence file (photo, video, PDF) accepted, in MiB; larger uploads get 413"},
  {"wish_form_min_seconds", 3, 0, 600,
   "a micro-wish form sent sooner than this after it was opened is refused (scripted floods)"},
  {"wish_rate_burst", 5, 1, 10000, "micro-wish submissions one address may make in a burst"},
  {"wish_rate_per_hour", 20, 0, 100000,
   "micro-wish submissions an address regains per hour (token bucket refill)"},
};
const int nAuthSetting = (int)(sizeof aAuthSetting / sizeof aAuthSetting[0]);

static const AuthSetting *auth_setting_find(const char *zName) {
  int lo = 0, hi = nAuthSetting - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    int c = strcmp(zName, aAuthSetting[mid].zName);
    if (c == 0) return &aAuthSetting[mid];
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return NULL;
}

static int auth_profile_valid(const char *z, const char **pzWhy) {
  if (strcmp(z, "mlps") == 0 || strcmp(z, "asvs") == 0) return 0;
  *pzWhy = "password_profile must be mlps or asvs";
  return -1;
}

/* Sorted by name. */
const AuthTextSetting aAuthTextSetting[] = {
  {"admin_networks", "", auth_cidr_list_valid,
   "CIDR ranges (comma-separated, IPv4/IPv6) administrator roles may sign in from; "
   "empty = anywhere"},
  {"password_profile", "mlps", auth_profile_valid,
   "mlps (等保: classes, 90-day rotation, history) or asvs (OWASP ASVS 5: length, no "
   "composition, no rotation)"},
};
const int nAuthTextSetting = (int)(sizeof aAuthTextSetting / sizeof aAuthTextSetting[0]);

static const AuthTextSetting *auth_text_setting_find(const char *zName) {
  for (int i = 0; i < nAuthTextSetting; i++)
    if (strcmp(zName, aAuthTextSetting[i].zName) == 0) return &aAuthTextSetting[i];
  return NULL;
}

char *auth_setting_text(Db *pDb, const char *zName) {
  const AuthTextSetting *p = auth_text_setting_find(zName);
  if (!p) {
    fprintf(stderr, "kaoping: undeclared setting \"%s\"\n", zName);
    abort();
  }
  char *z = NULL;
  Stmt *s = db_prepare(pDb, "SELECT value FROM settings WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  if (stmt_step(s) == 1) {
    const char *zWhy;
    const char *zVal = stmt_text(s, 0);
    if (zVal && p->xValid(zVal, &zWhy) == 0) z = xstrdup(zVal);
  }
  stmt_finalize(s);
  return z ? z : xstrdup(p->zDefault);
}

const char *auth_password_profile(Db *pDb) {
  char *z = auth_setting_text(pDb, "password_profile");
  const char *zProfile = strcmp(z, "asvs") == 0 ? "asvs" : "mlps";
  free(z);
  return zProfile;
}

/* Stores a text setting (validated), audited like the numeric ones. */
static int auth_setting_set_text(Db *pDb, const AuthTextSetting *p, const char *zValue,
                                 const char *zActor, const char *zIp, char **pzErr) {
  const char *zWhy = NULL;
  if (p->xValid(zValue, &zWhy)) {
    *pzErr = xasprintf("%s", zWhy);
    return -1;
  }
  char *zOld = auth_setting_text(pDb, p->zName);
  char zNow[32];
  db_now(zNow);
  int r = -1;
  if (db_begin(pDb) == 0) {
    Stmt *s = db_prepare(pDb,
                         "INSERT INTO settings(name, value, updated_at, updated_by) "
                         "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET "
                         "value = excluded.value, updated_at = excluded.updated_at, "
                         "updated_by = excluded.updated_by");
    stmt_bind_text(s, 1, p->zName);
    stmt_bind_text(s, 2, zValue);
    stmt_bind_text(s, 3, zNow);
    stmt_bind_text(s, 4, zActor);
    r = stmt_run(s);
    stmt_finalize(s);
    json_t *pDetail = json_pack("{s:s, s:s}", "before", zOld, "after", zValue);
    char *zObj = xasprintf("setting:%s", p->zName);
    if (r == 0) r = audit_record(pDb, zActor, zIp, "setting.set", zObj, "ok", pDetail);
    free(zObj);
    json_decref(pDetail);
    if (r) db_rollback(pDb);
    else r = db_commit(pDb);
  }
  free(zOld);
  if (r) *pzErr = xasprintf("cannot store the setting (nothing changed): %s", db_errmsg(pDb));
  return r ? -1 : 0;
}

/* Strict integer parse; 0 ok. */
static int auth_parse_int(const char *z, int64_t *pOut) {
  if (!z || !*z) return -1;
  char *zEnd;
  long long v = strtoll(z, &zEnd, 10);
  if (*zEnd || (z[0] != '-' && !isdigit((unsigned char)z[0]))) return -1;
  *pOut = v;
  return 0;
}

int64_t auth_setting(Db *pDb, const char *zName) {
  const AuthSetting *p = auth_setting_find(zName);
  if (!p) {
    fprintf(stderr, "kaoping: undeclared setting \"%s\"\n", zName);
    abort();
  }
  int64_t v = p->iDefault;
  Stmt *s = db_prepare(pDb, "SELECT value FROM settings WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  if (stmt_step(s) == 1) {
    int64_t w;
    if (auth_parse_int(stmt_text(s, 0), &w) == 0 && w >= p->iMin && w <= p->iMax) v = w;
  }
  stmt_finalize(s);
  return v;
}

int auth_setting_set(Db *pDb, const char *zName, const char *zValue, const char *zActor,
                     const char *zIp, char **pzErr) {
  const AuthTextSetting *pText = auth_text_setting_find(zName);
  if (pText) return auth_setting_set_text(pDb, pText, zValue, zActor, zIp, pzErr);
  const AuthSetting *p = auth_setting_find(zName);
  if (!p) {
    *pzErr = xasprintf("no setting named \"%s\" (kaoping user policy lists them)", zName);
    return -1;
  }
  int64_t v;
  if (auth_parse_int(zValue, &v) || v < p->iMin || v > p->iMax) {
    *pzErr = xasprintf("%s must be a whole number from %" PRId64 " to %" PRId64, zName,
                       p->iMin, p->iMax);
    return -1;
  }
  int64_t vOld = auth_setting(pDb, zName);
  char zNow[32], zVal[32];
  db_now(zNow);
  snprintf(zVal, sizeof zVal, "%" PRId64, v);
  if (db_begin(pDb)) goto fail;
  Stmt *s = db_prepare(pDb,
                       "INSERT INTO settings(name, value, updated_at, updated_by) "
                       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET "
                       "value = excluded.value, updated_at = excluded.updated_at, "
                       "updated_by = excluded.updated_by");
  stmt_bind_text(s, 1, zName);
  stmt_bind_text(s, 2, zVal);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_text(s, 4, zActor);
  int r = stmt_run(s);
  stmt_finalize(s);
  json_t *pDetail = json_pack("{s:I, s:I}", "before", (json_int_t)vOld, "after", (json_int_t)v);
  char *zObj = xasprintf("setting:%s", zName);
  if (r == 0) r = audit_record(pDb, zActor, zIp, "setting.set", zObj, "ok", pDetail);
  free(zObj);
  json_decref(pDetail);
  if (r) {
    db_rollback(pDb);
    goto fail;
  }
  if (db_commit(pDb)) goto fail;
  return 0;
fail:
  *pzErr = xasprintf("cannot store the setting (nothing changed): %s", db_errmsg(pDb));
  return -1;
}

/* ---- password policy --------------------------------------------------------------- */

/* Common passwords, compared whole (lower-cased). */
static const char *const azCommonExact[] = {
  "1q2w3e4r", "1q2w3e4r5t", "1qaz2wsx", "1qaz@wsx", "1qaz!qaz", "a1b2c3d4", "aa123456",
  "abc123456", "abcd1234", "p@ssw0rd", "passw0rd", "password1", "qazwsx123", "qwe123456",
  "qwer1234", "zaq12wsx", "zxcvbnm1", "!qaz2wsx", "1qazxsw2", "asdf1234", "admin@123",
  "root@123", "test@123", NULL,
};

/* Common words: refused when the password is one of them once the leading and trailing
** digits and symbols are stripped and look-alike characters are mapped back (P@ssw0rd!1 ->
** password). Context words of this deployment (kaoping, hengyang, 衡阳 in pinyin) are here
** too, as ASVS 6.1.2 asks. */
static const char *const azCommonWord[] = {
  "abc", "abcd", "abcde", "abcdef", "admin", "administrator", "asdf", "asdfgh", "baseball",
  "beijing", "changeme", "china", "default", "dragon", "football", "guest", "hello",
  "hengyang", "huawei", "hunan", "iloveyou", "jixiao", "kaoping", "leader", "letmein",
  "login", "manager", "master", "monkey", "pass", "passwd", "password", "princess",
  "qwerty", "qwertyuiop", "reporter", "root", "secret", "sunshine", "superman", "sysadmin",
  "system", "test", "user", "welcome", "woaini", "zhongguo", "zxcvbn", NULL,
};

/* Look-alike characters mapped back to letters. */
static char auth_unleet(char c) {
  switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '!': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '@': return 'a';
    case '5': return 's';
    case '$': return 's';
    case '7': return 't';
    default: return (char)tolower((unsigned char)c);
  }
}

static int auth_is_decoration(unsigned char c) {
  return c < 0x80 && !isalpha(c);
}

/* Case-insensitive ASCII substring test. */
static int auth_contains_nocase(const char *zHay, const char *zNeedle) {
  size_t n = strlen(zNeedle);
  if (n == 0) return 0;
  for (const char *p = zHay; *p; p++)
    if (strncasecmp(p, zNeedle, n) == 0) return 1;
  return 0;
}

int auth_password_policy_check(const PwPolicy *p, const char *zUser, const char *zPw,
                               char *zWhy, size_t nWhy) {
  size_t n = strlen(zPw);
  if (n > AUTH_PASSWORD_MAX_BYTES) {
    snprintf(zWhy, nWhy, "password is longer than %d bytes", AUTH_PASSWORD_MAX_BYTES);
    return -1;
  }
  if (text_utf8_invalid_at(zPw, n) != n) {
    snprintf(zWhy, nWhy, "password is not valid UTF-8");
    return -1;
  }
  int nChar = 0, bLower = 0, bUpper = 0, bDigit = 0, bOther = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)zPw[i];
    if (c < 0x20 || c == 0x7f) {
      snprintf(zWhy, nWhy, "password contains a control character");
      return -1;
    }
    if ((c & 0xC0) != 0x80) nChar++; /* count code points, not bytes */
    if (c >= 'a' && c <= 'z') bLower = 1;
    else if (c >= 'A' && c <= 'Z') bUpper = 1;
    else if (c >= '0' && c <= '9') bDigit = 1;
    else bOther = 1; /* symbols, spaces and every non-ASCII character (汉字 ...) */
  }
  if (nChar < p->nMinLength) {
    snprintf(zWhy, nWhy, "password must have at least %d characters", p->nMinLength);
    return -1;
  }
  if (bLower + bUpper + bDigit + bOther < p->nMinClasses) {
    snprintf(zWhy, nWhy,
             "password needs at least %d kinds of character of: lower-case letters, "
             "upper-case letters, digits, symbols", p->nMinClasses);
    return -1;
  }
  if (zUser && strlen(zUser) >= 3 && auth_contains_nocase(zPw, zUser)) {
    snprintf(zWhy, nWhy, "password must not contain the login name");
    return -1;
  }
  char zLow[AUTH_PASSWORD_MAX_BYTES + 1];
  for (size_t i = 0; i <= n; i++) zLow[i] = (char)tolower((unsigned char)zPw[i]);
  for (int i = 0; azCommonExact[i]; i++) {
    if (strcmp(zLow, azCommonExact[i]) == 0) {
      snprintf(zWhy, nWhy, "password is a commonly used password");
      return -1;
    }
  }
  /* strip leading and trailing digits/symbols, then map look-alikes */
  size_t iStart = 0, iEnd = n;
  while (iStart < iEnd && auth_is_decoration((unsigned char)zPw[iStart])) iStart++;
  while (iEnd > iStart && auth_is_decoration((unsigned char)zPw[iEnd - 1])) iEnd--;
  char zCore[AUTH_PASSWORD_MAX_BYTES + 1];
  size_t nCore = 0;
  for (size_t i = iStart; i < iEnd; i++) zCore[nCore++] = auth_unleet(zPw[i]);
  zCore[nCore] = 0;
  for (int i = 0; azCommonWord[i]; i++) {
    if (strcmp(zCore, azCommonWord[i]) == 0) {
      snprintf(zWhy, nWhy, "password is a common word with digits or symbols added");
      return -1;
    }
  }
  return 0;
}

void auth_password_policy(Db *pDb, PwPolicy *p) {
  p->nMinLength = (int)auth_setting(pDb, "password_min_length");
  p->nMinClasses = (int)auth_setting(pDb, "password_min_classes");
  if (strcmp(auth_password_profile(pDb), "asvs") == 0) p->nMinClasses = 0; /* no composition */
}

int auth_password_hash(const char *zPw, char *zOut) {
  auth_sodium_init();
  if (crypto_pwhash_str(zOut, zPw, strlen(zPw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return -1;
  return 0;
}

int auth_password_verify(const char *zHash, const char *zPw) {
  auth_sodium_init();
  if (!zHash || !zPw) return 0;
  return crypto_pwhash_str_verify(zHash, zPw, strlen(zPw)) == 0;
}

void auth_password_generate(const char *zUser, char *zOut) {
  static const char zAlpha[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  static const char zSym[] = "-_.!@#%+=";
  auth_sodium_init();
  for (;;) {
    int bLower = 0, bUpper = 0, bDigit = 0, bSym = 0;
    for (int i = 0; i < 16; i++) {
      /* one character in five a symbol, on average */
      if (randombytes_uniform(5) == 0) zOut[i] = zSym[randombytes_uniform(sizeof zSym - 1)];
      else zOut[i] = zAlpha[randombytes_uniform(sizeof zAlpha - 1)];
      unsigned char c = (unsigned char)zOut[i];
      if (islower(c)) bLower = 1;
      else if (isupper(c)) bUpper = 1;
      else if (isdigit(c)) bDigit = 1;
      else bSym = 1;
    }
    zOut[16] = 0;
    /* the policy refuses a password that contains the login name (auth_password_policy_check):
    ** for a three-letter name about one password in 3,000 does, so draw again */
    if (bLower && bUpper && bDigit && bSym &&
        !(zUser && strlen(zUser) >= 3 && auth_contains_nocase(zOut, zUser)))
      return;
  }
}

/* A hash of a random password, verified against for unknown names so that a login for an
** unknown name costs the same as one for a known name. */
static char zDummyHash[crypto_pwhash_STRBYTES];
static pthread_once_t dummyOnce = PTHREAD_ONCE_INIT;
static void auth_dummy_init(void) {
  char zPw[17];
  auth_password_generate(NULL, zPw);
  if (auth_password_hash(zPw, zDummyHash)) zDummyHash[0] = 0;
  sodium_memzero(zPw, sizeof zPw);
}
static void auth_dummy_verify(const char *zPw) {
  pthread_once(&dummyOnce, auth_dummy_init);
  (void)auth_password_verify(zDummyHash, zPw);
}

/* ---- accounts ----------------------------------------------------------------------- */

int auth_name_valid(const char *z) {
  if (!z) return 0;
  size_t n = strlen(z);
  if (n < 2 || n > 32 || !(z[0] >= 'a' && z[0] <= 'z')) return 0;
  for (size_t i = 1; i < n; i++) {
    char c = z[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

/* Display names: 1..64 characters of valid UTF-8, no control characters. */
static int auth_display_valid(const char *z) {
  size_t n = z ? strlen(z) : 0;
  if (n == 0 || n > 256 || text_utf8_invalid_at(z, n) != n) return 0;
  int nChar = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)z[i];
    if (c < 0x20 || c == 0x7f) return 0;
    if ((c & 0xC0) != 0x80) nChar++;
  }
  return nChar <= 64;
}

static unsigned auth_roles_of(Db *pDb, int64_t idUser) {
  unsigned m = 0;
  Stmt *s = db_prepare(pDb, "SELECT role FROM user_role WHERE user_id = ?1");
  stmt_bind_int(s, 1, idUser);
  while (stmt_step(s) == 1) {
    int r = auth_role_find(stmt_text(s, 0));
    if (r >= 0) m |= ROLE_BIT(r);
  }
  stmt_finalize(s);
  return m;
}

/* Fills *pUser from a statement whose columns are: id, name, display_name, unit,
** must_change, disabled, failed_logins, locked_until, last_login_at, password_changed_at. */
static void auth_user_fill(Db *pDb, Arena *pArena, Stmt *s, AuthUser *pUser) {
  memset(pUser, 0, sizeof *pUser);
  pUser->id = stmt_int(s, 0);
  pUser->zName = arena_strdup(pArena, stmt_text(s, 1));
  pUser->zDisplay = arena_strdup(pArena, stmt_text(s, 2));
  pUser->zUnit = arena_strdup(pArena, stmt_text(s, 3));
  pUser->bMustChange = stmt_int(s, 4) != 0;
  pUser->bDisabled = stmt_int(s, 5) != 0;
  pUser->nFailed = (int)stmt_int(s, 6);
  pUser->zLockedUntil = arena_strdup(pArena, stmt_text(s, 7));
  pUser->zLastLogin = arena_strdup(pArena, stmt_text(s, 8));
  int64_t tChanged = auth_time_parse(stmt_text(s, 9));
  int64_t nMaxDays = auth_setting(pDb, "password_max_age_days");
  if (strcmp(auth_password_profile(pDb), "asvs") == 0) nMaxDays = 0; /* ASVS: no rotation */
  if (nMaxDays > 0 && tChanged >= 0 && auth_now() >= tChanged + nMaxDays * 86400) {
    pUser->bExpired = 1;
    pUser->bMustChange = 1;
  }
  pUser->bPasswordChange = pUser->bMustChange;
}

/* Roles, capabilities and the second-factor obligation of a loaded account. */
static void auth_user_finish(Db *pDb, AuthUser *pUser) {
  pUser->mRoles = auth_roles_of(pDb, pUser->id);
  pUser->caps = auth_role_caps(pUser->mRoles);
  if ((pUser->mRoles & AUTH_TOTP_ROLES) && auth_setting(pDb, "totp_enforce") &&
      !auth_totp_enrolled(pDb, pUser->id)) {
    pUser->bTotpEnrol = 1;
    pUser->bMustChange = 1;
  }
}

int auth_user_load(Db *pDb, Arena *pArena, const char *zName, AuthUser *pUser) {
  Stmt *s = db_prepare(pDb,
                       "SELECT id, name, display_name, unit, must_change, disabled, "
                       "failed_logins, locked_until, last_login_at, password_changed_at "
                       "FROM users WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  int r = stmt_step(s);
  if (r == 1) auth_user_fill(pDb, pArena, s, pUser);
  stmt_finalize(s);
  if (r != 1) return -1;
  auth_user_finish(pDb, pUser);
  return 0;
}

static int auth_user_load_id(Db *pDb, Arena *pArena, int64_t id, AuthUser *pUser) {
  Stmt *s = db_prepare(pDb,
                       "SELECT id, name, display_name, unit, must_change, disabled, "
                       "failed_logins, locked_until, last_login_at, password_changed_at "
                       "FROM users WHERE id = ?1");
  stmt_bind_int(s, 1, id);
  int r = stmt_step(s);
  if (r == 1) auth_user_fill(pDb, pArena, s, pUser);
  stmt_finalize(s);
  if (r != 1) return -1;
  auth_user_finish(pDb, pUser);
  return 0;
}

/* Sets the out-parameters of a failing account function. */
static int auth_fail(int *pCode, char **pzErr, int code, char *zMsg) {
  *pCode = code;
  *pzErr = zMsg;
  return -1;
}

/* The failure of a database write or of the audit record: nothing was changed. */
static int auth_fail_db(Db *pDb, int *pCode, char **pzErr) {
  return auth_fail(pCode, pzErr, KP_E_UNAVAILABLE,
                   xasprintf("could not be recorded (nothing changed): %s", db_errmsg(pDb)));
}

/* Records event zEvent on the account zName (object "user:NAME") in the open transaction.
** Takes pDetail (may be NULL). 0 or -1, as audit_record(). */
static int auth_audit_user(Db *pDb, const char *zActor, const char *zIp, const char *zEvent,
                           const char *zName, const char *zResult, json_t *pDetail) {
  char *zObj = xasprintf("user:%s", zName);
  int r = audit_record(pDb, zActor, zIp, zEvent, zObj, zResult, pDetail);
  free(zObj);
  json_decref(pDetail);
  return r;
}

/* Ends the transaction of an account change: rolled back when r is not 0 (a write or its audit
** record failed), else committed. 0, or -1 with the error set (nothing changed). */
static int auth_tx_end(Db *pDb, int r, int *pCode, char **pzErr) {
  if (r) {
    db_rollback(pDb);
    return auth_fail_db(pDb, pCode, pzErr);
  }
  if (db_commit(pDb)) return auth_fail_db(pDb, pCode, pzErr);
  return 0;
}

int auth_user_add(Db *pDb, const char *zName, const char *zDisplay, const char *zUnit,
                  const char *zPassword, const char *zActor, const char *zIp,
                  char **pzGenerated, int *pCode, const char **pzField, char **pzErr) {
  const char *zFieldDummy;
  if (!pzField) pzField = &zFieldDummy;
  *pzField = NULL;
  if (pzGenerated) *pzGenerated = NULL;
  if (!auth_name_valid(zName) && (*pzField = "username"))
    return auth_fail(pCode, pzErr, KP_E_INVALID,
                     xasprintf("login name must be 2 to 32 characters: a lower-case letter, "
                               "then lower-case letters, digits, _ . or -"));
  if (!zDisplay || !*zDisplay) zDisplay = zName;
  if (!auth_display_valid(zDisplay) && (*pzField = "display_name"))
    return auth_fail(pCode, pzErr, KP_E_INVALID,
                     xasprintf("display name must be 1 to 64 characters of text"));
  if (zUnit && *zUnit) {
    Stmt *s = db_prepare(pDb, "SELECT 1 FROM unit WHERE code = ?1");
    stmt_bind_text(s, 1, zUnit);
    int bFound = stmt_step(s) == 1;
    stmt_finalize(s);
    if (!bFound && (*pzField = "unit"))
      return auth_fail(pCode, pzErr, KP_E_INVALID,
                       xasprintf("no unit with code \"%.40s\" (kaoping unit list)", zUnit));
  } else {
    zUnit = NULL;
  }
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM users WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  int bExists = stmt_step(s) == 1;
  stmt_finalize(s);
  if (bExists && (*pzField = "username"))
    return auth_fail(pCode, pzErr, KP_E_EXISTS, xasprintf("account %s exists", zName));
  char zGen[17];
  if (zPassword) {
    PwPolicy pol;
    char zWhy[200];
    auth_password_policy(pDb, &pol);
    if (auth_password_policy_check(&pol, zName, zPassword, zWhy, sizeof zWhy) &&
        (*pzField = "password"))
      return auth_fail(pCode, pzErr, KP_E_PASSWORD_POLICY, xstrdup(zWhy));
  } else {
    auth_password_generate(zName, zGen);
    zPassword = zGen;
  }
  char zHash[crypto_pwhash_STRBYTES];
  if (auth_password_hash(zPassword, zHash))
    return auth_fail(pCode, pzErr, KP_E_INTERNAL, xasprintf("cannot hash the password"));
  char zNow[32];
  db_now(zNow);
  if (db_begin(pDb)) return auth_fail_db(pDb, pCode, pzErr);
  s = db_prepare(pDb,
                 "INSERT INTO users(name, display_name, unit, password_hash, "
                 "password_changed_at, must_change, created_at, created_by) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?5, ?6)");
  stmt_bind_text(s, 1, zName);
  stmt_bind_text(s, 2, zDisplay);
  stmt_bind_text(s, 3, zUnit);
  stmt_bind_text(s, 4, zHash);
  stmt_bind_text(s, 5, zNow);
  stmt_bind_text(s, 6, zActor);
  int r = stmt_run(s);
  stmt_finalize(s);
  int64_t id = db_last_insert_id(pDb);
  if (r == 0) {
    s = db_prepare(pDb, "INSERT INTO password_history(user_id, password_hash, set_at) "
                        "VALUES (?1, ?2, ?3)");
    stmt_bind_int(s, 1, id);
    stmt_bind_text(s, 2, zHash);
    stmt_bind_text(s, 3, zNow);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  if (r == 0)
    r = auth_audit_user(pDb, zActor, zIp, "user.add", zName, "ok",
                        json_pack("{s:s, s:s?}", "display_name", zDisplay, "unit", zUnit));
  if (auth_tx_end(pDb, r, pCode, pzErr)) {
    sodium_memzero(zGen, sizeof zGen);
    return -1;
  }
  if (zPassword == zGen && pzGenerated) *pzGenerated = xstrdup(zGen);
  sodium_memzero(zGen, sizeof zGen);
  return 0;
}

/* JSON array of the role names in m. */
static json_t *auth_roles_json(unsigned m) {
  json_t *a = json_array();
  for (int i = 0; i < ROLE_COUNT; i++)
    if (m & ROLE_BIT(i)) json_array_append_new(a, json_string(azRole[i]));
  return a;
}

int auth_user_set_roles(Db *pDb, const char *zName, unsigned mRoles, unsigned mGrantable,
                        const char *zActor, const char *zIp, int *pCode, char **pzErr) {
  Arena *pArena = arena_new();
  AuthUser u;
  int rc = -1;
  if (auth_user_load(pDb, pArena, zName, &u)) {
    auth_fail(pCode, pzErr, KP_E_NO_SUCH, xasprintf("no account named %s", zName));
    goto done;
  }
  if (zActor && strcmp(zActor, u.zName) == 0) {
    auth_fail(pCode, pzErr, KP_E_SCOPE, xasprintf("no one may change their own roles"));
    goto done;
  }
  if (u.mRoles & ~mGrantable) {
    auth_fail(pCode, pzErr, KP_E_SCOPE,
              xasprintf("account %s holds an administrator role: its roles are changed on "
                        "the server's command line only (kaoping user roles)", zName));
    goto done;
  }
  if (mRoles & ~mGrantable) {
    auth_fail(pCode, pzErr, KP_E_SCOPE,
              xasprintf("the administrator roles (sysadmin, secadmin, auditor) are granted on "
                        "the server's command line only (kaoping user roles)"));
    goto done;
  }
  const char *zWhy;
  if (auth_roles_check(mRoles, u.zUnit, &zWhy)) {
    auth_fail(pCode, pzErr, KP_E_ROLES, xstrdup(zWhy));
    goto done;
  }
  char zNow[32];
  db_now(zNow);
  if (db_begin(pDb)) {
    auth_fail_db(pDb, pCode, pzErr);
    goto done;
  }
  Stmt *s = db_prepare(pDb, "DELETE FROM user_role WHERE user_id = ?1");
  stmt_bind_int(s, 1, u.id);
  int r = stmt_run(s);
  stmt_finalize(s);
  for (int i = 0; r == 0 && i < ROLE_COUNT; i++) {
    if (!(mRoles & ROLE_BIT(i))) continue;
    s = db_prepare(pDb, "INSERT INTO user_role(user_id, role, granted_at, granted_by) "
                        "VALUES (?1, ?2, ?3, ?4)");
    stmt_bind_int(s, 1, u.id);
    stmt_bind_text(s, 2, azRole[i]);
    stmt_bind_text(s, 3, zNow);
    stmt_bind_text(s, 4, zActor);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  if (r == 0)
    r = auth_audit_user(pDb, zActor, zIp, "role.set", zName, "ok",
                        json_pack("{s:o, s:o}", "before", auth_roles_json(u.mRoles), "after",
                                  auth_roles_json(mRoles)));
  rc = auth_tx_end(pDb, r, pCode, pzErr);
done:
  arena_free(pArena);
  return rc;
}

int auth_user_lock(Db *pDb, const char *zName, int bLock, const char *zActor,
                   const char *zIp, int *pCode, char **pzErr) {
  Arena *pArena = arena_new();
  AuthUser u;
  int rc = -1;
  if (auth_user_load(pDb, pArena, zName, &u)) {
    auth_fail(pCode, pzErr, KP_E_NO_SUCH, xasprintf("no account named %s", zName));
    goto done;
  }
  if (db_begin(pDb)) {
    auth_fail_db(pDb, pCode, pzErr);
    goto done;
  }
  Stmt *s;
  if (bLock) {
    s = db_prepare(pDb, "UPDATE users SET disabled = 1 WHERE id = ?1");
  } else {
    s = db_prepare(pDb, "UPDATE users SET disabled = 0, failed_logins = 0, locked_until = NULL "
                        "WHERE id = ?1");
  }
  stmt_bind_int(s, 1, u.id);
  int r = stmt_run(s);
  stmt_finalize(s);
  if (r == 0 && bLock) {
    s = db_prepare(pDb, "DELETE FROM session WHERE user_id = ?1");
    stmt_bind_int(s, 1, u.id);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  if (r == 0)
    r = auth_audit_user(pDb, zActor, zIp, bLock ? "user.lock" : "user.unlock", zName, "ok",
                        json_pack("{s:b, s:i, s:s?}", "was_disabled", u.bDisabled,
                                  "failed_logins", u.nFailed, "locked_until", u.zLockedUntil));
  rc = auth_tx_end(pDb, r, pCode, pzErr);
done:
  arena_free(pArena);
  return rc;
}

/* Is zPw one of the account's last nKeep passwords (the current one included)? */
static int auth_password_reused(Db *pDb, int64_t idUser, const char *zPw, int64_t nKeep) {
  if (nKeep < 1) nKeep = 1;
  int bReused = 0;
  Stmt *s = db_prepare(pDb, "SELECT password_hash FROM password_history WHERE user_id = ?1 "
                            "ORDER BY set_at DESC, rowid DESC LIMIT ?2");
  stmt_bind_int(s, 1, idUser);
  stmt_bind_int(s, 2, nKeep);
  while (!bReused && stmt_step(s) == 1) bReused = auth_password_verify(stmt_text(s, 0), zPw);
  stmt_finalize(s);
  return bReused;
}

int auth_password_set(Db *pDb, const char *zName, const char *zPw, int bByAdmin,
                      const char *zActor, const char *zIp, int *pCode, char **pzErr) {
  Arena *pArena = arena_new();
  AuthUser u;
  int rc = -1;
  if (auth_user_load(pDb, pArena, zName, &u)) {
    auth_fail(pCode, pzErr, KP_E_NO_SUCH, xasprintf("no account named %s", zName));
    goto done;
  }
  PwPolicy pol;
  char zWhy[200];
  auth_password_policy(pDb, &pol);
  if (auth_password_policy_check(&pol, u.zName, zPw, zWhy, sizeof zWhy)) {
    auth_fail(pCode, pzErr, KP_E_PASSWORD_POLICY, xstrdup(zWhy));
    goto done;
  }
  int64_t nHistory = auth_setting(pDb, "password_history");
  if (auth_password_reused(pDb, u.id, zPw, nHistory)) {
    auth_fail(pCode, pzErr, KP_E_PASSWORD_POLICY,
              xasprintf("password was used before: the last %" PRId64 " passwords may not be "
                        "reused", nHistory < 1 ? 1 : nHistory));
    goto done;
  }
  char zHash[crypto_pwhash_STRBYTES];
  if (auth_password_hash(zPw, zHash)) {
    auth_fail(pCode, pzErr, KP_E_INTERNAL, xasprintf("cannot hash the password"));
    goto done;
  }
  char zNow[32];
  db_now(zNow);
  if (db_begin(pDb)) {
    auth_fail_db(pDb, pCode, pzErr);
    goto done;
  }
  Stmt *s = db_prepare(pDb, "UPDATE users SET password_hash = ?2, password_changed_at = ?3, "
                            "must_change = ?4, failed_logins = 0, locked_until = NULL "
                            "WHERE id = ?1");
  stmt_bind_int(s, 1, u.id);
  stmt_bind_text(s, 2, zHash);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_int(s, 4, bByAdmin ? 1 : 0);
  int r = stmt_run(s);
  stmt_finalize(s);
  if (r == 0) {
    s = db_prepare(pDb, "INSERT INTO password_history(user_id, password_hash, set_at) "
                        "VALUES (?1, ?2, ?3)");
    stmt_bind_int(s, 1, u.id);
    stmt_bind_text(s, 2, zHash);
    stmt_bind_text(s, 3, zNow);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  if (r == 0) {
    /* keep what the history check needs, and nothing older */
    s = db_prepare(pDb, "DELETE FROM password_history WHERE user_id = ?1 AND rowid NOT IN "
                        "(SELECT rowid FROM password_history WHERE user_id = ?1 "
                        "ORDER BY set_at DESC, rowid DESC LIMIT ?2)");
    stmt_bind_int(s, 1, u.id);
    stmt_bind_int(s, 2, nHistory < 1 ? 1 : nHistory);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  if (r == 0) {
    s = db_prepare(pDb, "DELETE FROM session WHERE user_id = ?1");
    stmt_bind_int(s, 1, u.id);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  if (r == 0)
    r = auth_audit_user(pDb, zActor, zIp, bByAdmin ? "password.reset" : "password.change", zName,
                        "ok", json_pack("{s:b}", "was_expired", u.bExpired));
  rc = auth_tx_end(pDb, r, pCode, pzErr);
done:
  arena_free(pArena);
  return rc;
}

/* ---- sessions ------------------------------------------------------------------------- */

void auth_csrf_token(const char *zToken, char *zOut) {
  unsigned char a[32];
  static const char zMsg[] = "kaoping csrf v1";
  auth_sodium_init();
  size_t nKey = strlen(zToken);
  if (nKey > crypto_generichash_KEYBYTES_MAX) nKey = crypto_generichash_KEYBYTES_MAX;
  crypto_generichash(a, sizeof a, (const unsigned char *)zMsg, sizeof zMsg - 1,
                     (const unsigned char *)zToken, nKey);
  sodium_bin2hex(zOut, AUTH_CSRF_CHARS + 1, a, sizeof a);
}

int auth_csrf_check(const char *zToken, const char *zPresented) {
  if (!zToken || !zPresented || strlen(zPresented) != AUTH_CSRF_CHARS) return 0;
  char zWant[AUTH_CSRF_CHARS + 1];
  auth_csrf_token(zToken, zWant);
  return sodium_memcmp(zWant, zPresented, AUTH_CSRF_CHARS) == 0;
}

int auth_session_open(Db *pDb, int64_t idUser, const char *zIp, const char *zUserAgent,
                      AuthLogin *pOut) {
  unsigned char aTok[32];
  char zHash[65], zNow[32], zIdle[32], zAbs[32];
  auth_sodium_init();
  randombytes_buf(aTok, sizeof aTok);
  sodium_bin2base64(pOut->zToken, sizeof pOut->zToken, aTok, sizeof aTok,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(aTok, sizeof aTok);
  auth_sha256_hex(pOut->zToken, strlen(pOut->zToken), zHash);
  auth_csrf_token(pOut->zToken, pOut->zCsrf);
  int64_t now = auth_now();
  auth_time_fmt(now, zNow);
  auth_time_fmt(now - auth_setting(pDb, "session_idle_seconds"), zIdle);
  auth_time_fmt(now - auth_setting(pDb, "session_absolute_seconds"), zAbs);
  char *zUa = zUserAgent ? xstrndup(zUserAgent, strnlen(zUserAgent, 200)) : NULL;
  if (zUa && text_utf8_invalid_at(zUa, strlen(zUa)) != strlen(zUa)) {
    free(zUa);
    zUa = NULL;
  }
  if (db_begin(pDb)) {
    free(zUa);
    return -1;
  }
  /* sweep sessions that can no longer be used, of every account */
  Stmt *s = db_prepare(pDb, "DELETE FROM session WHERE last_seen_at < ?1 OR created_at < ?2");
  stmt_bind_text(s, 1, zIdle);
  stmt_bind_text(s, 2, zAbs);
  int r = stmt_run(s);
  stmt_finalize(s);
  if (r == 0) {
    s = db_prepare(pDb, "INSERT INTO session(token_hash, user_id, created_at, last_seen_at, "
                        "ip, user_agent) VALUES (?1, ?2, ?3, ?3, ?4, ?5)");
    stmt_bind_text(s, 1, zHash);
    stmt_bind_int(s, 2, idUser);
    stmt_bind_text(s, 3, zNow);
    stmt_bind_text(s, 4, zIp);
    stmt_bind_text(s, 5, zUa);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  free(zUa);
  if (r) {
    db_rollback(pDb);
    return -1;
  }
  return db_commit(pDb);
}

/* Login names as recorded in login_attempt: lower-cased, control characters replaced,
** at most 64 bytes. */
static void auth_name_key(const char *zIn, char *zOut) {
  size_t i = 0;
  for (; zIn && zIn[i] && i < 64; i++) {
    unsigned char c = (unsigned char)zIn[i];
    zOut[i] = (c < 0x20 || c == 0x7f || c >= 0x80) ? '?' : (char)tolower(c);
  }
  zOut[i] = 0;
}

static int64_t auth_count_failures(Db *pDb, int bByIp, const char *zKey, const char *zSince) {
  Stmt *s;
  if (bByIp) {
    s = db_prepare(pDb, "SELECT count(*) FROM login_attempt WHERE ip = ?1 AND at >= ?2 "
                        "AND outcome <> 'ok'");
  } else {
    s = db_prepare(pDb, "SELECT count(*) FROM login_attempt WHERE name = ?1 AND at >= ?2 "
                        "AND outcome IN ('bad_password','unknown_user','locked')");
  }
  stmt_bind_text(s, 1, zKey);
  stmt_bind_text(s, 2, zSince);
  int64_t n = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  return n;
}

/* Records the attempt and its audit record; 0 or -1 (the caller rolls back). Runs inside
** the caller's transaction. */
static int auth_login_record(Db *pDb, const char *zEvent, const char *zKey, const char *zIp,
                             const char *zOutcome, const char *zAuditOutcome, json_t *pDetail) {
  char zNow[32];
  db_now(zNow);
  Stmt *s = db_prepare(pDb, "INSERT INTO login_attempt(at, name, ip, outcome) "
                            "VALUES (?1, ?2, ?3, ?4)");
  stmt_bind_text(s, 1, zNow);
  stmt_bind_text(s, 2, zKey);
  stmt_bind_text(s, 3, zIp);
  stmt_bind_text(s, 4, zOutcome);
  int r = stmt_run(s);
  stmt_finalize(s);
  if (r) return -1;
  json_t *d = pDetail ? pDetail : json_object();
  json_object_set_new(d, "result", json_string(zOutcome));
  char *zObj = xasprintf("user:%s", zKey);
  r = audit_record(pDb, zKey[0] ? zKey : "-", zIp, zEvent, zObj, zAuditOutcome, d);
  free(zObj);
  if (!pDetail) json_decref(d);
  return r;
}

/* Creates the token between the two login steps (stored as its SHA-256, like sessions)
** inside the caller's transaction. zOut >= AUTH_TOKEN_CHARS+1. 0 or -1. */
static int auth_pending_open(Db *pDb, int64_t idUser, const char *zIp, char *zOut) {
  unsigned char aTok[32];
  char zHash[65], zNow[32], zOld[32];
  randombytes_buf(aTok, sizeof aTok);
  sodium_bin2base64(zOut, AUTH_TOKEN_CHARS + 1, aTok, sizeof aTok,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(aTok, sizeof aTok);
  auth_sha256_hex(zOut, strlen(zOut), zHash);
  int64_t now = auth_now();
  auth_time_fmt(now, zNow);
  auth_time_fmt(now - AUTH_PENDING_SECONDS, zOld);
  Stmt *s = db_prepare(pDb, "DELETE FROM login_pending WHERE created_at < ?1 OR user_id = ?2");
  stmt_bind_text(s, 1, zOld);
  stmt_bind_int(s, 2, idUser);
  int r = stmt_run(s);
  stmt_finalize(s);
  if (r) return -1;
  s = db_prepare(pDb, "INSERT INTO login_pending(token_hash, user_id, created_at, ip) "
                      "VALUES (?1, ?2, ?3, ?4)");
  stmt_bind_text(s, 1, zHash);
  stmt_bind_int(s, 2, idUser);
  stmt_bind_text(s, 3, zNow);
  stmt_bind_text(s, 4, zIp);
  r = stmt_run(s);
  stmt_finalize(s);
  return r;
}

/* The body of auth_login and auth_verify_current: bSession = open a session on success;
** zEvent = the audit event of the attempt. */
static int auth_authenticate(Db *pDb, const char *zName, const char *zPw, const char *zIp,
                             const char *zUserAgent, AuthLogin *pOut, int bSession,
                             const char *zEvent) {
  memset(pOut, 0, sizeof *pOut);
  char zKey[65];
  auth_name_key(zName, zKey);
  int64_t now = auth_now();
  int64_t nLockSecs = auth_setting(pDb, "lockout_seconds");
  int64_t nThreshold = auth_setting(pDb, "lockout_threshold");
  char zSince[32];
  auth_time_fmt(now - nLockSecs, zSince);
  if (!zPw || strlen(zPw) > AUTH_PASSWORD_MAX_BYTES) zPw = "";

  /* Throttle an address that fails too often, whatever the names it tries. */
  if (zIp && auth_count_failures(pDb, 1, zIp, zSince) >= auth_setting(pDb, "login_ip_max_failures")) {
    if (db_begin(pDb)) return AUTH_INTERNAL;
    if (auth_login_record(pDb, zEvent, zKey, zIp, "ip_throttled", "denied", NULL)) {
      db_rollback(pDb);
      return AUTH_INTERNAL;
    }
    if (db_commit(pDb)) return AUTH_INTERNAL;
    pOut->nRetryAfter = (int)nLockSecs;
    return AUTH_THROTTLED;
  }

  /* Read the account, and verify the password outside any write transaction. */
  int64_t idUser = 0, nFailed = 0, tLockedUntil = -1;
  int bFound = 0, bDisabled = 0, bOk = 0, bRehash = 0;
  if (auth_name_valid(zKey)) {
    Stmt *s = db_prepare(pDb, "SELECT id, password_hash, disabled, failed_logins, locked_until "
                              "FROM users WHERE name = ?1");
    stmt_bind_text(s, 1, zKey);
    if (stmt_step(s) == 1) {
      bFound = 1;
      idUser = stmt_int(s, 0);
      char *zHash = xstrdup(stmt_text(s, 1));
      bDisabled = stmt_int(s, 2) != 0;
      nFailed = stmt_int(s, 3);
      tLockedUntil = auth_time_parse(stmt_text(s, 4));
      stmt_finalize(s);
      s = NULL;
      if (tLockedUntil > now) {
        auth_dummy_verify(zPw); /* same cost as a real attempt */
      } else {
        bOk = auth_password_verify(zHash, zPw);
        if (bOk) {
          bRehash = crypto_pwhash_str_needs_rehash(zHash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                   crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
        }
      }
      free(zHash);
    }
    stmt_finalize(s);
  }
  if (!bFound) auth_dummy_verify(zPw);

  /* Right password: may the account sign in from here (admin_networks), and does it need
  ** a second step? Only for logins (bSession), not for the re-check before a change. */
  int bNetDenied = 0, bTotp = 0;
  if (bFound && bOk && !bDisabled && bSession) {
    if (auth_roles_of(pDb, idUser) & ROLE_ADMIN_MASK) {
      char *zNets = auth_setting_text(pDb, "admin_networks");
      if (zNets[0] && (!zIp || auth_cidr_match(zNets, zIp) != 1)) bNetDenied = 1;
      free(zNets);
    }
    bTotp = auth_totp_enrolled(pDb, idUser);
  }

  if (db_begin(pDb)) return AUTH_INTERNAL;
  int rc;
  char zNow[32];
  auth_time_fmt(now, zNow);
  if (!bFound) {
    /* Unknown names lock like real ones, so that lockout does not reveal which exist. */
    if (auth_count_failures(pDb, 0, zKey, zSince) >= nThreshold) {
      rc = AUTH_LOCKED;
      pOut->nRetryAfter = (int)nLockSecs;
      if (auth_login_record(pDb, zEvent, zKey, zIp, "locked", "denied", NULL)) goto fail;
    } else {
      rc = AUTH_BAD_CREDENTIALS;
      if (auth_login_record(pDb, zEvent, zKey, zIp, "unknown_user", "failed", NULL)) goto fail;
    }
  } else if (tLockedUntil > now) {
    rc = AUTH_LOCKED;
    pOut->nRetryAfter = (int)(tLockedUntil - now);
    if (auth_login_record(pDb, zEvent, zKey, zIp, "locked", "denied", NULL)) goto fail;
  } else if (!bOk) {
    rc = AUTH_BAD_CREDENTIALS;
    nFailed++;
    int bLockNow = nFailed >= nThreshold;
    char zUntil[32];
    auth_time_fmt(now + nLockSecs, zUntil);
    Stmt *s = db_prepare(pDb, "UPDATE users SET failed_logins = ?2, locked_until = ?3 "
                              "WHERE id = ?1");
    stmt_bind_int(s, 1, idUser);
    stmt_bind_int(s, 2, bLockNow ? 0 : nFailed);
    stmt_bind_text(s, 3, bLockNow ? zUntil : NULL);
    int r = stmt_run(s);
    stmt_finalize(s);
    if (r) goto fail;
    json_t *d = json_pack("{s:I}", "failed_logins", (json_int_t)nFailed);
    r = auth_login_record(pDb, zEvent, zKey, zIp, "bad_password", "failed", d);
    json_decref(d);
    if (r) goto fail;
    if (bLockNow) {
      /* a locked account keeps no live session (matters for auth_verify_current) */
      s = db_prepare(pDb, "DELETE FROM session WHERE user_id = ?1");
      stmt_bind_int(s, 1, idUser);
      r = stmt_run(s);
      stmt_finalize(s);
      if (r) goto fail;
      char *zObj = xasprintf("user:%s", zKey);
      d = json_pack("{s:s, s:I}", "locked_until", zUntil, "failed_logins", (json_int_t)nFailed);
      r = audit_record(pDb, "-", zIp, "account.lockout", zObj, "ok", d);
      json_decref(d);
      free(zObj);
      if (r) goto fail;
    }
  } else if (bDisabled) {
    rc = AUTH_DISABLED;
    if (auth_login_record(pDb, zEvent, zKey, zIp, "disabled", "denied", NULL)) goto fail;
  } else if (bNetDenied) {
    /* login_attempt has no outcome for this: "disabled" (counts against the address) */
    rc = AUTH_NETWORK;
    json_t *d = json_pack("{s:s}", "reason", "address outside admin_networks");
    int r = auth_login_record(pDb, zEvent, zKey, zIp, "disabled", "denied", d);
    json_decref(d);
    if (r) goto fail;
  } else if (bTotp) {
    /* First step done. failed_logins is NOT reset here: only a right code resets it, so
    ** re-entering the password does not restart the count of wrong codes. */
    rc = AUTH_OK;
    pOut->bTotpRequired = 1;
    if (auth_pending_open(pDb, idUser, zIp, pOut->zPending)) goto fail;
    json_t *d = json_pack("{s:s}", "step", "password; one-time code required");
    int r = auth_login_record(pDb, zEvent, zKey, zIp, "ok", "ok", d);
    json_decref(d);
    if (r) goto fail;
  } else {
    rc = AUTH_OK;
    Stmt *s = db_prepare(pDb, "UPDATE users SET failed_logins = 0, locked_until = NULL, "
                              "last_login_at = ?2 WHERE id = ?1");
    stmt_bind_int(s, 1, idUser);
    stmt_bind_text(s, 2, zNow);
    int r = stmt_run(s);
    stmt_finalize(s);
    if (r) goto fail;
    if (bRehash) {
      char zHash[crypto_pwhash_STRBYTES];
      if (auth_password_hash(zPw, zHash) == 0) {
        s = db_prepare(pDb, "UPDATE users SET password_hash = ?2 WHERE id = ?1");
        stmt_bind_int(s, 1, idUser);
        stmt_bind_text(s, 2, zHash);
        r = stmt_run(s);
        stmt_finalize(s);
        if (r) goto fail;
      }
    }
    if (bSession && auth_session_open(pDb, idUser, zIp, zUserAgent, pOut)) goto fail;
    if (auth_login_record(pDb, zEvent, zKey, zIp, "ok", "ok", NULL)) goto fail;
  }
  if (db_commit(pDb)) {
    memset(pOut->zToken, 0, sizeof pOut->zToken);
    memset(pOut->zPending, 0, sizeof pOut->zPending);
    return AUTH_INTERNAL;
  }
  if (rc == AUTH_OK && !pOut->bTotpRequired) {
    Arena *pArena = arena_new();
    AuthUser u;
    if (auth_user_load_id(pDb, pArena, idUser, &u) == 0) {
      pOut->bMustChange = u.bPasswordChange;
      pOut->bTotpEnrol = u.bTotpEnrol;
      pOut->bExpired = u.bExpired;
    }
    arena_free(pArena);
  }
  return rc;
fail:
  db_rollback(pDb);
  memset(pOut->zToken, 0, sizeof pOut->zToken);
  memset(pOut->zPending, 0, sizeof pOut->zPending);
  pOut->bTotpRequired = 0;
  return AUTH_INTERNAL;
}

int auth_login(Db *pDb, const char *zName, const char *zPw, const char *zIp,
               const char *zUserAgent, AuthLogin *pOut) {
  return auth_authenticate(pDb, zName, zPw, zIp, zUserAgent, pOut, 1, "login");
}

int auth_verify_current(Db *pDb, const char *zName, const char *zPw, const char *zIp) {
  AuthLogin lg;
  int rc = auth_authenticate(pDb, zName, zPw, zIp, NULL, &lg, 0, "password.verify");
  if (rc == AUTH_DISABLED || rc == AUTH_THROTTLED) rc = AUTH_BAD_CREDENTIALS;
  return rc;
}

int auth_session_load(Db *pDb, Arena *pArena, const char *zToken, const char *zIp,
                      AuthUser *pUser, char *zCsrf) {
  if (!zToken || strlen(zToken) != AUTH_TOKEN_CHARS) return AUTH_NO_SESSION;
  char zHash[65];
  auth_sha256_hex(zToken, strlen(zToken), zHash);
  /* the reads below (session, settings, account, roles) in one snapshot; ended before
  ** any write */
  int bSnap = db_read_begin(pDb);
  Stmt *s = db_prepare(pDb, "SELECT user_id, created_at, last_seen_at FROM session "
                            "WHERE token_hash = ?1");
  stmt_bind_text(s, 1, zHash);
  if (stmt_step(s) != 1) {
    stmt_finalize(s);
    db_read_end(pDb, bSnap);
    return AUTH_NO_SESSION;
  }
  int64_t idUser = stmt_int(s, 0);
  int64_t tCreated = auth_time_parse(stmt_text(s, 1));
  int64_t tSeen = auth_time_parse(stmt_text(s, 2));
  stmt_finalize(s);
  int64_t now = auth_now();
  int64_t nIdle = auth_setting(pDb, "session_idle_seconds");
  int64_t nAbs = auth_setting(pDb, "session_absolute_seconds");
  int bIdle = tSeen < 0 || now - tSeen >= nIdle;
  int bAbs = tCreated < 0 || now - tCreated >= nAbs;
  int bBad = auth_user_load_id(pDb, pArena, idUser, pUser) || pUser->bDisabled || bIdle || bAbs;
  db_read_end(pDb, bSnap);
  if (bBad) {
    /* dead: remove it, and say why in the audit log (best effort: a read must not fail
    ** because the audit log is busy, and nothing is granted) */
    if (db_begin(pDb) == 0) {
      s = db_prepare(pDb, "DELETE FROM session WHERE token_hash = ?1");
      stmt_bind_text(s, 1, zHash);
      int r = stmt_run(s);
      stmt_finalize(s);
      if (r == 0 && (bIdle || bAbs) && pUser->zName) {
        json_t *d = json_pack("{s:s}", "limit", bAbs ? "absolute" : "idle");
        char *zObj = xasprintf("user:%s", pUser->zName);
        r = audit_record(pDb, pUser->zName, zIp, "session.expired", zObj, "ok", d);
        free(zObj);
        json_decref(d);
      }
      if (r) db_rollback(pDb);
      else db_commit(pDb);
    }
    int bExpired = (bIdle || bAbs) && pUser->zName && !pUser->bDisabled;
    memset(pUser, 0, sizeof *pUser);
    return bExpired ? AUTH_EXPIRED : AUTH_NO_SESSION;
  }
  /* The idle clock is refreshed at most every 1/30 of the idle limit (60 s for the
  ** default 30 minutes, every second for limits under a minute): a write per request would
  ** serialise every reader on SQLite's write lock (bench/http). A session therefore ends
  ** at most that much before the idle limit after its last request, never after it. */
  int64_t nTouch = nIdle / 30 > 60 ? 60 : nIdle / 30 < 1 ? 1 : nIdle / 30;
  if (now - tSeen >= nTouch) {
    char zNow[32];
    auth_time_fmt(now, zNow);
    /* in a transaction of its own: db_begin ends a read snapshot the router may hold */
    if (db_begin(pDb) == 0) {
      s = db_prepare(pDb, "UPDATE session SET last_seen_at = ?2 WHERE token_hash = ?1");
      stmt_bind_text(s, 1, zHash);
      stmt_bind_text(s, 2, zNow);
      int rcT = stmt_run(s);
      stmt_finalize(s);
      if (rcT) db_rollback(pDb);
      else (void)db_commit(pDb);
    } /* a busy database only delays the idle clock by one request */
  }
  if (zCsrf) auth_csrf_token(zToken, zCsrf);
  return AUTH_OK;
}

void auth_session_end(Db *pDb, const char *zToken) {
  if (!zToken) return;
  char zHash[65];
  auth_sha256_hex(zToken, strlen(zToken), zHash);
  Stmt *s = db_prepare(pDb, "DELETE FROM session WHERE token_hash = ?1");
  stmt_bind_text(s, 1, zHash);
  (void)stmt_run(s);
  stmt_finalize(s);
}

void auth_session_end_all(Db *pDb, int64_t idUser) {
  Stmt *s = db_prepare(pDb, "DELETE FROM session WHERE user_id = ?1");
  stmt_bind_int(s, 1, idUser);
  (void)stmt_run(s);
  stmt_finalize(s);
}

/* ---- second factor (TOTP) ------------------------------------------------------------- */

/* Wipes and frees a secret string (NULL: nothing). */
static void auth_secret_free(char *z) {
  if (!z) return;
  sodium_memzero(z, strlen(z));
  free(z);
}

/* The key of the secrets at rest (auth.h, seal.h). The key file is read on every use (a few
** hundred bytes, only at enrolment and the second login step), so a restored or rotated
** file takes effect without a restart and no key stays in memory between requests. */
char *auth_totp_key_path(Db *pDb) {
  return keyfile_path(NULL, "KAOPING_TOTP_KEY", db_path(pDb), ".totp-key");
}

/* One sealed secret of the database (id and text, malloc'd), to check a key against. 1 when
** there is one, 0 when none. */
static int auth_totp_sample(Db *pDb, int64_t *pId, char **pzSealed) {
  Stmt *s = db_prepare(pDb, "SELECT id, totp_secret FROM users WHERE totp_secret LIKE 'sb1:%' "
                            "ORDER BY id LIMIT 1");
  int b = stmt_step(s) == 1;
  if (b) {
    *pId = stmt_int(s, 0);
    *pzSealed = xstrdup(stmt_text(s, 1));
  }
  stmt_finalize(s);
  return b;
}

int auth_totp_key(Db *pDb, int bCreate, uint8_t aKey[32], char **pzErr) {
  auth_sodium_init();
  char *zPath = auth_totp_key_path(pDb);
  int64_t idSample = 0;
  char *zSample = NULL;
  int bSealed = auth_totp_sample(pDb, &idSample, &zSample);
  int r = keyfile_read_hex(zPath, aKey, SEAL_KEY_BYTES), eWrite = 0;
  if (r == -1 && bCreate && !bSealed) {
    randombytes_buf(aKey, SEAL_KEY_BYTES);
    if (keyfile_write_hex(zPath, aKey, SEAL_KEY_BYTES, 0600) == 0) {
      fprintf(stderr, "kaoping: created %s, the key that encrypts the TOTP secrets of %s "
                      "(mode 0600; back it up apart from the database)\n", zPath,
              db_path(pDb));
      r = 0;
    } else {
      /* another process may have created it meanwhile: read what is there */
      eWrite = errno;
      r = keyfile_read_hex(zPath, aKey, SEAL_KEY_BYTES);
      if (r) r = -3;
    }
  }
  if (r == 0 && bSealed) {
    char *zPlain = seal_open(aKey, idSample, zSample);
    if (!zPlain) r = -4;
    else {
      sodium_memzero(zPlain, strlen(zPlain));
      free(zPlain);
    }
  }
  free(zSample);
  if (r) {
    sodium_memzero(aKey, SEAL_KEY_BYTES);
    *pzErr = r == -1 ? xasprintf("the TOTP key file %s is missing%s: restore it from its backup "
                                 "(or point KAOPING_TOTP_KEY at it)%s", zPath,
                                 bSealed ? " and the second factors in the database are "
                                           "encrypted under it" : "",
                                 bSealed ? ", or reset every second factor (kaoping user totp "
                                           "reset NAME) and enrol again" : "")
           : r == -3 ? xasprintf("cannot create the TOTP key file %s: %s", zPath,
                                 strerror(eWrite))
           : r == -4 ? xasprintf("the TOTP key file %s does not open the second factors stored "
                                 "in %s (wrong key, or the database was altered): restore the "
                                 "right key file", zPath, db_path(pDb))
                     : xasprintf("the TOTP key file %s is unreadable or malformed (expected "
                                 "one line of 64 hex digits)", zPath);
  }
  free(zPath);
  return r ? -1 : 0;
}

/* The plain secret of an account from its stored text (sealed, or plain from before
** encryption). *pzPlain malloc'd (NULL when the account has none). 0, or -1 with *pzErr
** (the key file is missing or wrong, or the sealed text does not open). */
static int auth_totp_unseal(Db *pDb, int64_t idUser, const char *zStored, char **pzPlain,
                            char **pzErr) {
  *pzPlain = NULL;
  if (!zStored) return 0;
  if (!seal_is_sealed(zStored)) {
    *pzPlain = xstrdup(zStored); /* from before encryption: auth_totp_seal_all seals it */
    return 0;
  }
  uint8_t aKey[SEAL_KEY_BYTES];
  if (auth_totp_key(pDb, 0, aKey, pzErr)) return -1;
  *pzPlain = seal_open(aKey, idUser, zStored);
  sodium_memzero(aKey, sizeof aKey);
  if (!*pzPlain) {
    *pzErr = xasprintf("the second factor of account #%" PRId64 " does not open with the key "
                       "file %s (altered in the database?): reset it (kaoping user totp reset)",
                       idUser, db_path(pDb));
    return -1;
  }
  return 0;
}

int auth_totp_seal_all(Db *pDb, const char *zActor, int *pnSealed, char **pzErr) {
  *pnSealed = 0;
  Stmt *s = db_prepare(pDb, "SELECT count(*) FROM users WHERE totp_secret IS NOT NULL");
  int64_t nAny = stmt_step(s) == 1 ? stmt_int(s, 0) : 0;
  stmt_finalize(s);
  if (nAny == 0) return 0;
  uint8_t aKey[SEAL_KEY_BYTES];
  if (auth_totp_key(pDb, 1, aKey, pzErr)) return -1;
  if (db_begin(pDb)) {
    sodium_memzero(aKey, sizeof aKey);
    *pzErr = xasprintf("cannot encrypt the TOTP secrets: %s", db_errmsg(pDb));
    return -1;
  }
  /* sealed first, written after the scan: no UPDATE runs while the SELECT is stepping */
  s = db_prepare(pDb, "SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL "
                      "AND totp_secret NOT LIKE 'sb1:%' ORDER BY id");
  int64_t *aId = NULL;
  char **azSealed = NULL;
  int r, n = 0;
  while ((r = stmt_step(s)) == 1) {
    aId = xrealloc_array(aId, (size_t)n + 1, sizeof *aId);
    azSealed = xrealloc_array(azSealed, (size_t)n + 1, sizeof *azSealed);
    aId[n] = stmt_int(s, 0);
    azSealed[n] = seal_text(aKey, aId[n], stmt_text(s, 1));
    n++;
  }
  stmt_finalize(s);
  sodium_memzero(aKey, sizeof aKey);
  if (r == 0) {
    Stmt *u = db_prepare(pDb, "UPDATE users SET totp_secret = ?2 WHERE id = ?1");
    for (int i = 0; i < n && r == 0; i++) {
      stmt_bind_int(u, 1, aId[i]);
      stmt_bind_text(u, 2, azSealed[i]);
      r = stmt_run(u);
    }
    stmt_finalize(u);
  }
  for (int i = 0; i < n; i++) free(azSealed[i]);
  free(azSealed);
  free(aId);
  if (r == 0 && n > 0) {
    json_t *d = json_pack("{s:i}", "sealed", n);
    r = audit_record(pDb, zActor, NULL, "totp.seal", "users:totp_secret", "ok", d);
    json_decref(d);
  }
  if (r) {
    db_rollback(pDb);
    *pzErr = xasprintf("cannot encrypt the TOTP secrets (nothing changed): %s", db_errmsg(pDb));
    return -1;
  }
  if (db_commit(pDb)) {
    *pzErr = xasprintf("cannot encrypt the TOTP secrets (nothing changed): %s", db_errmsg(pDb));
    return -1;
  }
  *pnSealed = n;
  return 0;
}

int auth_totp_enrolled(Db *pDb, int64_t idUser) {
  Stmt *s = db_prepare(pDb, "SELECT 1 FROM users WHERE id = ?1 AND totp_confirmed = 1 "
                            "AND totp_secret IS NOT NULL");
  stmt_bind_int(s, 1, idUser);
  int b = stmt_step(s) == 1;
  stmt_finalize(s);
  return b;
}

/* Records a second-step outcome in the audit log (and login_attempt) inside a transaction. */
static int auth_totp_record(Db *pDb, const char *zName, const char *zIp, const char *zOutcome,
                            const char *zAuditOutcome, const char *zReason) {
  json_t *d = zReason ? json_pack("{s:s}", "reason", zReason) : NULL;
  int r = auth_login_record(pDb, "login.totp", zName ? zName : "", zIp, zOutcome,
                            zAuditOutcome, d);
  json_decref(d);
  return r;
}

int auth_login_totp(Db *pDb, const char *zPending, const char *zCode, const char *zIp,
                    const char *zUserAgent, AuthLogin *pOut) {
  memset(pOut, 0, sizeof *pOut);
  auth_sodium_init();
  if (!zPending || strlen(zPending) != AUTH_TOKEN_CHARS) return AUTH_BAD_CREDENTIALS;
  char zHash[65];
  auth_sha256_hex(zPending, strlen(zPending), zHash);
  Stmt *s = db_prepare(pDb,
                       "SELECT p.user_id, p.created_at, p.tries, u.name, u.totp_secret, "
                       "u.totp_last_step, u.locked_until, u.failed_logins, u.disabled "
                       "FROM login_pending p JOIN users u ON u.id = p.user_id "
                       "WHERE p.token_hash = ?1 AND u.totp_confirmed = 1");
  stmt_bind_text(s, 1, zHash);
  if (stmt_step(s) != 1) {
    stmt_finalize(s);
    return AUTH_BAD_CREDENTIALS; /* unknown or used: nothing to count it against */
  }
  int64_t idUser = stmt_int(s, 0);
  int64_t tCreated = auth_time_parse(stmt_text(s, 1));
  int64_t nTries = stmt_int(s, 2);
  char zName[65];
  snprintf(zName, sizeof zName, "%s", stmt_text(s, 3));
  char *zStored = xstrdup(stmt_text(s, 4));
  int64_t iLast = stmt_int(s, 5);
  int64_t tLocked = auth_time_parse(stmt_text(s, 6));
  int64_t nFailed = stmt_int(s, 7);
  int bDisabled = stmt_int(s, 8) != 0;
  stmt_finalize(s);
  char *zSecret = NULL, *zKeyErr = NULL;
  int bKeyFail = auth_totp_unseal(pDb, idUser, zStored, &zSecret, &zKeyErr) != 0;
  free(zStored);
  if (bKeyFail) {
    /* fail closed, counting nothing against the account: the fault is the server's */
    fprintf(stderr, "kaoping: second login step of %s refused: %s\n", zName, zKeyErr);
    free(zKeyErr);
    return AUTH_KEY;
  }
  uint8_t aKey[64];
  int nKey = totp_base32_decode(zSecret ? zSecret : "", aKey, sizeof aKey);
  auth_secret_free(zSecret);
  int64_t now = auth_now();
  int bExpired = tCreated < 0 || now - tCreated >= AUTH_PENDING_SECONDS;
  int64_t iStep = (nKey > 0 && !bExpired && tLocked <= now && !bDisabled)
                      ? totp_verify(aKey, (size_t)nKey, zCode, now, iLast)
                      : -1;
  /* a refused code that is right but already used is a replay: audited as such (it still
  ** counts as a failed login, like any wrong code) */
  int bReplay = iStep < 0 && nKey > 0 && totp_verify(aKey, (size_t)nKey, zCode, now, -1) >= 0;
  sodium_memzero(aKey, sizeof aKey);
  int64_t nThreshold = auth_setting(pDb, "lockout_threshold");
  int64_t nLockSecs = auth_setting(pDb, "lockout_seconds");
  char zNow[32];
  auth_time_fmt(now, zNow);

  if (db_begin(pDb)) return AUTH_INTERNAL;
  int rc, r = 0;
  if (bExpired || bDisabled || tLocked > now) {
    /* the pending token dies; nothing counted (the password step already was) */
    s = db_prepare(pDb, "DELETE FROM login_pending WHERE token_hash = ?1");
    stmt_bind_text(s, 1, zHash);
    r = stmt_run(s);
    stmt_finalize(s);
    if (tLocked > now) {
      rc = AUTH_LOCKED;
      pOut->nRetryAfter = (int)(tLocked - now);
      if (r == 0) r = auth_totp_record(pDb, zName, zIp, "locked", "denied", NULL);
    } else {
      rc = bDisabled ? AUTH_DISABLED : AUTH_BAD_CREDENTIALS;
      if (r == 0)
        r = auth_totp_record(pDb, zName, zIp, bDisabled ? "disabled" : "bad_password",
                             bDisabled ? "denied" : "failed",
                             bDisabled ? NULL : "the sign-in step expired");
    }
  } else if (iStep >= 0) {
    /* the conditional update makes a code single-use even between concurrent requests */
    s = db_prepare(pDb, "UPDATE users SET totp_last_step = ?2, failed_logins = 0, "
                        "locked_until = NULL, last_login_at = ?3 "
                        "WHERE id = ?1 AND totp_last_step < ?2");
    stmt_bind_int(s, 1, idUser);
    stmt_bind_int(s, 2, iStep);
    stmt_bind_text(s, 3, zNow);
    r = stmt_run(s);
    stmt_finalize(s);
    if (r == 0 && db_changes(pDb) != 1) iStep = -1; /* replayed meanwhile */
    if (r == 0 && iStep >= 0) {
      s = db_prepare(pDb, "DELETE FROM login_pending WHERE token_hash = ?1");
      stmt_bind_text(s, 1, zHash);
      r = stmt_run(s);
      stmt_finalize(s);
      if (r == 0) r = auth_session_open(pDb, idUser, zIp, zUserAgent, pOut);
      if (r == 0) r = auth_totp_record(pDb, zName, zIp, "ok", "ok", NULL);
    }
    rc = AUTH_OK;
    if (r == 0 && iStep < 0) {
      rc = AUTH_BAD_CREDENTIALS;
      r = auth_totp_record(pDb, zName, zIp, "bad_password", "failed", "code already used");
    }
  } else {
    /* a wrong (or replayed) code: a failed login of the account */
    rc = AUTH_BAD_CREDENTIALS;
    nFailed++;
    nTries++;
    int bLockNow = nFailed >= nThreshold;
    char zUntil[32];
    auth_time_fmt(now + nLockSecs, zUntil);
    s = db_prepare(pDb, "UPDATE users SET failed_logins = ?2, locked_until = ?3 WHERE id = ?1");
    stmt_bind_int(s, 1, idUser);
    stmt_bind_int(s, 2, bLockNow ? 0 : nFailed);
    stmt_bind_text(s, 3, bLockNow ? zUntil : NULL);
    r = stmt_run(s);
    stmt_finalize(s);
    if (r == 0) {
      if (bLockNow || nTries >= AUTH_PENDING_TRIES) {
        s = db_prepare(pDb, "DELETE FROM login_pending WHERE token_hash = ?1");
      } else {
        s = db_prepare(pDb, "UPDATE login_pending SET tries = tries + 1 WHERE token_hash = ?1");
      }
      stmt_bind_text(s, 1, zHash);
      r = stmt_run(s);
      stmt_finalize(s);
    }
    if (r == 0) r = auth_totp_record(pDb, zName, zIp, "bad_password", "failed",
                                     bReplay ? "code already used (replay)"
                                             : "wrong one-time code");
    if (r == 0 && bLockNow)
      r = auth_audit_user(pDb, "-", zIp, "account.lockout", zName, "ok",
                          json_pack("{s:s, s:I}", "locked_until", zUntil, "failed_logins",
                                    (json_int_t)nFailed));
  }
  if (r) {
    db_rollback(pDb);
    memset(pOut->zToken, 0, sizeof pOut->zToken);
    return AUTH_INTERNAL;
  }
  if (db_commit(pDb)) {
    memset(pOut->zToken, 0, sizeof pOut->zToken);
    return AUTH_INTERNAL;
  }
  if (rc == AUTH_OK) {
    Arena *pArena = arena_new();
    AuthUser u;
    if (auth_user_load_id(pDb, pArena, idUser, &u) == 0) {
      pOut->bMustChange = u.bPasswordChange;
      pOut->bTotpEnrol = u.bTotpEnrol;
      pOut->bExpired = u.bExpired;
    }
    arena_free(pArena);
  }
  return rc;
}

/* Seals a plain secret for an account under the key file (created when missing). 0, or -1
** with *pCode (KP_E_INTERNAL) and *pzErr. */
static int auth_totp_seal_one(Db *pDb, int64_t idUser, const char *zPlain, char **pzSealed,
                              int *pCode, char **pzErr) {
  uint8_t aKey[SEAL_KEY_BYTES];
  *pzSealed = NULL;
  if (auth_totp_key(pDb, 1, aKey, pzErr)) {
    *pCode = KP_E_INTERNAL;
    return -1;
  }
  *pzSealed = seal_text(aKey, idUser, zPlain);
  sodium_memzero(aKey, sizeof aKey);
  return 0;
}

/* Runs one audited UPDATE of an account's TOTP columns. zSecret is the text to store
** (sealed, or NULL to remove the factor). */
static int auth_totp_write(Db *pDb, int64_t idUser, const char *zSecret, int bConfirmed,
                           int64_t iLast, const char *zActor, const char *zIp,
                           const char *zEvent, const char *zName, json_t *pDetail) {
  if (db_begin(pDb)) return -1;
  Stmt *s = db_prepare(pDb, "UPDATE users SET totp_secret = ?2, totp_confirmed = ?3, "
                            "totp_last_step = ?4 WHERE id = ?1");
  stmt_bind_int(s, 1, idUser);
  stmt_bind_text(s, 2, zSecret);
  stmt_bind_int(s, 3, bConfirmed);
  stmt_bind_int(s, 4, iLast);
  int r = stmt_run(s);
  stmt_finalize(s);
  if (r == 0) {
    s = db_prepare(pDb, "DELETE FROM login_pending WHERE user_id = ?1");
    stmt_bind_int(s, 1, idUser);
    r = stmt_run(s);
    stmt_finalize(s);
  }
  if (r == 0) {
    char *zObj = xasprintf("user:%s", zName);
    r = audit_record(pDb, zActor, zIp, zEvent, zObj, "ok", pDetail);
    free(zObj);
  }
  if (r) {
    db_rollback(pDb);
    return -1;
  }
  return db_commit(pDb);
}

/* Reads an account's id and TOTP state; *pzSecret is the stored text (sealed, or plain from
** before encryption; malloc'd or NULL). 0 or -1 (no such account). */
static int auth_totp_state(Db *pDb, const char *zName, int64_t *pId, char **pzSecret,
                           int *pbConfirmed) {
  Stmt *s = db_prepare(pDb, "SELECT id, totp_secret, totp_confirmed FROM users WHERE name = ?1");
  stmt_bind_text(s, 1, zName);
  int r = stmt_step(s);
  if (r == 1) {
    *pId = stmt_int(s, 0);
    *pzSecret = stmt_text(s, 1) ? xstrdup(stmt_text(s, 1)) : NULL;
    *pbConfirmed = stmt_int(s, 2) != 0;
  }
  stmt_finalize(s);
  return r == 1 ? 0 : -1;
}

int auth_totp_enrol(Db *pDb, const char *zName, int bConfirmed, const char *zActor,
                    const char *zIp, char **pzBase32, char **pzUri, int *pCode, char **pzErr) {
  int64_t id;
  char *zOld = NULL;
  int bHas = 0;
  *pzBase32 = *pzUri = NULL;
  if (auth_totp_state(pDb, zName, &id, &zOld, &bHas))
    return auth_fail(pCode, pzErr, KP_E_NO_SUCH, xasprintf("no account named %s", zName));
  auth_secret_free(zOld);
  if (bHas)
    return auth_fail(pCode, pzErr, KP_E_STATE,
                     xasprintf("account %s already has a second factor: the security "
                               "administrator resets it first (kaoping user totp reset)",
                               zName));
  auth_sodium_init();
  uint8_t aKey[TOTP_SECRET_BYTES];
  char zB32[TOTP_SECRET_BYTES * 8 / 5 + 2];
  randombytes_buf(aKey, sizeof aKey);
  totp_base32_encode(aKey, sizeof aKey, zB32);
  sodium_memzero(aKey, sizeof aKey);
  char *zSealed = NULL;
  if (auth_totp_seal_one(pDb, id, zB32, &zSealed, pCode, pzErr)) {
    sodium_memzero(zB32, sizeof zB32);
    return -1;
  }
  json_t *d = json_pack("{s:b}", "confirmed", bConfirmed);
  int r = auth_totp_write(pDb, id, zSealed, bConfirmed, -1, zActor, zIp, "totp.enrol", zName, d);
  json_decref(d);
  free(zSealed);
  if (r) {
    sodium_memzero(zB32, sizeof zB32);
    return auth_fail_db(pDb, pCode, pzErr);
  }
  *pzBase32 = xstrdup(zB32);
  *pzUri = totp_uri("kaoping", zName, zB32);
  sodium_memzero(zB32, sizeof zB32);
  return 0;
}

int auth_totp_confirm(Db *pDb, const char *zName, const char *zCode, const char *zActor,
                      const char *zIp, int *pCode, char **pzErr) {
  int64_t id;
  char *zStored = NULL, *zSecret = NULL;
  int bHas = 0;
  if (auth_totp_state(pDb, zName, &id, &zStored, &bHas))
    return auth_fail(pCode, pzErr, KP_E_NO_SUCH, xasprintf("no account named %s", zName));
  if (bHas || !zStored) {
    free(zStored);
    return auth_fail(pCode, pzErr, KP_E_STATE,
                     xasprintf(bHas ? "the second factor is already confirmed"
                                    : "no enrolment to confirm (POST /api/totp/enrol first)"));
  }
  int rKey = auth_totp_unseal(pDb, id, zStored, &zSecret, pzErr);
  free(zStored);
  if (rKey) {
    *pCode = KP_E_INTERNAL;
    return -1;
  }
  uint8_t aKey[64];
  int nKey = totp_base32_decode(zSecret, aKey, sizeof aKey);
  int64_t iStep = nKey > 0 ? totp_verify(aKey, (size_t)nKey, zCode, auth_now(), -1) : -1;
  sodium_memzero(aKey, sizeof aKey);
  if (iStep < 0) {
    auth_secret_free(zSecret);
    (void)auth_audit_user(pDb, zActor, zIp, "totp.confirm", zName, "failed",
                          json_pack("{s:s}", "reason", "wrong code"));
    return auth_fail(pCode, pzErr, KP_E_INVALID,
                     xasprintf("the code does not match: check the device's clock and try "
                               "the next code"));
  }
  /* sealed again with a fresh nonce (and sealed for the first time if it was plain) */
  char *zSealed = NULL;
  int r = auth_totp_seal_one(pDb, id, zSecret, &zSealed, pCode, pzErr);
  auth_secret_free(zSecret);
  if (r) return -1;
  r = auth_totp_write(pDb, id, zSealed, 1, iStep, zActor, zIp, "totp.confirm", zName, NULL);
  free(zSealed);
  return r ? auth_fail_db(pDb, pCode, pzErr) : 0;
}

int auth_totp_reset(Db *pDb, const char *zName, const char *zActor, const char *zIp,
                    int *pCode, char **pzErr) {
  int64_t id;
  char *zSecret = NULL;
  int bHas = 0;
  if (auth_totp_state(pDb, zName, &id, &zSecret, &bHas))
    return auth_fail(pCode, pzErr, KP_E_NO_SUCH, xasprintf("no account named %s", zName));
  json_t *d = json_pack("{s:b, s:b}", "had_secret", zSecret != NULL, "was_confirmed", bHas);
  free(zSecret); /* the stored text: never opened here, so a reset needs no key */
  int r = auth_totp_write(pDb, id, NULL, 0, -1, zActor, zIp, "totp.reset", zName, d);
  json_decref(d);
  return r ? auth_fail_db(pDb, pCode, pzErr) : 0;
}

/* ---- address ranges ---------------------------------------------------------------------- */

/* Parses an address into 16 bytes (IPv4 as IPv4-mapped IPv6); 0 or -1. */
static int auth_ip_parse(const char *z, unsigned char a[16], int *pbV4) {
  struct in_addr v4;
  if (inet_pton(AF_INET, z, &v4) == 1) {
    memset(a, 0, 10);
    a[10] = a[11] = 0xff;
    memcpy(a + 12, &v4, 4);
    *pbV4 = 1;
    return 0;
  }
  if (inet_pton(AF_INET6, z, a) == 1) {
    static const unsigned char aMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    *pbV4 = memcmp(a, aMapped, 12) == 0;
    return 0;
  }
  return -1;
}

/* One range "ADDR/BITS" (or ADDR alone = a single host) into 16 bytes + prefix bits
** counted on the 128-bit form. 0 or -1. */
static int auth_cidr_parse(const char *zRange, size_t n, unsigned char a[16], int *pnBits) {
  char z[64];
  if (n == 0 || n >= sizeof z) return -1;
  memcpy(z, zRange, n);
  z[n] = 0;
  char *zSlash = strchr(z, '/');
  int nBits = -1;
  if (zSlash) {
    *zSlash = 0;
    char *zEnd;
    long v = strtol(zSlash + 1, &zEnd, 10);
    if (!zSlash[1] || *zEnd || v < 0 || v > 128) return -1;
    nBits = (int)v;
  }
  int bV4;
  if (auth_ip_parse(z, a, &bV4)) return -1;
  if (bV4 && !strchr(z, ':')) {
    if (nBits > 32) return -1;
    nBits = nBits < 0 ? 128 : nBits + 96;
  } else if (nBits < 0) {
    nBits = 128;
  }
  *pnBits = nBits;
  return 0;
}

static int auth_prefix_eq(const unsigned char *a, const unsigned char *b, int nBits) {
  int nByte = nBits / 8, nRest = nBits % 8;
  if (memcmp(a, b, (size_t)nByte)) return 0;
  if (nRest == 0) return 1;
  unsigned char m = (unsigned char)(0xff << (8 - nRest));
  return (a[nByte] & m) == (b[nByte] & m);
}

int auth_cidr_match(const char *zList, const char *zIp) {
  unsigned char aIp[16];
  int bV4;
  if (!zList || !zIp || auth_ip_parse(zIp, aIp, &bV4)) return -1;
  const char *p = zList;
  while (*p) {
    while (*p == ',' || *p == ' ') p++;
    if (!*p) break;
    size_t n = strcspn(p, ", ");
    unsigned char aNet[16];
    int nBits;
    if (auth_cidr_parse(p, n, aNet, &nBits)) return -1;
    if (auth_prefix_eq(aIp, aNet, nBits)) return 1;
    p += n;
  }
  return 0;
}

int auth_cidr_list_valid(const char *zList, const char **pzWhy) {
  if (strlen(zList) > 2000) {
    *pzWhy = "admin_networks is too long (at most 2000 characters)";
    return -1;
  }
  if (auth_cidr_match(zList, "::1") < 0) {
    *pzWhy = "admin_networks must be comma-separated CIDR ranges, e.g. "
             "10.20.0.0/16,2001:db8::/32,127.0.0.1";
    return -1;
  }
  return 0;
}
