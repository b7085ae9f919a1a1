/*
 * sms_twilio.c — Twilio: form POST with Basic auth and a StatusCallback
 * per message; form reports; TwiML replies; X-Twilio-Signature (HMAC-SHA1
 * over the URL and the sorted POST parameters, base64).
 */
#include <nettle/hmac.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sms_priv.h"

static void
put_param(struct buf *b, const char *k, const char *v)
{
	if (b->len > 0)
		buf_putc(b, '&');
	buf_puts(b, k);
	buf_putc(b, '=');
	sms_form_escape(b, v, 0);
}

static int
twilio_build(const struct sms_config *c, const char *e164, const char *text,
    const char *ref, const char *callback, struct sms_request *out)
{
	struct buf b;

	(void)ref;	/* Twilio takes none: reports carry its own sid */
	buf_init(&b, 16384);
	put_param(&b, "To", e164);
	put_param(&b, "From", c->sender ? c->sender : "Klankbord");
	put_param(&b, "Body", text);
	if (callback != NULL)
		put_param(&b, "StatusCallback", callback);
	out->body = buf_release(&b, NULL);
	out->content_type = xstrdup("Content-Type: "
	    "application/x-www-form-urlencoded");
	/* The key is "ACCOUNT_SID:AUTH_TOKEN" (or an API key and secret). */
	out->userpwd = c->key ? xstrdup(c->key) : NULL;
	return out->body ? 0 : -1;
}

static void
twilio_response_id(json_t *j, char *out, size_t outlen)
{
	sms_copy(out, outlen, sms_json_path(j, "sid", NULL, 0));
}

static int
twilio_report(const struct sms_cb *cb, struct sms_report *r)
{
	const char *sid = sms_cb_field(cb, "MessageSid");
	const char *st = sms_cb_field(cb, "MessageStatus");
	static const char *const ok[] = { "delivered", "read", NULL };
	static const char *const bad[] = { "undelivered", "failed",
	    "canceled", NULL };
	size_t i;

	if (sid == NULL)
		sid = sms_cb_field(cb, "SmsSid");
	if (st == NULL)
		st = sms_cb_field(cb, "SmsStatus");
	if (sid == NULL || st == NULL)
		return -1;
	sms_copy(r->ref, sizeof(r->ref), sid);
	r->state = SMS_STATE_PROGRESS;
	for (i = 0; ok[i] != NULL; i++)
		if (strcasecmp(st, ok[i]) == 0)
			r->state = SMS_STATE_DELIVERED;
	for (i = 0; bad[i] != NULL; i++)
		if (strcasecmp(st, bad[i]) == 0)
			r->state = SMS_STATE_FAILED;
	return 0;
}

static int
twilio_reply(const struct sms_cb *cb, struct sms_reply *r)
{
	const char *from = sms_cb_field(cb, "From");
	const char *text = sms_cb_field(cb, "Body");

	if (from == NULL || text == NULL)
		return -1;
	sms_copy(r->from, sizeof(r->from), from);
	sms_copy(r->text, sizeof(r->text), text);
	return 0;
}

static int
cmp_pair(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	int c = strcmp(x[0], y[0]);

	return c != 0 ? c : strcmp(x[1], y[1]);
}

static int
signed_with(const char *key, const char *url, const char *const *params,
    const unsigned char *want, size_t wantlen)
{
	struct hmac_sha1_ctx ctx;
	unsigned char mac[SHA1_DIGEST_SIZE];
	const char **sorted = NULL;
	size_t n = 0, i;
	int ok;

	while (params != NULL && params[n] != NULL)
		n += 2;
	if (n > 0) {
		sorted = xmalloc(n * sizeof(*sorted));
		memcpy(sorted, params, n * sizeof(*sorted));
		qsort(sorted, n / 2, 2 * sizeof(*sorted), cmp_pair);
	}
	hmac_sha1_set_key(&ctx, strlen(key), (const uint8_t *)key);
	hmac_sha1_update(&ctx, strlen(url), (const uint8_t *)url);
	for (i = 0; i < n; i++)
		hmac_sha1_update(&ctx, strlen(sorted[i]),
		    (const uint8_t *)sorted[i]);
	hmac_sha1_digest(&ctx, sizeof(mac), mac);
	free(sorted);
	ok = wantlen == sizeof(mac) && sodium_memcmp(mac, want, wantlen) == 0;
	sodium_memzero(&ctx, sizeof(ctx));
	return ok;
}

/*
 * The URL with its default port added or taken away ("https://h/p" and
 * "https://h:443/p"), as Twilio's own helpers also accept both; NULL when
 * there is no such other form.
 */
static char *
other_port_form(const char *url)
{
	const char *host, *slash, *colon;
	const char *port = strncmp(url, "https://", 8) == 0 ? "443" :
	    strncmp(url, "http://", 7) == 0 ? "80" : NULL;
	struct buf b;

	if (port == NULL)
		return NULL;
	host = strstr(url, "://") + 3;
	slash = host + strcspn(host, "/?");
	colon = memchr(host, ':', (size_t)(slash - host));
	buf_init(&b, 8192);
	buf_append(&b, url, (size_t)(host - url));
	if (colon != NULL) {
		if ((size_t)(slash - colon - 1) != strlen(port) ||
		    strncmp(colon + 1, port, strlen(port)) != 0) {
			buf_free(&b);
			return NULL;
		}
		buf_append(&b, host, (size_t)(colon - host));
	} else {
		buf_append(&b, host, (size_t)(slash - host));
		buf_printf(&b, ":%s", port);
	}
	buf_puts(&b, slash);
	return buf_release(&b, NULL);
}

int
sms_twilio_signature_ok(const char *key, const char *url,
    const char *const *params, const char *body, size_t bodylen,
    const char *signature)
{
	unsigned char want[64];
	size_t wantlen = 0;
	const char *bh;
	char hex[65], *alt;
	int ok;

	if (key == NULL || *key == '\0' || signature == NULL ||
	    sodium_base642bin(want, sizeof(want), signature,
	    strlen(signature), NULL, &wantlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return 0;
	/* A JSON body is signed through its hash in the URL. */
	bh = strstr(url, "bodySHA256=");
	if (bh != NULL && (bh[-1] == '?' || bh[-1] == '&')) {
		sms_sha256_hex(body, bodylen, hex);
		if (strncmp(bh + 11, hex, 64) != 0)
			return 0;
		params = NULL;
	}
	ok = signed_with(key, url, params, want, wantlen);
	if (!ok && (alt = other_port_form(url)) != NULL) {
		ok = signed_with(key, alt, params, want, wantlen);
		free(alt);
	}
	return ok;
}

static int
twilio_verify(const struct sms_config *c, const struct sms_cb *cb)
{
	const char *key = c->signing_key, *colon;

	if ((key == NULL || *key == '\0') && c->key != NULL &&
	    (colon = strchr(c->key, ':')) != NULL)
		key = colon + 1;
	if (key == NULL || *key == '\0')
		return -1;
	return sms_twilio_signature_ok(key, cb->url, strcmp(cb->method,
	    "POST") == 0 && cb->json == NULL ? cb->form : NULL, cb->body,
	    cb->bodylen, cb->header(cb->harg, "X-Twilio-Signature"));
}

const struct sms_dialect sms_dialect_twilio = {
	twilio_build, twilio_response_id, twilio_report, twilio_reply,
	twilio_verify
};
