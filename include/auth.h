/*
 * auth.h — who is asking: passwords (Argon2id), random tokens stored only
 * as hashes, sessions with idle and absolute limits, and login throttling
 * held in memory only.
 */
#ifndef KB_AUTH_H
#define KB_AUTH_H

#include <stddef.h>
#include <time.h>

#include "store.h"
#include "store_team.h"

#define AUTH_ROLE_ADMIN		0x1
#define AUTH_ROLE_VIEWER	0x2
#define AUTH_ROLE_SENDER	0x4

#define AUTH_HASH_MAX		128	/* an Argon2id string fits */
#define AUTH_TOKEN_LEN		43	/* 32 random bytes, base64url */
#define AUTH_TOKEN_HASH		32
#define AUTH_SESSION_IDLE	(30 * 60)
#define AUTH_SESSION_MAX	(12 * 60 * 60)
#define AUTH_PASSWORD_MIN	12

/* "admin" -> AUTH_ROLE_ADMIN; 0 when unknown. */
int	 auth_role_parse(const char *name);
const char *auth_role_name(int role);

/* 0 when pw is 12 to 1024 characters; else -1 with err filled. */
int	 auth_password_acceptable(const char *pw, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/* An Argon2id string for pw in out (AUTH_HASH_MAX bytes); -1 on failure. */
int	 auth_password_hash(const char *pw, char *out)
	    __attribute__((warn_unused_result));
/*
 * 0 when pw matches hash.  With hash NULL it spends the same time on a
 * dummy hash and returns -1, so a missing user cannot be told by timing.
 */
int	 auth_password_check(const char *hash, const char *pw)
	    __attribute__((warn_unused_result));

/* A new random token (AUTH_TOKEN_LEN + 1 bytes with NUL). */
void	 auth_token_new(char *out);
/* The hash a token is stored under. */
void	 auth_token_hash(const char *token, unsigned char *out);
/* Constant-time equality of two strings. */
int	 auth_equal(const char *a, const char *b);

/*
 * Checks a session token: known, under 30 minutes idle and 12 hours old.
 * Returns 1 with *out filled (and the session's last use updated), 0 when
 * it is not (an expired one is deleted), -1 on a database error.
 */
int	 auth_session_check(struct store *st, const char *token,
	    time_t now, struct store_session *out)
	    __attribute__((warn_unused_result));
/* Makes a session for user; token gets the cookie value.  0 or -1. */
int	 auth_session_new(struct store *st, const char *user, time_t now,
	    char *token, char *csrf) __attribute__((warn_unused_result));

/*
 * Failed logins per account from an address, and per address, in memory
 * only: five wrong passwords slow that account down from that address
 * (for 15 minutes), never for everyone; twenty slow the address down.
 */
struct auth_throttle;
struct auth_throttle *auth_throttle_new(void);
void	 auth_throttle_free(struct auth_throttle *t);
/* Seconds until another try is allowed; 0 when allowed now. */
unsigned auth_throttle_wait(struct auth_throttle *t, const char *account,
	    const char *addr, time_t now);
/*
 * The same, but a try allowed now counts against the limits at once, so
 * concurrent tries cannot pass together; end it with _fail or _success.
 */
unsigned auth_throttle_reserve(struct auth_throttle *t, const char *account,
	    const char *addr, time_t now);
void	 auth_throttle_fail(struct auth_throttle *t, const char *account,
	    const char *addr, time_t now);
void	 auth_throttle_success(struct auth_throttle *t, const char *account,
	    const char *addr, time_t now);
/* Gives a reserved try back unjudged (the check could not run). */
void	 auth_throttle_cancel(struct auth_throttle *t, const char *account,
	    const char *addr, time_t now);

#endif
