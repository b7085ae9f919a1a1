/*
 * participants.c — the volunteers' sign-up, pure parts: the consent file,
 * validating a sign-up, sealing name and contact, keyed hashes, tokens and
 * the key file.  The service and its handlers are in participants_api.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jsonpos.h"
#include "participants.h"
#include "phone.h"
#include "response.h"
#include "util.h"

#define CONSENT_MAX_ITEMS	32
#define SEAL_PAD_BLOCK		128	/* plaintext padded to a multiple */

/* Texts every language of consent.json must have. */
static const char *const consent_texts[] = {
	"title", "not_anonymous", "answers_stay", "intro", "name",
	"name_hint", "contact", "phone", "email", "contact_hint", "ways",
	"topics", "spoken", "consent", "agree", "send", "skip", "sent",
	"withdraw_link", "error", "withdrawn_title", "withdrawn_text",
	"gone_title", "gone_text", "renewed_title", "renewed_text", NULL
};

static const char *const consent_lists[] = { "ways", "topics", "spoken",
	NULL };

struct participants_consent {
	json_t		*def;
	long long	 version;
	const char	*languages[16];
	size_t		 nlanguages;
};

static void
cerr(struct buf *errors, const char *path, const char *text, size_t len,
    const char *const *seg, size_t depth, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
cerr(struct buf *errors, const char *path, const char *text, size_t len,
    const char *const *seg, size_t depth, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int line = 1, col = 1;

	jsonpos_locate(text, len, seg, depth, &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_printf(errors, "%s:%d:%d: %s\n", path, line, col, msg);
}

/* Checks that obj[key] is {"ll": "text", ...} for every language. */
static int
check_texts(const struct participants_consent *c, json_t *obj,
    const char *path, const char *text, size_t len, const char **seg,
    size_t depth, struct buf *errors)
{
	size_t i;
	int bad = 0;

	if (!json_is_object(obj)) {
		cerr(errors, path, text, len, seg, depth, "'%s' must be an "
		    "object of texts per language", seg[depth - 1]);
		return -1;
	}
	for (i = 0; i < c->nlanguages; i++) {
		const char *t = json_string_value(json_object_get(obj,
		    c->languages[i]));

		if (t == NULL || *t == '\0' ||
		    utf8_length(t, strlen(t)) < 0) {
			cerr(errors, path, text, len, seg, depth, "'%s' has no "
			    "text in '%s'", seg[depth - 1], c->languages[i]);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

static int
check_list(const struct participants_consent *c, const char *name,
    const char *path, const char *text, size_t len, struct buf *errors)
{
	json_t *list = json_object_get(c->def, name), *item;
	const char *seg[4] = { name, NULL, NULL, NULL };
	char idx[24];
	size_t i, j;
	int bad = 0;

	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > CONSENT_MAX_ITEMS) {
		cerr(errors, path, text, len, seg, 1, "'%s' must be a list of "
		    "1 to %d choices", name, CONSENT_MAX_ITEMS);
		return -1;
	}
	json_array_foreach(list, i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));

		snprintf(idx, sizeof(idx), "%zu", i);
		seg[1] = idx;
		if (id == NULL || !ident_valid(id, 32, "-")) {
			seg[2] = "id";
			cerr(errors, path, text, len, seg, 3, "a choice needs "
			    "an \"id\" of 1 to 32 characters of a-z, 0-9 "
			    "and '-'");
			bad = 1;
			continue;
		}
		for (j = 0; j < i; j++) {
			const char *other = json_string_value(json_object_get(
			    json_array_get(list, j), "id"));

			if (other == NULL || strcmp(id, other) != 0)
				continue;
			seg[2] = "id";
			cerr(errors, path, text, len, seg, 3, "the id '%s' "
			    "appears twice", id);
			bad = 1;
		}
		seg[2] = "text";
		if (check_texts(c, json_object_get(item, "text"), path, text,
		    len, seg, 3, errors) == -1)
			bad = 1;
	}
	return bad ? -1 : 0;
}

struct participants_consent *
participants_consent_parse(const char *path, const char *text, size_t len,
    struct buf *errors)
{
	struct participants_consent *c = xcalloc(1, sizeof(*c));
	const char *seg[3] = { NULL, NULL, NULL };
	json_error_t jerr;
	json_t *langs, *l, *texts;
	size_t i, before = errors->len;

	c->def = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (c->def == NULL) {
		buf_printf(errors, "%s:%d:%d: %s\n", path, jerr.line,
		    jerr.column > 0 ? jerr.column : 1, jerr.text);
		goto fail;
	}
	if (!json_is_object(c->def)) {
		buf_printf(errors, "%s:1:1: the consent must be a JSON "
		    "object\n", path);
		goto fail;
	}
	seg[0] = "version";
	if (!json_is_integer(json_object_get(c->def, "version")) ||
	    json_integer_value(json_object_get(c->def, "version")) < 1) {
		cerr(errors, path, text, len, seg, 1, "\"version\" must be a "
		    "whole number of at least 1; raise it whenever the "
		    "consent text changes");
	} else {
		c->version = json_integer_value(json_object_get(c->def,
		    "version"));
	}
	seg[0] = "languages";
	langs = json_object_get(c->def, "languages");
	if (!json_is_array(langs) || json_array_size(langs) == 0 ||
	    json_array_size(langs) > KB_NELEM(c->languages)) {
		cerr(errors, path, text, len, seg, 1, "\"languages\" must list "
		    "1 to %zu language codes, Dutch first",
		    KB_NELEM(c->languages));
		goto fail;
	}
	json_array_foreach(langs, i, l) {
		const char *code = json_string_value(l);

		if (code == NULL || strlen(code) != 2 ||
		    !ident_valid(code, 2, "")) {
			cerr(errors, path, text, len, seg, 1, "a language is "
			    "a two-letter code such as \"nl\"");
			goto fail;
		}
		c->languages[c->nlanguages++] = code;
	}
	if (strcmp(c->languages[0], "nl") != 0)
		cerr(errors, path, text, len, seg, 1, "the first language "
		    "must be \"nl\"");
	seg[0] = "texts";
	texts = json_object_get(c->def, "texts");
	if (!json_is_object(texts)) {
		cerr(errors, path, text, len, seg, 1, "\"texts\" must be an "
		    "object");
		goto fail;
	}
	for (i = 0; consent_texts[i] != NULL; i++) {
		seg[1] = consent_texts[i];
		if (json_object_get(texts, consent_texts[i]) == NULL) {
			cerr(errors, path, text, len, seg, 1, "\"texts\" lacks "
			    "\"%s\"", consent_texts[i]);
			continue;
		}
		(void)check_texts(c, json_object_get(texts, consent_texts[i]),
		    path, text, len, seg, 2, errors);
	}
	{
		const char *t = json_string_value(json_object_get(
		    json_object_get(texts, "consent"), "nl"));

		seg[1] = "consent";
		if (t != NULL && strstr(t, "{months}") == NULL)
			cerr(errors, path, text, len, seg, 2, "the consent "
			    "text must say how long details are kept: "
			    "put {months} in it");
	}
	for (i = 0; consent_lists[i] != NULL; i++)
		(void)check_list(c, consent_lists[i], path, text, len, errors);
	if (errors->len != before)
		goto fail;
	return c;
fail:
	participants_consent_free(c);
	return NULL;
}

struct participants_consent *
participants_consent_load(const char *dir, struct buf *errors)
{
	char path[4096], chunk[8192];
	struct participants_consent *c;
	struct buf b;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/consent.json", dir);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		buf_printf(errors, "%s:1:1: %s (the participation consent)\n",
		    path, strerror(errno));
		return NULL;
	}
	buf_init(&b, 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	if (buf_failed(&b)) {
		buf_printf(errors, "%s:1:1: larger than 1 MiB\n", path);
		buf_free(&b);
		return NULL;
	}
	c = participants_consent_parse(path, buf_cstr(&b), b.len, errors);
	buf_free(&b);
	return c;
}

void
participants_consent_free(struct participants_consent *c)
{
	if (c == NULL)
		return;
	json_decref(c->def);
	free(c);
}

long long
participants_consent_version(const struct participants_consent *c)
{
	return c->version;
}

static json_t *
find_item(const struct participants_consent *c, const char *list,
    const char *id)
{
	json_t *arr = json_object_get(c->def, list), *item;
	size_t i;

	json_array_foreach(arr, i, item)
		if (strcmp(json_string_value(json_object_get(item, "id")),
		    id) == 0)
			return item;
	return NULL;
}

const char *
participants_label(const struct participants_consent *c, const char *list,
    const char *id, const char *lang)
{
	json_t *item = find_item(c, list, id), *t;
	const char *s;

	if (item == NULL)
		return "";
	t = json_object_get(item, "text");
	s = json_string_value(json_object_get(t, lang ? lang : "nl"));
	return s ? s : json_string_value(json_object_get(t, "nl"));
}

size_t
participants_ids(const struct participants_consent *c, const char *list,
    const char **out, size_t max)
{
	json_t *arr = json_object_get(c->def, list), *item;
	size_t i, n = 0;

	json_array_foreach(arr, i, item)
		if (n < max)
			out[n++] = json_string_value(json_object_get(item,
			    "id"));
	return n;
}

const char *
participants_text_raw(const struct participants_consent *c, const char *key,
    const char *lang)
{
	json_t *t = json_object_get(json_object_get(c->def, "texts"), key);
	const char *s = json_string_value(json_object_get(t, lang ? lang :
	    "nl"));

	return s ? s : json_string_value(json_object_get(t, "nl"));
}

json_t *
participants_consent_json(const struct participants_consent *c)
{
	return c->def;
}


static int
efail(struct participants_error *e, int status, const char *code,
    const char *field, const char *message)
{
	e->status = status;
	snprintf(e->code, sizeof(e->code), "%s", code);
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	snprintf(e->message, sizeof(e->message), "%s", message);
	return -1;
}

int
participants_email_valid(const char *s)
{
	const char *at, *dot, *p;
	size_t n = strlen(s);

	if (n < 6 || n > PARTICIPANTS_EMAIL_MAX)
		return 0;
	at = strchr(s, '@');
	if (at == NULL || at == s || strchr(at + 1, '@') != NULL ||
	    at - s > 64)
		return 0;
	for (p = s; *p != '\0'; p++) {
		unsigned char ch = (unsigned char)*p;

		/* Printable ASCII without spaces, quotes or brackets. */
		if (ch <= 0x20 || ch >= 0x7f || strchr("\"(),:;<>[\\]", ch))
			return 0;
	}
	dot = strrchr(at + 1, '.');
	if (dot == NULL || dot == at + 1 || strlen(dot + 1) < 2 ||
	    at[1] == '.' || s[n - 1] == '.' || strstr(s, "..") != NULL)
		return 0;
	return 1;
}

/*
 * Copies a list of known ids (of the consent's list) into out as
 * "a,b,c".  -1 with e filled for a bad list.
 */
static int
id_list(const struct participants_consent *c, json_t *arr,
    const char *list, const char *field, int required, char *out,
    size_t outlen, struct participants_error *e)
{
	json_t *v;
	size_t i, j, used = 0;

	out[0] = '\0';
	if (arr == NULL && !required)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > CONSENT_MAX_ITEMS)
		return efail(e, 422, "invalid", field, "must be a list of "
		    "choices");
	if (required && json_array_size(arr) == 0)
		return efail(e, 422, "required", field, "choose at least one");
	json_array_foreach(arr, i, v) {
		const char *id = json_string_value(v);
		size_t n;

		if (id == NULL || find_item(c, list, id) == NULL)
			return efail(e, 422, "unknown_choice", field,
			    "this choice is not offered");
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(arr, j)),
			    id) == 0)
				return efail(e, 422, "duplicate", field,
				    "a choice appears twice");
		n = strlen(id);
		if (used + n + 2 > outlen)
			return efail(e, 422, "too_long", field, "too many "
			    "choices");
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, id, n + 1);
		used += n;
	}
	return 0;
}

