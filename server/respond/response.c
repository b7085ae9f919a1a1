/*
 * response.c — request → validate → the stored row.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "quickjson.h"
#include "redact.h"
#include "response.h"
#include "stats.h"
#include "util.h"

#define RESPONSE_JSON_FLAGS	(JSON_REJECT_DUPLICATES)

static int __attribute__((format(printf, 5, 6)))
fail(struct response_error *e, int status, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return -1;
}

void
response_week(time_t t, char out[9])
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(out, 9, "%G-W%V", &tm) != 8)
		snprintf(out, 9, "0000-W00");
}

/* Copies src into dst of size bytes, cut short if it must be. */
static void
copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Appends a JSON integer. */
static void
json_int(struct buf *b, json_int_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static const char *
str_field(json_t *body, const char *key)
{
	return json_string_value(json_object_get(body, key));
}

static int
submission_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 8 || n > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* Appends s (n bytes of valid UTF-8) as a JSON string, as jansson would. */
static void
json_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;

	buf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		esc[1] = c == '"' || c == '\\' ? (char)c : c == '\b' ? 'b' :
		    c == '\f' ? 'f' : c == '\n' ? 'n' : c == '\r' ? 'r' :
		    c == '\t' ? 't' : 'u';
		if (esc[1] != 'u') {
			buf_append(b, esc, 2);
			continue;
		}
		esc[2] = '0';
		esc[3] = '0';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 15];
		buf_append(b, esc, 6);
	}
	buf_append(b, s + run, n - run);
	buf_putc(b, '"');
}

/*
 * The answers as stored: in definition order, free text redacted and
 * trimmed; a blank text or a null answer is left out.  The answers are
 * validated, so each is an integer, a boolean, a string or an array of
 * strings; written straight out, in jansson's compact form.
 */
static char *
normalise(const struct survey *s, json_t *answers)
{
	struct buf b;
	size_t i, k;
	int first = 1;

	buf_init(&b, (size_t)1 << 20);	/* a body is at most 64 KiB */
	buf_putc(&b, '{');
	for (i = 0; i < s->nquestions; i++) {
		const struct survey_question *q = &s->questions[i];
		json_t *a = json_object_get(answers, q->id), *e;
		const char *t = NULL;
		size_t n = 0;
		char *red = NULL;

		if (a == NULL || json_is_null(a))
			continue;
		if (q->type == SURVEY_Q_TEXT) {
			t = json_string_value(a);
			n = json_string_length(a);
			while (n > 0 && strchr(" \t\r\n", *t) != NULL) {
				t++;
				n--;
			}
			while (n > 0 && strchr(" \t\r\n", t[n - 1]) != NULL)
				n--;
			if (n == 0)
				continue;
			red = redact_text(t, n, NULL);
			t = red;
			n = strlen(red);
		}
		if (!first)
			buf_putc(&b, ',');
		first = 0;
		json_str(&b, q->id, strlen(q->id));
		buf_putc(&b, ':');
		if (t != NULL)
			json_str(&b, t, n);
		else if (json_is_string(a))
			json_str(&b, json_string_value(a),
			    json_string_length(a));
		else if (json_is_integer(a))
			json_int(&b, json_integer_value(a));
		else if (json_is_boolean(a))
			buf_puts(&b, json_is_true(a) ? "true" : "false");
		else if (json_is_array(a)) {
			buf_putc(&b, '[');
			json_array_foreach(a, k, e) {
				if (k > 0)
					buf_putc(&b, ',');
				json_str(&b, json_string_value(e) ?
				    json_string_value(e) : "",
				    json_string_length(e));
			}
			buf_putc(&b, ']');
		} else {
			free(red);
			buf_free(&b);
			return NULL;	/* not a validated answer */
		}
		free(red);
	}
	buf_putc(&b, '}');
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, NULL);
}

/*
 * The response's contribution to the rollups: its month, its satisfaction
 * score (the mean of its normalised satisfaction answers) and one tally
 * per answered value (free text is not counted).
 */
