/*
 * auth.c — passwords, tokens, sessions and login throttling.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"
#include "store_team.h"
#include "util.h"

/*
 * Argon2id at 2 passes over 19 MiB: the OWASP minimum, and small enough
 * that the server stays lean.  One hash at a time, so logins can never
 * take every server thread from the respondents.
 */
#define AUTH_OPSLIMIT		2
#define AUTH_MEMLIMIT		(19u * 1024 * 1024)
#define THROTTLE_WINDOW		(15 * 60)
#define THROTTLE_ACCOUNT	5
#define THROTTLE_ADDRESS	20
#define THROTTLE_SLOTS		4096
#define THROTTLE_PROBE		8

static pthread_mutex_t hash_mtx = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	const char	*name;
	int		 role;
} roles[] = {
	{ "admin", AUTH_ROLE_ADMIN },
	{ "viewer", AUTH_ROLE_VIEWER },
	{ "sender", AUTH_ROLE_SENDER },
};

int
auth_role_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < KB_NELEM(roles); i++)
		if (strcmp(roles[i].name, name) == 0)
			return roles[i].role;
	return 0;
}

const char *
auth_role_name(int role)
{
	size_t i;

	for (i = 0; i < KB_NELEM(roles); i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "none";
}

int
auth_password_acceptable(const char *pw, char *err, size_t errlen)
{
	long n = utf8_length(pw, strlen(pw));

	if (n < 0) {
		snprintf(err, errlen, "the password is not valid UTF-8");
		return -1;
	}
	if (n < AUTH_PASSWORD_MIN) {
		snprintf(err, errlen, "the password needs at least %d "
		    "characters", AUTH_PASSWORD_MIN);
		return -1;
	}
	if (n > 1024) {
		snprintf(err, errlen, "the password is longer than 1024 "
		    "characters");
		return -1;
	}
	return 0;
}

int
auth_password_hash(const char *pw, char *out)
{
	int rc;

	pthread_mutex_lock(&hash_mtx);
	rc = crypto_pwhash_str_alg(out, pw, strlen(pw), AUTH_OPSLIMIT,
	    AUTH_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13);
	pthread_mutex_unlock(&hash_mtx);
	return rc == 0 ? 0 : -1;
}

int
auth_password_check(const char *hash, const char *pw)
{
	static char dummy[crypto_pwhash_STRBYTES];
	int rc;

	pthread_mutex_lock(&hash_mtx);
	if (hash == NULL) {
		if (dummy[0] == '\0' && crypto_pwhash_str_alg(dummy,
		    "klankbord-dummy", 15, AUTH_OPSLIMIT, AUTH_MEMLIMIT,
		    crypto_pwhash_ALG_ARGON2ID13) != 0)
			dummy[0] = '\0';
		/* The answer is always no; only the time spent matters. */
		rc = crypto_pwhash_str_verify(dummy, pw, strlen(pw));
		rc = -1;
	} else {
		rc = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ?
		    0 : -1;
	}
	pthread_mutex_unlock(&hash_mtx);
	return rc;
}

void
auth_token_new(char *out)
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, AUTH_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void
auth_token_hash(const char *token, unsigned char *out)
{
	crypto_generichash(out, AUTH_TOKEN_HASH, (const unsigned char *)token,
	    strlen(token), NULL, 0);
}

int
auth_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return sodium_memcmp(a, b, la) == 0;
}

int
auth_session_check(struct store *st, const char *token, time_t now,
    struct store_session *out)
{
	unsigned char h[AUTH_TOKEN_HASH];
	int rc;

	if (token == NULL || strlen(token) != AUTH_TOKEN_LEN)
		return 0;
	auth_token_hash(token, h);
	rc = store_session_find(st, h, sizeof(h), out);
	if (rc != 1)
		return rc;
	if (now - out->seen > AUTH_SESSION_IDLE ||
	    now - out->created > AUTH_SESSION_MAX) {
		(void)store_session_delete(st, h, sizeof(h));
		return 0;
	}
	/* Written at most once a minute: reading pages stays cheap. */
	if (now - out->seen >= 60)
		(void)store_session_touch(st, h, sizeof(h), now);
	return 1;
}

int
auth_session_new(struct store *st, const char *user, time_t now, char *token,
    char *csrf)
{
	unsigned char h[AUTH_TOKEN_HASH];

	(void)store_session_purge(st, now - AUTH_SESSION_MAX,
	    now - AUTH_SESSION_IDLE);
	auth_token_new(token);
	auth_token_new(csrf);
	auth_token_hash(token, h);
	return store_session_add(st, h, sizeof(h), user, csrf, now);
}

struct throttle_slot {
	uint64_t	key;
	unsigned	fails;
	unsigned	pending;	/* tries reserved, not yet judged */
	time_t		since;
};

struct auth_throttle {
	pthread_mutex_t		mtx;
	unsigned char		secret[crypto_shorthash_KEYBYTES];
	struct throttle_slot	slots[THROTTLE_SLOTS];
};

struct auth_throttle *
auth_throttle_new(void)
{
	struct auth_throttle *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->mtx, NULL);
	crypto_shorthash_keygen(t->secret);
	return t;
}

