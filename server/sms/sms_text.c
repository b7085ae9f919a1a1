/*
 * sms_text.c — the message: templates per language from
 * surveys/sms-templates.json, the location's name and the link put in,
 * and the check that it fits one GSM-7 segment or two UCS-2 segments.
 */
#include <stdio.h>
#include <string.h>

#include "phone.h"
#include "sms_priv.h"
#include "survey.h"

#define SMS_GSM7_MAX	160	/* one segment */
#define SMS_UCS2_MAX	134	/* two concatenated segments of 67 */
#define SMS_TEMPLATE_MAX 1024

long
sms_text_length(const char *text, int *ucs2)
{
	const unsigned char *p = (const unsigned char *)text;
	long n = phone_gsm7_length(text);

	*ucs2 = 0;
	if (n >= 0)
		return n;
	*ucs2 = 1;
	/* UTF-16 units: one per code point, two beyond the BMP. */
	for (n = 0; *p != '\0'; p++) {
		if ((*p & 0xc0) == 0x80)
			continue;
		n += *p >= 0xf0 ? 2 : 1;
	}
	return n;
}

int
sms_templates_load(const char *path, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j, *t, *v;
	const char *lang;

	*out = NULL;
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column,
		    je.text);
		return -1;
	}
	t = json_object_get(j, "templates");
	if (!json_is_object(t) || json_object_size(t) == 0) {
		snprintf(err, errlen, "%s: needs {\"templates\": {\"nl\": "
		    "\"...{location}...{link}\", ...}}", path);
		goto bad;
	}
	json_object_foreach(t, lang, v) {
		const char *s = json_string_value(v);

		if (!ident_valid(lang, 8, "-") || s == NULL ||
		    strlen(s) > SMS_TEMPLATE_MAX ||
		    strstr(s, "{link}") == NULL ||
		    utf8_length(s, strlen(s)) < 0) {
			snprintf(err, errlen, "%s: template \"%s\" must be a "
			    "text with {link} (and may have {location})",
			    path, lang);
			goto bad;
		}
	}
	*out = json_incref(t);
	json_decref(j);
	return 0;
bad:
	json_decref(j);
	return -1;
}

/*
 * Appends a name with typographic dashes and quotes made plain, so a
 * name like "Overvecht – De Gagel" does not push a Dutch text into UCS-2.
 */
static void
put_plain(struct buf *b, const char *s)
{
	static const struct {
		const char	*from;
		char		 to;
	} map[] = {
		{ "\xe2\x80\x93", '-' }, { "\xe2\x80\x94", '-' },
		{ "\xe2\x80\x98", '\'' }, { "\xe2\x80\x99", '\'' },
		{ "\xe2\x80\x9c", '"' }, { "\xe2\x80\x9d", '"' },
		{ "\xc2\xa0", ' ' },
	};
	size_t i;

	while (*s != '\0') {
		for (i = 0; i < KB_NELEM(map); i++)
			if (strncmp(s, map[i].from, strlen(map[i].from)) == 0)
				break;
		if (i < KB_NELEM(map)) {
			buf_putc(b, map[i].to);
			s += strlen(map[i].from);
		} else {
			buf_putc(b, *s++);
		}
	}
}

/* Replaces every {name} in t; -1 when the result does not fit out. */
static int
fill(const char *t, const char *location, const char *link, char *out,
    size_t outlen)
{
	struct buf b;
	const char *p;
	int rc;

	buf_init(&b, outlen - 1);
	for (p = t; *p != '\0'; p++) {
		if (strncmp(p, "{link}", 6) == 0) {
			buf_puts(&b, link);
			p += 5;
		} else if (strncmp(p, "{location}", 10) == 0) {
			put_plain(&b, location ? location : "");
			p += 9;
		} else {
			buf_putc(&b, *p);
		}
	}
	rc = buf_failed(&b) ? -1 : 0;
	if (rc == 0)
		snprintf(out, outlen, "%s", buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static const char *
template_for(const struct sms_config *c, const char *lang, const char **used)
{
	const char *t = NULL;

	if (lang != NULL)
		t = json_string_value(json_object_get(c->templates, lang));
	*used = lang;
	if (t == NULL) {
		t = json_string_value(json_object_get(c->templates, "nl"));
		*used = "nl";
	}
	return t;
}

static int
fits(const char *text, char *err, size_t errlen)
{
	int ucs2;
	long n = sms_text_length(text, &ucs2);

	if (!ucs2 && n <= SMS_GSM7_MAX)
		return 0;
	if (ucs2 && n <= SMS_UCS2_MAX)
		return 0;
	if (ucs2)
		snprintf(err, errlen, "the message needs UCS-2 (a character "
		    "GSM-7 cannot send) and is %ld characters; two UCS-2 "
		    "segments hold %d", n, SMS_UCS2_MAX);
	else
		snprintf(err, errlen, "the message is %ld GSM-7 characters; "
		    "one SMS holds %d", n, SMS_GSM7_MAX);
	return -1;
}

int
sms_message(const struct sms_config *c, const char *lang,
    const char *location, const char *link, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const char *used, *t = template_for(c, lang, &used);

	if (t == NULL) {
		snprintf(err, errlen, "there is no SMS template for \"%s\" "
		    "nor for \"nl\"", lang ? lang : "");
		return -1;
	}
	if (fill(t, location, link, out, outlen) == -1) {
		snprintf(err, errlen, "the SMS message is too long");
		return -1;
	}
	return fits(out, err, errlen);
}

/* The location's name in lang, else Dutch, else any. */
static const char *
name_in(const struct survey_location *l, const char *lang)
{
	const char *n = json_string_value(json_object_get(l->name, lang));
	const char *k;
	json_t *v;

	if (n == NULL)
		n = json_string_value(json_object_get(l->name, "nl"));
	if (n == NULL)
		json_object_foreach(l->name, k, v)
			if ((n = json_string_value(v)) != NULL)
				break;
	return n != NULL ? n : l->id;
}

int
sms_templates_check(const struct sms_config *c, const struct survey_set *set,
    char *err, size_t errlen)
{
	char link[1024], out[4096], why[256];
	const char *lang;
	size_t i, n = set ? survey_set_location_count(set) : 0;
	json_t *v;

	/* The longest link a token makes: 23 characters of base 62. */
	snprintf(link, sizeof(link), "%s/i/%s", c->base_url ? c->base_url :
	    "", "ZZZZZZZZZZZZZZZZZZZZZZZ");
	if (json_object_get(c->templates, "nl") == NULL) {
		snprintf(err, errlen, "the SMS templates have no \"nl\"");
		return -1;
	}
	json_object_foreach(c->templates, lang, v) {
		const char *t = json_string_value(v);

		for (i = 0; i < n || i == 0; i++) {
			const struct survey_location *l = n ?
			    survey_set_location_at(set, i) : NULL;
			const char *name = l ? name_in(l, lang) : "";

			sms_copy(why, sizeof(why), "it is too long");
			if (fill(t, name, link, out, sizeof(out)) == -1 ||
			    fits(out, why, sizeof(why)) == -1) {
				snprintf(err, errlen, "SMS template \"%s\" with "
				    "location \"%s\" (%s): %s", lang,
				    l ? l->id : "-", name, why);
				return -1;
			}
		}
	}
	return 0;
}

const char *
sms_location_name(const struct survey_set *set, const char *id,
    const char *lang)
{
	const struct survey_location *l = set ?
	    survey_set_location(set, id) : NULL;

	return l ? name_in(l, lang ? lang : "nl") : "";
}