static int
name_ok(const char *s)
{
	long n = utf8_length(s, strlen(s));
	const unsigned char *p;

	if (n < 1 || n > PARTICIPANTS_NAME_MAX)
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int
participants_signup_parse(const struct participants_consent *c,
    const char *body, size_t len, struct participants_signup *out,
    struct participants_error *e)
{
	static const char *const keys[] = { "consent", "consent_version",
	    "name", "phone", "email", "ways", "topics", "languages", "lang",
	    NULL };
	struct participants_signup s;
	const char *key, *name, *phone, *email, *lang;
	json_error_t jerr;
	json_t *o, *v;
	size_t i;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return efail(e, 400, "bad_json", NULL, "the body is not JSON");
	if (!json_is_object(o)) {
		efail(e, 400, "bad_json", NULL, "the body must be an object");
		goto out;
	}
	/* Only the sign-up's own fields: nothing of a response. */
	json_object_foreach(o, key, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			/* The field named, unless it cannot be (empty, long). */
			efail(e, 422, "unknown_field", *key != '\0' &&
			    strlen(key) < 32 ? key : "body", "this field is not "
			    "part of a sign-up");
			goto out;
		}
	}
	v = json_object_get(o, "consent_version");
	if (!json_is_integer(v)) {
		efail(e, 422, "consent_required", "consent_version", "the "
		    "version of the consent text shown is required");
		goto out;
	}
	if (json_integer_value(v) != c->version) {
		efail(e, 422, "consent_outdated", "consent_version", "this "
		    "consent text is not the current one; reload the page");
		goto out;
	}
	s.consent_version = c->version;
	if (!json_is_true(json_object_get(o, "consent"))) {
		efail(e, 422, "consent_required", "consent", "agreeing to "
		    "the consent text is required");
		goto out;
	}
	name = json_string_value(json_object_get(o, "name"));
	if (name == NULL || !name_ok(name)) {
		efail(e, 422, "invalid", "name", "give a first name or "
		    "nickname of 1 to 40 characters");
		goto out;
	}
	snprintf(s.name, sizeof(s.name), "%s", name);
	v = json_object_get(o, "phone");
	phone = json_string_value(v);
	if (v != NULL && (phone == NULL || *phone == '\0' ||
	    strlen(phone) > 32)) {
		efail(e, 422, "invalid_phone", "phone", "this is not a "
		    "mobile number");
		goto out;
	}
	v = json_object_get(o, "email");
	email = json_string_value(v);
	if (v != NULL && (email == NULL || *email == '\0')) {
		efail(e, 422, "invalid_email", "email", "this is not an "
		    "e-mail address");
		goto out;
	}
	if (phone == NULL && email == NULL) {
		efail(e, 422, "contact_required", "phone", "give a mobile "
		    "number or an e-mail address");
		goto out;
	}
	if (phone != NULL && email != NULL) {
		efail(e, 422, "one_contact", "email", "give a mobile number "
		    "or an e-mail address, not both");
		goto out;
	}
	if (phone != NULL) {
		char e164[PHONE_MAX], why[128];

		if (phone_normalise(phone, e164, why, sizeof(why)) == -1) {
			efail(e, 422, "invalid_phone", "phone", "this is not "
			    "a mobile number");
			goto out;
		}
		snprintf(s.contact, sizeof(s.contact), "%s", e164);
		snprintf(s.kind, sizeof(s.kind), "sms");
	} else {
		if (!participants_email_valid(email)) {
			efail(e, 422, "invalid_email", "email", "this is not "
			    "an e-mail address");
			goto out;
		}
		for (i = 0; email[i] != '\0'; i++)
			s.contact[i] = (char)(email[i] >= 'A' && email[i] <=
			    'Z' ? email[i] - 'A' + 'a' : email[i]);
		s.contact[i] = '\0';
		snprintf(s.kind, sizeof(s.kind), "email");
	}
	if (id_list(c, json_object_get(o, "ways"), "ways", "ways", 1, s.ways,
	    sizeof(s.ways), e) == -1 ||
	    id_list(c, json_object_get(o, "topics"), "topics", "topics", 0,
	    s.topics, sizeof(s.topics), e) == -1 ||
	    id_list(c, json_object_get(o, "languages"), "spoken",
	    "languages", 0, s.languages, sizeof(s.languages), e) == -1)
		goto out;
	v = json_object_get(o, "lang");
	lang = json_string_value(v);
	if (v != NULL) {
		for (i = 0; i < c->nlanguages; i++)
			if (lang != NULL && strcmp(lang, c->languages[i]) == 0)
				break;
		if (i == c->nlanguages) {
			efail(e, 422, "unknown_language", "lang", "this "
			    "language is not offered");
			goto out;
		}
	}
	snprintf(s.lang, sizeof(s.lang), "%s", lang ? lang : "nl");
	*out = s;
	rc = 0;
out:
	sodium_memzero(&s, sizeof(s));
	json_decref(o);
	return rc;
}