static int
rollup_fill(const struct survey *s, json_t *answers, struct store_response *r)
{
	double sum = 0;
	int nscores = 0;
	size_t i, k, cap = 0;

	if (stats_month_of_week(r->week, r->month) == -1)
		return -1;
	for (i = 0; i < s->nquestions; i++) {
		const struct survey_question *q = &s->questions[i];
		json_t *a = json_object_get(answers, q->id), *e;
		double v;

		if (a == NULL || json_is_null(a) || q->type == SURVEY_Q_TEXT)
			continue;
		cap += json_is_array(a) ? json_array_size(a) : 1;
		r->tallies = xrealloc(r->tallies, cap * sizeof(*r->tallies));
		if (json_is_array(a)) {
			json_array_foreach(a, k, e) {
				struct store_tally *t =
				    &r->tallies[r->ntallies++];

				snprintf(t->question, sizeof(t->question),
				    "%s", q->id);
				snprintf(t->value, sizeof(t->value), "%s",
				    json_string_value(e) ?
				    json_string_value(e) : "");
			}
			continue;
		}
		{
			struct store_tally *t = &r->tallies[r->ntallies++];

			snprintf(t->question, sizeof(t->question), "%s", q->id);
			if (json_is_boolean(a))
				snprintf(t->value, sizeof(t->value), "%s",
				    json_is_true(a) ? "yes" : "no");
			else if (json_is_integer(a))
				snprintf(t->value, sizeof(t->value), "%lld",
				    (long long)json_integer_value(a));
			else
				snprintf(t->value, sizeof(t->value), "%s",
				    json_string_value(a) ?
				    json_string_value(a) : "");
		}
		if (!q->satisfaction)
			continue;
		if (json_is_boolean(a))
			v = json_is_true(a) ? 10.0 : 0.0;
		else if (json_is_integer(a))
			v = stats_normalise(q->type == SURVEY_Q_GRADE, q->min,
			    q->max, (double)json_integer_value(a));
		else
			continue;
		sum += v;
		nscores++;
	}
	r->scored = nscores > 0;
	r->score = nscores > 0 ? sum / nscores : 0;
	return 0;
}

int
response_rollup_row(const struct survey_set *set, struct store_response *r)
{
	const struct survey *s = survey_set_find(set, r->survey, r->version);
	json_t *a;
	int rc;

	if (s == NULL)
		return -1;
	a = json_loads(r->answers, 0, NULL);
	if (a == NULL)
		return -1;
	rc = rollup_fill(s, a, r);
	json_decref(a);
	return rc;
}

