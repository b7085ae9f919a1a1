/*
 * sms_common.c — what the provider dialects share: reading a callback's
 * fields whatever its shape, form encoding, a tiny XML reader, hashing.
 */
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sms_priv.h"

void
sms_form_escape(struct buf *b, const char *s, int plus)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			buf_putc(b, (char)c);
		else if (c == ' ' && plus)
			buf_putc(b, '+');
		else
			buf_printf(b, "%%%02X", c);
	}
}

static const char *
pairs_get(const char *const *kv, const char *name, int nocase)
{
	size_t i;

	for (i = 0; kv != NULL && kv[i] != NULL; i += 2)
		if ((nocase ? strcasecmp(kv[i], name) : strcmp(kv[i], name))
		    == 0)
			return kv[i + 1];
	return NULL;
}

static const char *
json_top(json_t *j, const char *name, int nocase)
{
	const char *k;
	json_t *v;

	if (!json_is_object(j))
		return NULL;
	json_object_foreach(j, k, v) {
		if ((nocase ? strcasecmp(k, name) : strcmp(k, name)) == 0 &&
		    json_is_string(v))
			return json_string_value(v);
	}
	return NULL;
}

static const char *
field(const struct sms_cb *cb, const char *name, int nocase)
{
	const char *v = pairs_get(cb->form, name, nocase);

	if (v == NULL)
		v = pairs_get(cb->query, name, nocase);
	if (v == NULL)
		v = json_top(cb->json, name, nocase);
	return v;
}

const char *
sms_cb_field(const struct sms_cb *cb, const char *name)
{
	return field(cb, name, 0);
}

const char *
sms_cb_field_nocase(const struct sms_cb *cb, const char *name)
{
	return field(cb, name, 1);
}

const char *
sms_json_path(json_t *j, const char *path, char *num, size_t numlen)
{
	char key[64];
	const char *dot;

	while (j != NULL && *path != '\0') {
		dot = strchr(path, '.');
		sms_copy(key, sizeof(key), path);
		if (dot != NULL && (size_t)(dot - path) < sizeof(key))
			key[dot - path] = '\0';
		/* An array where an object was expected: its first item. */
		if (json_is_array(j))
			j = json_array_get(j, 0);
		j = json_object_get(j, key);
		path = dot ? dot + 1 : path + strlen(path);
	}
	if (json_is_string(j))
		return json_string_value(j);
	if (json_is_integer(j) && num != NULL) {
		snprintf(num, numlen, "%lld", (long long)json_integer_value(j));
		return num;
	}
	return NULL;
}

int
sms_xml_text(const char *xml, size_t len, const char *tag, char *out,
    size_t outlen)
{
	size_t tl = strlen(tag), i;
	const char *end = xml + len, *p, *q;
	size_t o = 0;

	out[0] = '\0';
	for (p = xml; p + tl + 2 <= end; p++) {
		if (p[0] != '<' || strncasecmp(p + 1, tag, tl) != 0 ||
		    (p[tl + 1] != '>' && p[tl + 1] != ' ' && p[tl + 1] != '/'))
			continue;
		q = memchr(p, '>', (size_t)(end - p));
		if (q == NULL)
			return -1;
		if (q[-1] == '/')
			return 0;	/* <TAG/> */
		for (i = 1; q + i < end && q[i] != '<'; i++) {
			char c = q[i];

			/* The few entities a number or reference can hold. */
			if (c == '&') {
				if (strncmp(q + i, "&amp;", 5) == 0)
					i += 4;
				else if (strncmp(q + i, "&lt;", 4) == 0) {
					c = '<';
					i += 3;
				} else if (strncmp(q + i, "&gt;", 4) == 0) {
					c = '>';
					i += 3;
				}
			}
			if (o + 1 < outlen)
				out[o++] = c;
		}
		out[o] = '\0';
		return 0;
	}
	return -1;
}

void
sms_copy(char *out, size_t outlen, const char *s)
{
	snprintf(out, outlen, "%s", s != NULL ? s : "");
}

void
sms_sha256_hex(const void *data, size_t len, char out[65])
{
	struct sha256_ctx ctx;
	unsigned char d[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, len, data);
	sha256_digest(&ctx, sizeof(d), d);
	hex_encode(d, sizeof(d), out);
}

int
sms_ctype_is(const struct sms_cb *cb, const char *type)
{
	size_t n = strlen(type);

	return cb->ctype != NULL && strncasecmp(cb->ctype, type, n) == 0 &&
	    (cb->ctype[n] == '\0' || cb->ctype[n] == ';' ||
	    cb->ctype[n] == ' ');
}
