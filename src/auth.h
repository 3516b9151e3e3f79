/*
** auth.h: accounts, roles and capabilities, passwords, sessions, lockout and the security
** settings (password and session policy). Everything that decides WHO is asking and WHAT
** they may do lives here; the HTTP router (http/router.c) and the command line (user.c)
** only call it.
**
** Roles are the eight of DESIGN.md section 2. Code never tests a role name (STYLE.md R9):
** a user's roles expand once per request into a Caps bitmask, route rows name the
** capability they need, and domain code asks auth_has(). Scope (a reporter sees its own
** unit only) is a capability too: without CAP_ALL_UNITS, data is limited to user.zUnit.
**
** Not here: the audit log (audit.c), the HTTP mechanics of cookies and CSRF headers
** (http/router.c), the CLI verbs (user.c).
*/
#ifndef KP_AUTH_H
#define KP_AUTH_H
#include <stddef.h>
#include <stdint.h>

#include "util/mem.h"

typedef struct Db Db;

/* ---- roles and capabilities ------------------------------------------------------ */

typedef enum {
  ROLE_SYSADMIN = 0, /* 系统管理员: accounts, units, settings; no assessment data */
  ROLE_SECADMIN,     /* 安全管理员: roles, lock/unlock, password and session policy */
  ROLE_AUDITOR,      /* 审计管理员: reads the audit log; nothing else */
  ROLE_ASSESSOR,     /* 绩效办: schemes, periods, targets; compute, publish reviews */
  ROLE_PROVIDER,     /* 数据提供部门: department values for all units */
  ROLE_REPORTER,     /* 单位填报员: own unit only, published rankings */
  ROLE_INSPECTOR,    /* 督查员: inspections and findings */
  ROLE_LEADER,       /* 领导: reads everything, comments, assigns tasks */
  ROLE_COUNT
} Role;

/* Bit i set = role i held. The three administrator roles (三员) are ROLE_ADMIN_MASK. */
#define ROLE_BIT(r) (1u << (r))
#define ROLE_ADMIN_MASK (ROLE_BIT(ROLE_SYSADMIN) | ROLE_BIT(ROLE_SECADMIN) | ROLE_BIT(ROLE_AUDITOR))

typedef uint32_t Caps;
#define CAP_PUBLIC          0u        /* no login needed */
#define CAP_LOGIN           (1u << 0) /* any signed-in account (me, logout, password) */
#define CAP_USER_READ       (1u << 1) /* list accounts */
#define CAP_USER_CREATE     (1u << 2) /* create accounts (without roles) */
#define CAP_ROLE_GRANT      (1u << 3) /* grant and revoke business roles */
#define CAP_USER_UNLOCK     (1u << 4) /* unlock (and lock) accounts */
#define CAP_POLICY          (1u << 5) /* password and session policy settings */
#define CAP_AUDIT_READ      (1u << 6) /* read the audit log */
#define CAP_PERIOD_READ     (1u << 7) /* list periods */
#define CAP_REVIEW_READ     (1u << 8) /* read published reviews */
#define CAP_REVIEW_DRAFT    (1u << 9) /* read computed, unpublished reviews */
#define CAP_ALL_UNITS       (1u << 10) /* not limited to one's own unit */
#define CAP_UNIT_MANAGE     (1u << 11) /* units and peer groups */
#define CAP_SCHEME_MANAGE   (1u << 12) /* schemes, periods, targets */
#define CAP_REVIEW_PUBLISH  (1u << 13) /* compute, publish, annotate reviews */
#define CAP_DATA_DEPARTMENT (1u << 14) /* enter department values (all units) */
#define CAP_DATA_OWN_UNIT   (1u << 15) /* enter own unit's self-reported values */
#define CAP_INSPECT         (1u << 16) /* inspections, findings, rectification checks */
#define CAP_COMMENT         (1u << 17) /* review comments (点评意见), assign tasks */
#define CAP_COUNT           18

const char *auth_role_name(int eRole);          /* "sysadmin" ...; NULL when out of range */
int auth_role_find(const char *zName);          /* Role, or -1 */
Caps auth_role_caps(unsigned mRoles);           /* union of the roles' capabilities */
const char *auth_cap_name(Caps cap);            /* name of a single-bit capability */

