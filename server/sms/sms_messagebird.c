/*
 * sms_messagebird.c — MessageBird (Bird): JSON with an AccessKey header,
 * numbers as 316..., a reportUrl per message; reports as GET (or form or
 * JSON POST); replies with originator and body (or message); signatures
 * as MessageBird-Signature-JWT (HS256/384/512) or the older
 * MessageBird-Signature (HMAC-SHA256 over timestamp, query, body hash).
 */
#include <nettle/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "phone.h"
#include "sms_priv.h"

#define MB_SKEW		1	/* seconds of clock skew the SDKs allow */

static int
mb_build(const struct sms_config *c, const char *e164, const char *text,
    const char *ref, const char *callback, struct sms_request *out)
{
	struct buf b;
	json_t *j;

	j = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:s}", "originator",
	    c->sender ? c->sender : "Klankbord", "recipients",
	    e164 + (e164[0] == '+'), "body", text, "reference", ref,
	    "type", "sms", "datacoding",
	    phone_gsm7_length(text) >= 0 ? "plain" : "unicode");
	if (j == NULL)
		return -1;
	if (callback != NULL)
		json_object_set_new(j, "reportUrl", json_string(callback));
	out->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	out->content_type = xstrdup("Content-Type: application/json");
	buf_init(&b, 4096);
	buf_printf(&b, "Authorization: AccessKey %s", c->key ? c->key : "");
	out->auth_header = buf_release(&b, NULL);
	return out->body ? 0 : -1;
}

static void
mb_response_id(json_t *j, char *out, size_t outlen)
{
	char num[32];

	sms_copy(out, outlen, sms_json_path(j, "id", num, sizeof(num)));
}

static int
mb_report(const struct sms_cb *cb, struct sms_report *r)
{
	const char *ref = sms_cb_field(cb, "reference");
	const char *st = sms_cb_field(cb, "status");

	if (ref == NULL || *ref == '\0')
		ref = sms_cb_field(cb, "id");
	if (ref == NULL || st == NULL)
		return -1;
	sms_copy(r->ref, sizeof(r->ref), ref);
	if (strcasecmp(st, "delivered") == 0)
		r->state = SMS_STATE_DELIVERED;
	else if (strcasecmp(st, "delivery_failed") == 0 ||
	    strcasecmp(st, "expired") == 0)
		r->state = SMS_STATE_FAILED;
	else
		r->state = SMS_STATE_PROGRESS;
	return 0;
}

static int
mb_reply(const struct sms_cb *cb, struct sms_reply *r)
{
	const char *from = sms_cb_field(cb, "originator");
	const char *text = sms_cb_field(cb, "body");

	if (text == NULL)
		text = sms_cb_field(cb, "message");
	if (text == NULL)
		text = sms_cb_field(cb, "payload");
	if (from == NULL || text == NULL)
		return -1;
	sms_copy(r->from, sizeof(r->from), from);
	sms_copy(r->text, sizeof(r->text), text);
	return 0;
}