int
participants_keys_load(const char *path, struct participants_keys *out,
    char *err, size_t errlen)
{
	unsigned char secret[PARTICIPANTS_KEY_BYTES + 1];
	static const unsigned char zero[PARTICIPANTS_KEY_BYTES];
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1 && errno == ENOENT) {
		randombytes_buf(secret, PARTICIPANTS_KEY_BYTES);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1 || write(fd, secret, PARTICIPANTS_KEY_BYTES) !=
		    PARTICIPANTS_KEY_BYTES || fsync(fd) == -1) {
			snprintf(err, errlen, "%s: cannot write the "
			    "participants key file: %s", path,
			    strerror(errno));
			if (fd != -1) {
				close(fd);
				unlink(path);
			}
			goto out;
		}
		close(fd);
	} else if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	} else {
		if (fstat(fd, &sb) == -1 || (sb.st_mode & 077) != 0) {
			snprintf(err, errlen, "%s: the participants key file "
			    "must be readable by its owner only (chmod 600)",
			    path);
			close(fd);
			goto out;
		}
		n = read(fd, secret, sizeof(secret));
		close(fd);
		if (n != PARTICIPANTS_KEY_BYTES) {
			snprintf(err, errlen, "%s: not a participants key file "
			    "(%d bytes expected)", path,
			    PARTICIPANTS_KEY_BYTES);
			goto out;
		}
		if (sodium_memcmp(secret, zero, sizeof(zero)) == 0) {
			snprintf(err, errlen, "%s: the participants key is all "
			    "zero; remove the file to make a new one", path);
			goto out;
		}
	}
	crypto_generichash(out->seal, 32, (const unsigned char *)
	    "klankbord participants seal v1", 30, secret,
	    PARTICIPANTS_KEY_BYTES);
	crypto_generichash(out->contact, 32, (const unsigned char *)
	    "klankbord participants contact v1", 33, secret,
	    PARTICIPANTS_KEY_BYTES);
	crypto_generichash(out->token, 32, (const unsigned char *)
	    "klankbord participants token v1", 31, secret,
	    PARTICIPANTS_KEY_BYTES);
	rc = 0;