/* Checks a role set for separation of duties: at most one of the three administrator roles,
** no administrator role together with a business role, and reporter only with a unit.
** Returns 0, or -1 with a static explanation in *pzWhy. */
int auth_roles_check(unsigned mRoles, const char *zUnit, const char **pzWhy);

/* ---- accounts ---------------------------------------------------------------------- */

typedef struct AuthUser {
  int64_t id;
  char *zName;       /* login name */
  char *zDisplay;    /* display name */
  char *zUnit;       /* bound unit, or NULL */
  unsigned mRoles;   /* ROLE_BIT set */
  Caps caps;         /* from mRoles; CAP_LOGIN always */
  int bMustChange;   /* restricted session: bPasswordChange or bTotpEnrol; only the password
                     ** change, TOTP enrolment, /api/me and logout are allowed */
  int bPasswordChange; /* initial/reset password, or expired: must be changed first */
  int bExpired;      /* the password is older than password_max_age_days */
  int bDisabled;     /* locked by an administrator */
  char *zLockedUntil;/* temporary lockout end, or NULL */
  int nFailed;       /* consecutive failed logins */
  char *zLastLogin;  /* or NULL */
  int bTotpEnrol;    /* must enrol a second factor first (totp_enforce): restricted like
                     ** bMustChange, which is set too */
} AuthUser;

static inline int auth_has(const AuthUser *u, Caps cap) {
  return u && (u->caps & cap) == cap;
}

/* Is zName a valid login name ([a-z][a-z0-9_.-]{1,31})? */
int auth_name_valid(const char *zName);

/* Loads an account by name into *pUser (strings in pArena). 0 found, -1 not found. */
int auth_user_load(Db *pDb, Arena *pArena, const char *zName, AuthUser *pUser);

/* Creates an account with no roles and a password that must be changed at first login.
** zPassword NULL = generate one (written to *pzGenerated, malloc'd, caller frees). The
** password is checked against the policy. zUnit may be NULL. Audited as user.add within
** the same transaction. Returns 0, or -1 with *pzErr (malloc'd), *pCode (a KP_E_* code of
** http/errcode.h: 3xxx usage, 4xxx data) and *pzField (the offending input: "username",
** "display_name", "unit", "password", or NULL). */
int auth_user_add(Db *pDb, const char *zName, const char *zDisplay, const char *zUnit,
                  const char *zPassword, const char *zActor, const char *zIp,
                  char **pzGenerated, int *pCode, const char **pzField, char **pzErr);

/* Replaces the role set of an account (audited as role.set with before/after).
** mGrantable is the set of roles the actor may grant or revoke: every role for the
** server's operator on the command line, the business roles for a secadmin through the
** API. Refused (KP_E_SCOPE) when the change touches a role outside mGrantable, when the
** account already holds one (an administrator account), or when the actor is the account
** itself; refused (KP_E_ROLES) when auth_roles_check fails. Returns 0 or -1 (*pCode,
** *pzErr as above). */
int auth_user_set_roles(Db *pDb, const char *zName, unsigned mRoles, unsigned mGrantable,
                        const char *zActor, const char *zIp, int *pCode, char **pzErr);

/* Administrator lock (disabled = 1, every session ended) and unlock (clears both the
** administrator lock and a lockout after failed logins). Audited. 0 or -1. */
int auth_user_lock(Db *pDb, const char *zName, int bLock, const char *zActor,
                   const char *zIp, int *pCode, char **pzErr);

/* Sets a password. bByAdmin: a reset by an administrator (the account must change it at the
** next login); otherwise the holder's own change (must_change cleared). Checks the policy
** and the history (the last password_history passwords may not be reused). Audited as
** password.reset or password.change. 0 or -1 (*pCode, *pzErr). */
int auth_password_set(Db *pDb, const char *zName, const char *zPassword, int bByAdmin,
                      const char *zActor, const char *zIp, int *pCode, char **pzErr);

/* ---- passwords ----------------------------------------------------------------------- */