/* Decodes base64url without padding; -1 when malformed. */
static int
b64url(const char *s, size_t n, unsigned char *out, size_t outmax,
    size_t *outlen)
{
	return sodium_base642bin(out, outmax, s, n, NULL, outlen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 ? 0 : -1;
}

static int
jwt_mac_ok(const char *alg, const char *key, const char *signed_part,
    size_t signed_len, const unsigned char *sig, size_t siglen)
{
	unsigned char mac[SHA512_DIGEST_SIZE];
	size_t n;

	if (strcmp(alg, "HS256") == 0) {
		struct hmac_sha256_ctx c;

		hmac_sha256_set_key(&c, strlen(key), (const uint8_t *)key);
		hmac_sha256_update(&c, signed_len,
		    (const uint8_t *)signed_part);
		n = SHA256_DIGEST_SIZE;
		hmac_sha256_digest(&c, n, mac);
	} else if (strcmp(alg, "HS384") == 0) {
		struct hmac_sha384_ctx c;

		hmac_sha384_set_key(&c, strlen(key), (const uint8_t *)key);
		hmac_sha384_update(&c, signed_len,
		    (const uint8_t *)signed_part);
		n = SHA384_DIGEST_SIZE;
		hmac_sha384_digest(&c, n, mac);
	} else if (strcmp(alg, "HS512") == 0) {
		struct hmac_sha512_ctx c;

		hmac_sha512_set_key(&c, strlen(key), (const uint8_t *)key);
		hmac_sha512_update(&c, signed_len,
		    (const uint8_t *)signed_part);
		n = SHA512_DIGEST_SIZE;
		hmac_sha512_digest(&c, n, mac);
	} else {
		return 0;	/* "none" and the rest: never */
	}
	return siglen == n && sodium_memcmp(mac, sig, n) == 0;
}

int
sms_messagebird_jwt_ok(const char *key, const char *jwt, const char *url,
    const char *body, size_t bodylen, time_t now)
{
	const char *d1, *d2, *alg, *iss, *jti, *uh, *ph;
	unsigned char head[512], claims[2048], sig[128];
	size_t hl, cl, sl;
	json_t *h = NULL, *c = NULL;
	char hex[65];
	int ok = 0;

	if (key == NULL || *key == '\0' || jwt == NULL)
		return 0;
	d1 = strchr(jwt, '.');
	d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	if (d2 == NULL || strchr(d2 + 1, '.') != NULL ||
	    b64url(jwt, (size_t)(d1 - jwt), head, sizeof(head) - 1,
	    &hl) == -1 || b64url(d1 + 1, (size_t)(d2 - d1 - 1), claims,
	    sizeof(claims) - 1, &cl) == -1 || b64url(d2 + 1, strlen(d2 + 1),
	    sig, sizeof(sig), &sl) == -1)
		return 0;
	h = json_loadb((const char *)head, hl, 0, NULL);
	c = json_loadb((const char *)claims, cl, 0, NULL);
	alg = json_string_value(json_object_get(h, "alg"));
	if (alg == NULL || !json_is_object(c) ||
	    !jwt_mac_ok(alg, key, jwt, (size_t)(d2 - jwt), sig, sl))
		goto out;
	iss = json_string_value(json_object_get(c, "iss"));
	jti = json_string_value(json_object_get(c, "jti"));
	uh = json_string_value(json_object_get(c, "url_hash"));
	ph = json_string_value(json_object_get(c, "payload_hash"));
	if (iss == NULL || strcmp(iss, "MessageBird") != 0 || jti == NULL ||
	    *jti == '\0' || !json_is_integer(json_object_get(c, "nbf")) ||
	    !json_is_integer(json_object_get(c, "exp")) ||
	    json_integer_value(json_object_get(c, "nbf")) > now + MB_SKEW ||
	    json_integer_value(json_object_get(c, "exp")) < now - MB_SKEW)
		goto out;
	sms_sha256_hex(url, strlen(url), hex);
	if (uh == NULL || strcmp(uh, hex) != 0)
		goto out;
	/* A body hash exactly when there is a body. */
	if (bodylen == 0) {
		ok = ph == NULL;
	} else {
		sms_sha256_hex(body, bodylen, hex);
		ok = ph != NULL && strcmp(ph, hex) == 0;
	}
out:
	json_decref(h);
	json_decref(c);
	return ok;
}

static int
cmp_pair(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(x[0], y[0]);

	return c != 0 ? c : strcmp(x[1], y[1]);
}

int
sms_messagebird_legacy_ok(const char *key, const char *signature,
    const char *timestamp, const char *const *query, const char *body,
    size_t bodylen, time_t now, long max_age)
{
	struct hmac_sha256_ctx ctx;
	struct sha256_ctx hc;
	unsigned char want[64], mac[SHA256_DIGEST_SIZE];
	unsigned char bh[SHA256_DIGEST_SIZE];
	const char **sorted = NULL;
	size_t n = 0, i, wl = 0;
	long long ts;
	struct buf q;
	int ok;

	if (key == NULL || *key == '\0' || signature == NULL ||
	    timestamp == NULL || num_parse(timestamp, 0, 1LL << 40,
	    &ts) == -1 || (max_age > 0 && (ts < (long long)now - max_age ||
	    ts > (long long)now + max_age)) ||
	    sodium_base642bin(want, sizeof(want), signature,
	    strlen(signature), NULL, &wl, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	while (query != NULL && query[n] != NULL)
		n += 2;
	buf_init(&q, 65536);
	if (n > 0) {
		sorted = xmalloc(n * sizeof(*sorted));
		memcpy(sorted, query, n * sizeof(*sorted));
		qsort(sorted, n / 2, 2 * sizeof(*sorted), cmp_pair);
	}
	for (i = 0; i < n; i += 2) {
		if (i > 0)
			buf_putc(&q, '&');
		sms_form_escape(&q, sorted[i], 1);
		buf_putc(&q, '=');
		sms_form_escape(&q, sorted[i + 1], 1);
	}
	free(sorted);
	sha256_init(&hc);
	sha256_update(&hc, bodylen, (const uint8_t *)body);
	sha256_digest(&hc, sizeof(bh), bh);
	hmac_sha256_set_key(&ctx, strlen(key), (const uint8_t *)key);
	hmac_sha256_update(&ctx, strlen(timestamp),
	    (const uint8_t *)timestamp);
	hmac_sha256_update(&ctx, 1, (const uint8_t *)"\n");
	hmac_sha256_update(&ctx, q.len, (const uint8_t *)buf_cstr(&q));
	hmac_sha256_update(&ctx, 1, (const uint8_t *)"\n");
	hmac_sha256_update(&ctx, sizeof(bh), bh);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	buf_free(&q);
	ok = wl == sizeof(mac) && sodium_memcmp(mac, want, wl) == 0;
	sodium_memzero(&ctx, sizeof(ctx));
	return ok;
}

static int
mb_verify(const struct sms_config *c, const struct sms_cb *cb)
{
	const char *jwt, *sig;

	if (c->signing_key == NULL || *c->signing_key == '\0')
		return -1;
	jwt = cb->header(cb->harg, "MessageBird-Signature-JWT");
	if (jwt != NULL)
		return sms_messagebird_jwt_ok(c->signing_key, jwt, cb->url,
		    cb->body, cb->bodylen, cb->now);
	sig = cb->header(cb->harg, "MessageBird-Signature");
	return sms_messagebird_legacy_ok(c->signing_key, sig,
	    cb->header(cb->harg, "MessageBird-Request-Timestamp"), cb->query,
	    cb->body, cb->bodylen, cb->now, 300);
}

const struct sms_dialect sms_dialect_messagebird = {
	mb_build, mb_response_id, mb_report, mb_reply, mb_verify
};