out:
	sodium_memzero(secret, sizeof(secret));
	return rc;
}

int
participants_seal(const struct participants_keys *k, const char *name,
    const char *contact, unsigned char *out, size_t *outlen)
{
	unsigned char plain[STORE_PART_SEALED_MAX];
	size_t nn = strlen(name), cn = strlen(contact), padded;
	int rc = -1;

	/* name NUL contact NUL, padded to a block. */
	if (nn + cn + 2 > sizeof(plain) - SEAL_PAD_BLOCK -
	    crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES)
		return -1;
	memcpy(plain, name, nn + 1);
	memcpy(plain + nn + 1, contact, cn + 1);
	if (sodium_pad(&padded, plain, nn + cn + 2, SEAL_PAD_BLOCK,
	    sizeof(plain)) != 0)
		goto out;
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain,
	    padded, out, k->seal);
	*outlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    padded;
	rc = 0;
out:
	sodium_memzero(plain, sizeof(plain));
	return rc;
}

int
participants_unseal(const struct participants_keys *k,
    const unsigned char *in, size_t inlen, char *name, size_t namelen,
    char *contact, size_t contactlen)
{
	unsigned char plain[STORE_PART_SEALED_MAX];
	size_t plen, unpadded, nn;
	int rc = -1;

	if (inlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
	    SEAL_PAD_BLOCK || inlen > STORE_PART_SEALED_MAX)
		return -1;
	plen = inlen - crypto_secretbox_NONCEBYTES -
	    crypto_secretbox_MACBYTES;
	if (crypto_secretbox_open_easy(plain, in + crypto_secretbox_NONCEBYTES,
	    inlen - crypto_secretbox_NONCEBYTES, in, k->seal) != 0)
		goto out;
	if (sodium_unpad(&unpadded, plain, plen, SEAL_PAD_BLOCK) != 0 ||
	    unpadded < 2 || plain[unpadded - 1] != '\0')
		goto out;
	nn = strnlen((const char *)plain, unpadded);
	if (nn + 1 >= unpadded || nn + 1 > namelen ||
	    strlen((const char *)plain + nn + 1) + 1 > contactlen)
		goto out;
	memcpy(name, plain, nn + 1);
	memcpy(contact, plain + nn + 1, strlen((const char *)plain + nn + 1) +
	    1);
	rc = 0;
out:
	sodium_memzero(plain, sizeof(plain));
	return rc;
}