typedef struct PwPolicy {
  int nMinLength;  /* characters (UTF-8 code points) */
  int nMinClasses; /* of: lower, upper, digit, other (symbols and non-ASCII); 0 = no rule
                   ** (profile asvs) */
} PwPolicy;

/* Password profiles (text setting password_profile):
**   mlps (default, 等保): >= password_min_length (8) characters, password_min_classes (3) of
**        4 classes, rotation every password_max_age_days (90), last password_history (5)
**        not reused.
**   asvs (OWASP ASVS 5.0 V6): >= password_min_length characters (15 recommended), no
**        composition rule, no forced rotation; the common/breached list check applies in
**        both profiles; history still applies (ASVS does not forbid it). */
const char *auth_password_profile(Db *pDb); /* "mlps" or "asvs" (static string) */

#define AUTH_PASSWORD_MAX_BYTES 1024

/* Pure check of one candidate password (no database): length, classes, valid UTF-8 without
** control characters, not containing the login name, not a common password or a common
** word dressed up with digits, symbols or look-alike letters (Passw0rd!, admin2024).
** Returns 0, or -1 with a message naming the rule in zWhy (nWhy bytes, 160 is enough). */
int auth_password_policy_check(const PwPolicy *p, const char *zUser, const char *zPassword,
                               char *zWhy, size_t nWhy);

/* The policy in force (settings). */
void auth_password_policy(Db *pDb, PwPolicy *p);

/* Argon2id hash (crypto_pwhash_str, interactive limits) into zOut (>= 128 bytes).
** 0 or -1 (out of memory in libsodium). */
int auth_password_hash(const char *zPassword, char *zOut);
/* 1 when zPassword matches zHash, else 0. Constant-time in the comparison. */
int auth_password_verify(const char *zHash, const char *zPassword);

/* A random initial password that satisfies the default policy for the account zUser (NULL:
** any account): 16 characters of four kinds, never containing the login name. zOut >= 17. */
void auth_password_generate(const char *zUser, char *zOut);

/* ---- login and sessions ---------------------------------------------------------------- */

enum {
  AUTH_OK = 0,
  AUTH_BAD_CREDENTIALS = -1, /* unknown user or wrong password (indistinguishable) */
  AUTH_LOCKED = -2,          /* lockout after failed logins; *pnRetry seconds left */
  AUTH_DISABLED = -3,        /* locked by an administrator (right password given) */
  AUTH_THROTTLED = -4,       /* too many failures from this address */
  AUTH_NO_SESSION = -5,      /* no or unknown session cookie */
  AUTH_EXPIRED = -6,         /* session idle or absolute limit passed */
  AUTH_INTERNAL = -7,        /* database or audit failure: nothing was changed */
  AUTH_NETWORK = -8,         /* administrator role signing in from outside admin_networks */
  AUTH_KEY = -9              /* the TOTP key file is missing or does not open the secrets:
                             ** the second factor cannot be checked (fail closed) */
};

#define AUTH_TOKEN_CHARS 43 /* base64url of 32 random bytes, no padding */
#define AUTH_CSRF_CHARS 64  /* hex of 32 bytes */

typedef struct AuthLogin {
  char zToken[AUTH_TOKEN_CHARS + 1]; /* the new session's cookie value */
  char zCsrf[AUTH_CSRF_CHARS + 1];   /* its CSRF token */
  int bMustChange;                   /* the password must be changed first */
  int bTotpEnrol;                    /* a second factor must be enrolled first */
  int bExpired;
  int nRetryAfter;                   /* seconds, with AUTH_LOCKED / AUTH_THROTTLED */
  int bTotpRequired;                 /* password right, second factor needed: no session
                                     ** was opened; zPending is the login_pending token */
  char zPending[AUTH_TOKEN_CHARS + 1];
} AuthLogin;

/* Verifies a name and password and opens a session. Records the attempt (login_attempt),
** counts failures, locks the account after lockout_threshold consecutive failures for
** lockout_seconds, throttles an address after login_ip_max_failures failures in that
** window, and audits the outcome, all in one transaction. Returns AUTH_OK or an AUTH_*
** error. zIp/zUserAgent may be NULL. */
int auth_login(Db *pDb, const char *zName, const char *zPassword, const char *zIp,
               const char *zUserAgent, AuthLogin *pOut);