int
response_prepare(const struct survey_set *set, const char *body, size_t len,
    time_t now, struct store_response *out, struct response_error *e)
{
	static const char *const keys[] = { "survey", "version", "channel",
	    "location", "lang", "submission_id", "token", "answers", NULL };
	static const char *const channels[] = { "qr", "kiosk", "sms", "web",
	    NULL };
	const struct survey *s;
	const char *sid, *ch, *loc, *lang, *key, *field;
	const char *const *k;
	json_t *j, *v, *ver;
	struct store_response row;
	json_error_t jerr;
	char msg[200];
	char *answers;
	int rc = -1;

	/* The plain shape apps send, fast; anything else as jansson reads it. */
	j = quickjson_object(body, len);
	if (j == NULL)
		j = json_loadb(body, len, RESPONSE_JSON_FLAGS, &jerr);
	if (j == NULL)
		return fail(e, 400, "bad_json", NULL, "malformed JSON at line "
		    "%d, column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(j)) {
		fail(e, 400, "bad_json", NULL, "a response must be a JSON "
		    "object");
		goto out;
	}
	json_object_foreach(j, key, v) {
		for (k = keys; *k != NULL; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (*k == NULL) {
			fail(e, 422, "unknown_field", "", "unknown field "
			    "'%.64s'", key);
			goto out;
		}
	}
	sid = str_field(j, "survey");
	if (sid == NULL) {
		fail(e, 422, "invalid", "survey", "'survey' must be a survey "
		    "id");
		goto out;
	}
	if (survey_set_find(set, sid, 0) == NULL) {
		fail(e, 404, "unknown_survey", "survey", "there is no survey "
		    "'%.48s'", sid);
		goto out;
	}
	ver = json_object_get(j, "version");
	if (!json_is_integer(ver)) {
		fail(e, 422, "invalid", "version", "'version' must be the "
		    "survey's version number");
		goto out;
	}
	s = survey_set_find(set, sid, json_integer_value(ver));
	if (s == NULL || json_integer_value(ver) <= 0) {
		fail(e, 422, "unknown_version", "version", "survey '%s' has no "
		    "version %lld", sid, (long long)json_integer_value(ver));
		goto out;
	}
	ch = str_field(j, "channel");
	for (k = channels; ch != NULL && *k != NULL; k++)
		if (strcmp(*k, ch) == 0)
			break;
	if (ch == NULL || *k == NULL) {
		fail(e, 422, "invalid", "channel", "'channel' must be qr, "
		    "kiosk, sms or web");
		goto out;
	}
	loc = str_field(j, "location");
	if (loc == NULL || survey_set_location(set, loc) == NULL) {
		fail(e, 422, "unknown_location", "location", "'location' must "
		    "be one of the locations in locations.json");
		goto out;
	}
	v = json_object_get(j, "lang");
	lang = v ? json_string_value(v) : s->languages[0];
	if (lang == NULL || !survey_has_language(s, lang)) {
		fail(e, 422, "invalid", "lang", "'lang' must be one of the "
		    "survey's languages");
		goto out;
	}
	v = json_object_get(j, "submission_id");
	if (!json_is_string(v) || !submission_valid(json_string_value(v))) {
		fail(e, 422, "invalid", "submission_id", "'submission_id' must "
		    "be 8 to 64 letters, digits, '-' or '_' (a UUID)");
		goto out;
	}
	v = json_object_get(j, "token");
	if (strcmp(ch, "sms") == 0 && (!json_is_string(v) ||
	    !invite_token_valid(json_string_value(v)))) {
		fail(e, 422, "invalid", "token", "channel sms needs the token "
		    "from the SMS link");
		goto out;
	}
	if (strcmp(ch, "sms") != 0 && v != NULL) {
		fail(e, 422, "invalid", "token", "'token' belongs only to "
		    "channel sms");
		goto out;
	}
	if (survey_answers_validate(s, json_object_get(j, "answers"), &field,
	    msg, sizeof(msg)) == -1) {
		fail(e, 422, "invalid_answer", field, "%s", msg);
		goto out;
	}
	answers = normalise(s, json_object_get(j, "answers"));
	if (answers == NULL) {
		fail(e, 422, "invalid_answer", "answers", "the answers could "
		    "not be stored");
		goto out;
	}
	/* Built aside, so out stays untouched on any failure. */
	memset(&row, 0, sizeof(row));
	copy_field(row.survey, sizeof(row.survey), s->id);
	row.version = s->version;
	copy_field(row.channel, sizeof(row.channel), ch);
	copy_field(row.location, sizeof(row.location), loc);
	copy_field(row.lang, sizeof(row.lang), lang);
	response_week(now, row.week);
	row.answers = answers;
	/*
	 * The intake needs the month only; the release counts the rest from
	 * the stored answers (response_rollup_row).
	 */
	if (stats_month_of_week(row.week, row.month) == -1) {
		response_clear(&row);
		fail(e, 500, "internal", NULL, "the server clock gives no "
		    "valid week");
		goto out;
	}
	sid = json_string_value(json_object_get(j, "submission_id"));
	crypto_generichash(row.submission, sizeof(row.submission),
	    (const unsigned char *)sid, strlen(sid), NULL, 0);
	if (strcmp(ch, "sms") == 0) {
		row.has_token = 1;
		invite_token_hash(json_string_value(json_object_get(j,
		    "token")), row.token_hash);
	}
	*out = row;
	rc = 0;
out:
	json_decref(j);
	return rc;
}

void
response_clear(struct store_response *r)
{
	free(r->answers);
	r->answers = NULL;
	free(r->tallies);
	r->tallies = NULL;
	r->ntallies = 0;
}

int
response_prepare_import(const struct survey_set *set, const char *line,
    size_t len, struct store_response *out, struct response_error *e)
{
	json_error_t jerr;
	json_t *j = NULL, *w;
	char week[9], month[8], *body = NULL;
	int sms_no_token, rc = -1;

	j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(j)) {
		fail(e, 400, "bad_json", NULL, "not a JSON object: %s",
		    j == NULL ? jerr.text : "another JSON value");
		goto out;
	}
	w = json_object_get(j, "week");
	if (!json_is_string(w) || strlen(json_string_value(w)) != 8 ||
	    stats_month_of_week(json_string_value(w), month) == -1) {
		fail(e, 422, "invalid", "week", "'week' must be an ISO week "
		    "such as \"2022-W05\"");
		goto out;
	}
	snprintf(week, sizeof(week), "%s", json_string_value(w));
	json_object_del(j, "week");
	/* Earlier SMS answers came without a token: they use none here. */
	sms_no_token = json_is_string(json_object_get(j, "channel")) &&
	    strcmp(json_string_value(json_object_get(j, "channel")),
	    "sms") == 0 && json_object_get(j, "token") == NULL;
	if (sms_no_token)
		json_object_set_new(j, "token", json_string("importedwithouttoken"));
	body = json_dumps(j, JSON_COMPACT);
	if (body == NULL) {
		fail(e, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (response_prepare(set, body, strlen(body), time(NULL), out,
	    e) == -1)
		goto out;
	out->has_token = 0;
	snprintf(out->week, sizeof(out->week), "%s", week);
	snprintf(out->month, sizeof(out->month), "%s", month);
	/* Released at once: with what it adds to the summaries. */
	if (response_rollup_row(set, out) == -1) {
		response_clear(out);
		fail(e, 500, "internal", NULL, "the answers could not be "
		    "counted");
		goto out;
	}
	rc = 0;
out:
	free(body);
	json_decref(j);
	return rc;
}