void
participants_contact_hash(const struct participants_keys *k,
    const char *kind, const char *contact, unsigned char out[STORE_PART_HASH])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, k->contact, sizeof(k->contact),
	    STORE_PART_HASH);
	crypto_generichash_update(&h, (const unsigned char *)kind,
	    strlen(kind) + 1);
	crypto_generichash_update(&h, (const unsigned char *)contact,
	    strlen(contact));
	crypto_generichash_final(&h, out, STORE_PART_HASH);
}

void
participants_token(const struct participants_keys *k, char which,
    const unsigned char nonce[STORE_PART_NONCE],
    char out[PARTICIPANTS_TOKEN_MAX])
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz";
	unsigned char in[STORE_PART_NONCE + 1], h[12];
	size_t i, o = 0;

	in[0] = (unsigned char)which;
	memcpy(in + 1, nonce, STORE_PART_NONCE);
	crypto_generichash(h, sizeof(h), in, sizeof(in), k->token,
	    sizeof(k->token));
	/* The 96-bit number as 17 base-62 digits (62^17 > 2^96). */
	for (i = 0; i < 17; i++) {
		unsigned rem = 0;
		size_t j;

		for (j = 0; j < sizeof(h); j++) {
			unsigned cur = rem * 256 + h[j];

			h[j] = (unsigned char)(cur / 62);
			rem = cur % 62;
		}
		out[o++] = digits[rem];
	}
	out[o] = '\0';
	sodium_memzero(h, sizeof(h));
}

void
participants_token_hash(const char *token, unsigned char out[STORE_PART_HASH])
{
	crypto_generichash(out, STORE_PART_HASH, (const unsigned char *)token,
	    strlen(token), NULL, 0);
}

void
participants_cutoff_week(time_t now, unsigned keep_months, char out[9])
{
	struct tm tm;
	time_t t;

	localtime_r(&now, &tm);
	tm.tm_mon -= (int)keep_months;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	response_week(t, out);
}