/* ---- second factor (TOTP, totp.c) and address ranges ---------------------------------

** Which accounts must use a second factor: the administrator roles and the assessor (the
** issue's list). An account that has confirmed a TOTP secret always signs in with two steps,
** whatever its roles; an account of those roles without one may, while the setting
** totp_enforce is 1, only enrol (its session is restricted like a must-change one:
** bTotpEnrol). The secret is never returned after enrolment. */
#define AUTH_TOTP_ROLES (ROLE_ADMIN_MASK | ROLE_BIT(ROLE_ASSESSOR))
#define AUTH_PENDING_SECONDS 300 /* life of the token between the two login steps */
#define AUTH_PENDING_TRIES 5     /* wrong codes per pending token */

/* Second step of a login: zPending from auth_login (AuthLogin.zPending) and a 6-digit
** code. A wrong code counts as a failed login (lockout applies); a code (time step) once
** accepted is never accepted again. On success a session is opened (*pOut as auth_login).
** AUTH_OK, AUTH_BAD_CREDENTIALS (wrong or replayed code, or unknown/expired pending token),
** AUTH_LOCKED, AUTH_KEY (the secret cannot be opened: key file missing or wrong; counted
** against nobody, the detail goes to stderr), AUTH_INTERNAL. Audited as login.totp (a
** replayed code with the reason "code already used (replay)"). */
int auth_login_totp(Db *pDb, const char *zPending, const char *zCode, const char *zIp,
                    const char *zUserAgent, AuthLogin *pOut);

/* Where TOTP secrets are kept. users.totp_secret holds the secret sealed (seal.h:
** crypto_secretbox, random nonce, key derived per account) under a 32-byte master key kept
** in a key file OUTSIDE the database (util/keyfile.h): $KAOPING_TOTP_KEY, else DB.totp-key
** beside the database, mode 0600. Secrets written before encryption existed (plain base32)
** are still read, and are sealed by auth_totp_seal_all (`kaoping init`, `kaoping serve` at
** start). The path of the key file (malloc'd). */
char *auth_totp_key_path(Db *pDb);
/* Loads the master key into aKey. A missing file is created (bCreate) unless the database
** already holds sealed secrets (a lost key is never silently replaced); the key is checked
** against one sealed secret of the database, so a wrong key fails here, not later. 0, or -1
** with *pzErr (malloc'd: names the file, says what is wrong and what to do). */
int auth_totp_key(Db *pDb, int bCreate, uint8_t aKey[32], char **pzErr);
/* Seals every plain (pre-encryption) secret in one transaction, audited as totp.seal with
** the count; creates the key file when needed. A database without secrets needs no key and
** is left alone. *pnSealed = secrets sealed now. 0 or -1 (*pzErr malloc'd). */
int auth_totp_seal_all(Db *pDb, const char *zActor, int *pnSealed, char **pzErr);

/* Starts an enrolment: a new random secret stored unconfirmed (an account with a confirmed
** secret is refused, KP_E_STATE: the security administrator resets it first, so a stolen
** session cannot replace the factor). bConfirmed = 1 (command line, the operator hands the
** secret over) stores it confirmed at once. *pzBase32 and *pzUri are malloc'd. Audited as
** totp.enrol. 0 or -1 (*pCode, *pzErr). */
int auth_totp_enrol(Db *pDb, const char *zName, int bConfirmed, const char *zActor,
                    const char *zIp, char **pzBase32, char **pzUri, int *pCode, char **pzErr);
/* Confirms an unconfirmed enrolment with a current code (audited as totp.confirm).
** 0 or -1 (*pCode: KP_E_STATE nothing to confirm, KP_E_INVALID wrong code). */
int auth_totp_confirm(Db *pDb, const char *zName, const char *zCode, const char *zActor,
                      const char *zIp, int *pCode, char **pzErr);
/* Removes an account's secret (secadmin; audited as totp.reset). 0 or -1. */
int auth_totp_reset(Db *pDb, const char *zName, const char *zActor, const char *zIp,
                    int *pCode, char **pzErr);