void
auth_throttle_free(struct auth_throttle *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->mtx);
	free(t);
}

/* Keyed hashes: neither names nor addresses sit in memory in clear. */
static uint64_t
throttle_key(struct auth_throttle *t, char kind, const char *s)
{
	unsigned char h[crypto_shorthash_BYTES];
	struct buf b;
	uint64_t k;

	buf_init(&b, 4096);
	buf_putc(&b, kind);
	buf_puts(&b, s);
	crypto_shorthash(h, (const unsigned char *)buf_cstr(&b), b.len,
	    t->secret);
	buf_free(&b);
	memcpy(&k, h, sizeof(k));
	return k | 1;
}

/*
 * The slot of key among THROTTLE_PROBE neighbours.  A new key takes a free
 * or expired slot, and only when all of them are live, the oldest: failures
 * under other names cannot wipe an address's count.
 */
static struct throttle_slot *
throttle_slot(struct auth_throttle *t, uint64_t k, time_t now, int create)
{
	struct throttle_slot *s, *pick = NULL;
	int pick_free = 0;
	size_t i;

	for (i = 0; i < THROTTLE_PROBE; i++) {
		s = &t->slots[(k + i) % THROTTLE_SLOTS];
		if (s->key == k) {
			if (now - s->since < THROTTLE_WINDOW)
				return s;
			pick = s;	/* its own expired slot */
			pick_free = 1;
			break;
		}
		if (s->key == 0 || now - s->since >= THROTTLE_WINDOW) {
			if (!pick_free) {
				pick = s;
				pick_free = 1;
			}
		} else if (!pick_free && (pick == NULL ||
		    s->since < pick->since)) {
			pick = s;
		}
	}
	if (!create)
		return NULL;
	pick->key = k;
	pick->fails = 0;
	pick->pending = 0;
	pick->since = now;
	return pick;
}

/* The key of an account tried from an address. */
static uint64_t
pair_key(struct auth_throttle *t, const char *account, const char *addr)
{
	char both[512];

	snprintf(both, sizeof(both), "%s\n%s", addr, account);
	return throttle_key(t, 'p', both);
}

static unsigned
left(const struct throttle_slot *s, time_t now)
{
	return (unsigned)(THROTTLE_WINDOW - (now - s->since));
}

/* Seconds to wait; with reserve, a try allowed now is counted pending. */
static unsigned
throttle_check(struct auth_throttle *t, const char *account, const char *addr,
    time_t now, int reserve)
{
	struct throttle_slot *a, *b;
	unsigned wait = 0;

	pthread_mutex_lock(&t->mtx);
	a = throttle_slot(t, pair_key(t, account, addr), now, reserve);
	b = throttle_slot(t, throttle_key(t, 'a', addr), now, reserve);
	if (a != NULL && a->fails + a->pending >= THROTTLE_ACCOUNT)
		wait = left(a, now);
	if (b != NULL && b->fails + b->pending >= THROTTLE_ADDRESS &&
	    left(b, now) > wait)
		wait = left(b, now);
	if (wait == 0 && reserve) {
		a->pending++;
		b->pending++;
	}
	pthread_mutex_unlock(&t->mtx);
	return wait;
}

unsigned
auth_throttle_wait(struct auth_throttle *t, const char *account,
    const char *addr, time_t now)
{
	return throttle_check(t, account, addr, now, 0);
}

unsigned
auth_throttle_reserve(struct auth_throttle *t, const char *account,
    const char *addr, time_t now)
{
	return throttle_check(t, account, addr, now, 1);
}

static void
release(struct throttle_slot *s)
{
	if (s->pending > 0)
		s->pending--;
}

void
auth_throttle_fail(struct auth_throttle *t, const char *account,
    const char *addr, time_t now)
{
	struct throttle_slot *s;

	pthread_mutex_lock(&t->mtx);
	s = throttle_slot(t, pair_key(t, account, addr), now, 1);
	release(s);
	s->fails++;
	s = throttle_slot(t, throttle_key(t, 'a', addr), now, 1);
	release(s);
	s->fails++;
	pthread_mutex_unlock(&t->mtx);
}

void
auth_throttle_success(struct auth_throttle *t, const char *account,
    const char *addr, time_t now)
{
	struct throttle_slot *s;

	pthread_mutex_lock(&t->mtx);
	s = throttle_slot(t, pair_key(t, account, addr), now, 0);
	if (s != NULL) {
		release(s);
		s->fails = 0;
	}
	s = throttle_slot(t, throttle_key(t, 'a', addr), now, 0);
	if (s != NULL)
		release(s);
	pthread_mutex_unlock(&t->mtx);
}

void
auth_throttle_cancel(struct auth_throttle *t, const char *account,
    const char *addr, time_t now)
{
	struct throttle_slot *s;

	pthread_mutex_lock(&t->mtx);
	s = throttle_slot(t, pair_key(t, account, addr), now, 0);
	if (s != NULL)
		release(s);
	s = throttle_slot(t, throttle_key(t, 'a', addr), now, 0);
	if (s != NULL)
		release(s);
	pthread_mutex_unlock(&t->mtx);
}
