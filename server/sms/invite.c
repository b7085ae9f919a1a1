/*
 * invite.c — invitations: keys, hashes, tokens and creating one.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "invite.h"
#include "phone.h"
#include "store_invite.h"
#include "util.h"

#define KEY_BYTES	32

static void
derive(const unsigned char *secret, const char *label, unsigned char *out)
{
	crypto_generichash(out, 32, (const unsigned char *)label,
	    strlen(label), secret, KEY_BYTES);
}

int
invite_keys_load(const char *path, struct invite_keys *out, char *err,
    size_t errlen)
{
	unsigned char secret[KEY_BYTES];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		randombytes_buf(secret, sizeof(secret));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1 || write(fd, secret, sizeof(secret)) !=
		    (ssize_t)sizeof(secret) || fsync(fd) == -1) {
			snprintf(err, errlen, "%s: cannot write the key file: "
			    "%s", path, strerror(errno));
			if (fd != -1)
				close(fd);
			unlink(path);
			return -1;
		}
		close(fd);
	} else if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	} else {
		n = read(fd, secret, sizeof(secret));
		close(fd);
		if (n != (ssize_t)sizeof(secret)) {
			snprintf(err, errlen, "%s: not a Klankbord key file "
			    "(%d bytes expected)", path, KEY_BYTES);
			return -1;
		}
	}
	derive(secret, "klankbord phone v1", out->phone);
	derive(secret, "klankbord token v1", out->token);
	sodium_memzero(secret, sizeof(secret));
	return 0;
}

void
invite_phone_hash(const struct invite_keys *k, const char *e164,
    unsigned char out[STORE_PHONE_HASH])
{
	crypto_generichash(out, STORE_PHONE_HASH, (const unsigned char *)e164,
	    strlen(e164), k->phone, sizeof(k->phone));
}

void
invite_recent_hashes(const struct invite_keys *k, const char *e164,
    const char *survey, time_t now,
    unsigned char out[STORE_RECENT_WEEKS][STORE_PHONE_HASH])
{
	crypto_generichash_state h;
	char week[16];
	struct tm tm;
	time_t t;
	int i;

	for (i = 0; i < STORE_RECENT_WEEKS; i++) {
		t = now - (time_t)i * 7 * 24 * 3600;
		gmtime_r(&t, &tm);
		strftime(week, sizeof(week), "%G-W%V", &tm);
		crypto_generichash_init(&h, k->phone, sizeof(k->phone),
		    STORE_PHONE_HASH);
		crypto_generichash_update(&h, (const unsigned char *)"recent\n",
		    7);
		crypto_generichash_update(&h, (const unsigned char *)e164,
		    strlen(e164) + 1);
		crypto_generichash_update(&h, (const unsigned char *)survey,
		    strlen(survey) + 1);
		crypto_generichash_update(&h, (const unsigned char *)week,
		    strlen(week));
		crypto_generichash_final(&h, out[i], STORE_PHONE_HASH);
	}
}

static void
link_key(const char *token, unsigned char key[crypto_secretbox_KEYBYTES])
{
	static const char label[] = "klankbord opt-out link v1";

	crypto_generichash(key, crypto_secretbox_KEYBYTES,
	    (const unsigned char *)token, strlen(token),
	    (const unsigned char *)label, sizeof(label) - 1);
}

size_t
invite_link_seal(const char *token,
    const unsigned char phone_hash[STORE_PHONE_HASH],
    unsigned char out[STORE_SEALED_MAX])
{
	unsigned char key[crypto_secretbox_KEYBYTES];

	_Static_assert(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    STORE_PHONE_HASH <= STORE_SEALED_MAX, "STORE_SEALED_MAX");
	link_key(token, key);
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, phone_hash,
	    STORE_PHONE_HASH, out, key);
	sodium_memzero(key, sizeof(key));
	return crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    STORE_PHONE_HASH;
}

int
invite_link_open(const char *token, const unsigned char *sealed, size_t len,
    unsigned char phone_hash[STORE_PHONE_HASH])
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	int rc;

	if (len != crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    STORE_PHONE_HASH)
		return -1;
	link_key(token, key);
	rc = crypto_secretbox_open_easy(phone_hash,
	    sealed + crypto_secretbox_NONCEBYTES,
	    len - crypto_secretbox_NONCEBYTES, sealed, key);
	sodium_memzero(key, sizeof(key));
	return rc == 0 ? 0 : -1;
}

void
invite_token(const struct invite_keys *k,
    const unsigned char nonce[STORE_NONCE], char out[INVITE_TOKEN_MAX])
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	unsigned char h[12];
	size_t i, n = 0;
	int nonzero;

	/* 96 bits of a keyed hash of the nonce, written in base 62. */
	crypto_generichash(h, sizeof(h), nonce, STORE_NONCE, k->token,
	    sizeof(k->token));
	do {
		unsigned rem = 0;

		nonzero = 0;
		for (i = 0; i < sizeof(h); i++) {
			unsigned v = rem * 256 + h[i];

			h[i] = (unsigned char)(v / 62);
			rem = v % 62;
			nonzero |= h[i] != 0;
		}
		out[n++] = digits[rem];
	} while (nonzero && n < INVITE_TOKEN_MAX - 1);
	out[n] = '\0';
	sodium_memzero(h, sizeof(h));
}