/* 1 when the account has a confirmed secret. */
int auth_totp_enrolled(Db *pDb, int64_t idUser);

/* Does address zIp lie in one of the comma-separated CIDR ranges of zList ("10.1.0.0/16,
** ::1/128"; IPv4 and IPv6; an IPv4-mapped IPv6 address matches IPv4 ranges)? 1 yes, 0 no,
** -1 when zList or zIp is malformed. An empty list matches nothing. */
int auth_cidr_match(const char *zList, const char *zIp);
/* Validates a CIDR list; 0 or -1 with a static message in *pzWhy. */
int auth_cidr_list_valid(const char *zList, const char **pzWhy);

/* Verifies the current password of a signed-in account before a change. A wrong password
** counts as a failed login (lockout applies, audited as password.verify), so a stolen
** session cannot be used to guess the password. AUTH_OK, AUTH_BAD_CREDENTIALS, AUTH_LOCKED
** or AUTH_INTERNAL. */
int auth_verify_current(Db *pDb, const char *zName, const char *zPassword, const char *zIp);

/* Opens a session for an already verified account (after a password change: the session
** token is rotated). 0 or -1. */
int auth_session_open(Db *pDb, int64_t idUser, const char *zIp, const char *zUserAgent,
                      AuthLogin *pOut);

/* Resolves a session cookie value: checks the idle and absolute limits (an expired session
** is deleted and audited), refreshes last_seen, loads the account into *pUser (strings in
** pArena) and its CSRF token into zCsrf (>= AUTH_CSRF_CHARS+1, may be NULL). Returns
** AUTH_OK, AUTH_NO_SESSION or AUTH_EXPIRED. A disabled account has no sessions. */
int auth_session_load(Db *pDb, Arena *pArena, const char *zToken, const char *zIp,
                      AuthUser *pUser, char *zCsrf);

/* Ends one session (logout), or all sessions of an account. */
void auth_session_end(Db *pDb, const char *zToken);
void auth_session_end_all(Db *pDb, int64_t idUser);

/* The CSRF token of a session: hex of a BLAKE2b keyed by the session token, so it is
** never stored and cannot be turned back into the token. zOut >= AUTH_CSRF_CHARS+1. */
void auth_csrf_token(const char *zToken, char *zOut);
/* Constant-time check of a presented CSRF token. 1 = valid. */
int auth_csrf_check(const char *zToken, const char *zPresented);

/* ---- settings (R20: declared once, validated from the declaration) ---------------------- */

typedef struct AuthSetting {
  const char *zName;
  int64_t iDefault, iMin, iMax;
  const char *zHelp;
} AuthSetting;

extern const AuthSetting aAuthSetting[];
extern const int nAuthSetting;

/* Text settings (password_profile, admin_networks): declared with a validator. */
typedef struct AuthTextSetting {
  const char *zName;
  const char *zDefault;
  int (*xValid)(const char *zValue, const char **pzWhy);
  const char *zHelp;
} AuthTextSetting;
extern const AuthTextSetting aAuthTextSetting[];
extern const int nAuthTextSetting;
/* The value in force (malloc'd): stored, else the default. */
char *auth_setting_text(Db *pDb, const char *zName);

/* The value in force: the stored one, else the declared default. Aborts on an undeclared
** name (a bug). */
int64_t auth_setting(Db *pDb, const char *zName);
/* Validates and stores a value (audited as setting.set). 0 or -1 with *pzErr (malloc'd). */
int auth_setting_set(Db *pDb, const char *zName, const char *zValue, const char *zActor,
                     const char *zIp, char **pzErr);

/* ---- time ---------------------------------------------------------------------------- */

/* Seconds since the epoch; honours $KAOPING_NOW like db_now(), so tests can move time. */
int64_t auth_now(void);
/* ISO 8601 UTC of t into z (>= 21 bytes). */
void auth_time_fmt(int64_t t, char *z);
/* Parses ISO 8601 UTC ("2021-03-05T09:14:27Z"); -1 when malformed. */
int64_t auth_time_parse(const char *z);

/* Hex SHA-256 of z into zOut (>= 65 bytes). */
void auth_sha256_hex(const void *z, size_t n, char *zOut);

#endif