void
invite_token_hash(const char *token, unsigned char out[STORE_TOKEN_HASH])
{
	crypto_generichash(out, STORE_TOKEN_HASH, (const unsigned char *)token,
	    strlen(token), NULL, 0);
}

int
invite_token_valid(const char *token)
{
	size_t n = strlen(token), i;

	if (n < 10 || n >= INVITE_TOKEN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((token[i] >= '0' && token[i] <= '9') ||
		    (token[i] >= 'A' && token[i] <= 'Z') ||
		    (token[i] >= 'a' && token[i] <= 'z')))
			return 0;
	return 1;
}

int
invite_create(struct store *st, const struct survey_set *set,
    const struct invite_keys *k, const struct sms_config *c,
    const struct invite_request *req, time_t now, char id[17],
    const char **field, char *err, size_t errlen)
{
	const struct survey *s;
	struct store_invite in;
	char phone[PHONE_MAX], ref[40], token[INVITE_TOKEN_MAX];
	char text[1024], link[1024];
	unsigned char r[12];
	int rc;

	*field = NULL;
	s = req->survey ? survey_set_find(set, req->survey, 0) : NULL;
	if (s == NULL) {
		*field = "survey";
		snprintf(err, errlen, "there is no such survey");
		return 422;
	}
	if (req->location == NULL ||
	    survey_set_location(set, req->location) == NULL) {
		*field = "location";
		snprintf(err, errlen, "there is no such location");
		return 422;
	}
	if (req->lang != NULL && !survey_has_language(s, req->lang)) {
		*field = "lang";
		snprintf(err, errlen, "the survey has no such language");
		return 422;
	}
	if (req->phone == NULL || phone_normalise(req->phone, phone, err,
	    errlen) == -1) {
		*field = "phone";
		if (req->phone == NULL)
			snprintf(err, errlen, "a phone number is needed");
		return 422;
	}
	memset(&in, 0, sizeof(in));
	in.survey = s->id;
	in.location = req->location;
	in.lang = req->lang ? req->lang : s->languages[0];
	in.phone = phone;
	invite_phone_hash(k, phone, in.phone_hash);
	randombytes_buf(in.nonce, sizeof(in.nonce));
	invite_token(k, in.nonce, token);
	invite_token_hash(token, in.token_hash);
	in.sealedlen = invite_link_seal(token, in.phone_hash, in.sealed);
	invite_recent_hashes(k, phone, s->id, now, in.recent);
	/* The message must fit before anything is queued. */
	snprintf(link, sizeof(link), "%s/i/%s", c->base_url, token);
	sodium_memzero(token, sizeof(token));
	rc = sms_message(c, in.lang, sms_location_name(set, req->location,
	    in.lang), link, text, sizeof(text), err, errlen);
	sodium_memzero(link, sizeof(link));
	sodium_memzero(text, sizeof(text));
	if (rc == -1) {
		*field = "lang";
		return 422;
	}
	/* The gateway's reference is random too: never the token. */
	randombytes_buf(r, sizeof(r));
	hex_encode(r, sizeof(r), ref);
	in.ref = ref;
	in.expires = (long long)now + c->expiry;
	in.remind_at = c->reminder_after > 0 ?
	    (long long)now + c->reminder_after : 0;
	in.send_at = (long long)now;
	rc = store_invite_add(st, &in, now);
	sodium_memzero(phone, sizeof(phone));
	switch (rc) {
	case STORE_INVITE_QUEUED:
		snprintf(id, 17, "%s", in.id);
		return 202;
	case STORE_INVITE_OPTED_OUT:
		*field = "phone";
		snprintf(err, errlen, "this number asked for no more messages");
		return 409;
	case STORE_INVITE_RECENT:
		*field = "phone";
		snprintf(err, errlen, "this number was invited to this survey "
		    "in the last 30 days");
		return 409;
	default:
		snprintf(err, errlen, "the invitation could not be stored");
		return 503;
	}
}
