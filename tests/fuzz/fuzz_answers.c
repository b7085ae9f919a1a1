/*
 * fuzz_answers.c — response_prepare (the body of POST /api/responses)
 * against the shipped surveys, loaded once.  Besides ASan and UBSan it
 * checks:
 *   - a refusal has a status of 400, 404 or 422, a code and a message,
 *     and leaves the output row untouched;
 *   - an accepted row holds a known survey, version, location, channel and
 *     language, a token hash exactly when the channel is sms, a week, answers that are a JSON object of that survey's
 *     questions in valid UTF-8, and redacted free text;
 *   - the intake row holds its month only; the release counts the stored
 *     row in that month, and a rebuild after a crash counts it the same;
 *   - quickjson, the fast path, builds what jansson builds or gives up.
 * The surveys folder is $KB_FUZZ_SURVEYS, else "surveys" (run from the
 * repository root, as tests/fuzz/run.sh does).
 */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quickjson.h"
#include "redact.h"
#include "response.h"
#include "survey.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct survey_set *set;

/* 2026-03-18, a Wednesday: any fixed time will do. */
#define FUZZ_NOW	((time_t)1773835200)

/*
 * KB_FUZZ_KNOWN=email-glued,digits-glued turns off the redaction check
 * (bugs already reported, see fuzz_redact.c) while fuzzing; replay keeps
 * it on.
 */
static int
known(const char *name)
{
	const char *k = getenv("KB_FUZZ_KNOWN");

	return k != NULL && strstr(k, name) != NULL;
}

static void
fail(const char *what, const uint8_t *data, size_t size, const char *detail)
{
	fprintf(stderr, "fuzz_answers: %s\n  body: ", what);
	fwrite(data, 1, size, stderr);
	fprintf(stderr, "\n  %s\n", detail ? detail : "");
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf errors;
	const char *dir = getenv("KB_FUZZ_SURVEYS");

	(void)argc;
	(void)argv;
	setenv("TZ", "Europe/Amsterdam", 1);
	tzset();
	buf_init(&errors, 1024 * 1024);
	if (survey_set_load(dir ? dir : "surveys", &set, &errors) == -1) {
		fprintf(stderr, "fuzz_answers: cannot load the surveys "
		    "(run from the repository root or set KB_FUZZ_SURVEYS):\n"
		    "%s", buf_cstr(&errors));
		exit(1);
	}
	buf_free(&errors);
	return 0;
}

static int
sorted_tally_cmp(const void *a, const void *b)
{
	const struct store_tally *x = a, *y = b;
	int c = strcmp(x->question, y->question);

	return c != 0 ? c : strcmp(x->value, y->value);
}

static void
check_row(const uint8_t *data, size_t size, struct store_response *r)
{
	const struct survey *s;
	struct store_response again;
	json_t *a, *v;
	const char *key;
	size_t i;

	s = survey_set_find(set, r->survey, r->version);
	if (s == NULL)
		fail("row of an unknown survey version", data, size, r->survey);
	if (survey_set_location(set, r->location) == NULL)
		fail("row of an unknown location", data, size, r->location);
	if (strcmp(r->channel, "qr") != 0 && strcmp(r->channel, "kiosk") != 0 &&
	    strcmp(r->channel, "web") != 0 && strcmp(r->channel, "sms") != 0)
		fail("row of an unknown channel", data, size, r->channel);
	/* Only an SMS response carries a token (as a hash, to spend it). */
	if ((strcmp(r->channel, "sms") == 0) != (r->has_token != 0))
		fail("token hash kept for another channel than sms, or "
		    "missing for sms", data, size, r->channel);
	if (!survey_has_language(s, r->lang))
		fail("row of a language the survey lacks", data, size, r->lang);
	if (strlen(r->week) != 8 || r->week[4] != '-' || r->week[5] != 'W' ||
	    strlen(r->month) != 7)
		fail("row without a week and month", data, size, r->week);
	if (r->answers == NULL || utf8_length(r->answers,
	    strlen(r->answers)) < 0)
		fail("answers missing or not valid UTF-8", data, size,
		    r->answers);
	a = json_loads(r->answers, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(a))
		fail("stored answers are no JSON object", data, size,
		    r->answers);
	json_object_foreach(a, key, v) {
		for (i = 0; i < s->nquestions; i++)
			if (strcmp(s->questions[i].id, key) == 0)
				break;
		if (i == s->nquestions)
			fail("stored answer to no question", data, size, key);
		if (json_is_null(v))
			fail("stored null answer", data, size, key);
		if (s->questions[i].type == SURVEY_Q_TEXT) {
			const char *t = json_string_value(v);
			char *red;
			int hits = -1;

			if (t == NULL || *t == '\0')
				fail("stored text answer empty or no string",
				    data, size, key);
			red = redact_text(t, json_string_length(v), &hits);
			if ((hits != 0 || strcmp(red, t) != 0) &&
			    !known("email-glued") && !known("digits-glued"))
				fail("stored text still has something to "
				    "redact", data, size, t);
			free(red);
		}
	}
	json_decref(a);
	/* The intake keeps the month only; the release counts the rest. */
	{
		char month[8];

		memcpy(month, r->month, sizeof(month));
		if (r->tallies != NULL || r->ntallies != 0 || r->scored)
			fail("the intake row carries what the release counts",
			    data, size, NULL);
		if (response_rollup_row(set, r) == -1)
			fail("the stored row cannot be counted", data, size,
			    r->answers);
		if (strcmp(month, r->month) != 0)
			fail("the release counts the row in another month",
			    data, size, r->answers);
	}
	if (r->scored && (!(r->score >= 0.0) || !(r->score <= 10.0)))
		fail("satisfaction score outside 0..10", data, size, NULL);
	for (i = 0; i < r->ntallies; i++)
		if (r->tallies[i].question[0] == '\0' ||
		    r->tallies[i].value[0] == '\0')
			fail("tally with an empty question or value", data,
			    size, r->tallies[i].question);

	/* A rebuild after a crash counts the stored row the same again. */
	memset(&again, 0, sizeof(again));
	memcpy(again.survey, r->survey, sizeof(again.survey));
	again.version = r->version;
	memcpy(again.week, r->week, sizeof(again.week));
	again.answers = r->answers;
	if (response_rollup_row(set, &again) == -1)
		fail("the stored row cannot be counted again", data, size,
		    r->answers);
	if (strcmp(again.month, r->month) != 0 ||
	    again.scored != r->scored || again.ntallies != r->ntallies ||
	    fabs(again.score - r->score) > 1e-9)
		fail("a rollup rebuild counts the stored row differently",
		    data, size, r->answers);
	qsort(again.tallies, again.ntallies, sizeof(*again.tallies),
	    sorted_tally_cmp);
	qsort(r->tallies, r->ntallies, sizeof(*r->tallies), sorted_tally_cmp);
	for (i = 0; i < r->ntallies; i++)
		if (sorted_tally_cmp(&again.tallies[i], &r->tallies[i]) != 0)
			fail("a rollup rebuild tallies other values", data,
			    size, again.tallies[i].question);
	free(again.tallies);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_response row, blank;
	struct response_error e;

	/* The server caps bodies at 64 KiB. */
	if (size > 64 * 1024)
		return 0;
	/* The fast path builds what jansson builds, or leaves it to jansson. */
	{
		json_t *q = quickjson_object((const char *)data, size), *j;

		if (q != NULL) {
			j = json_loadb((const char *)data, size,
			    JSON_REJECT_DUPLICATES, NULL);
			if (j == NULL || !json_equal(q, j))
				fail("quickjson and jansson disagree", data,
				    size, NULL);
			json_decref(j);
			json_decref(q);
		}
	}
	memset(&row, 0xa5, sizeof(row));
	memcpy(&blank, &row, sizeof(row));
	memset(&e, 0, sizeof(e));
	if (response_prepare(set, (const char *)data, size, FUZZ_NOW, &row,
	    &e) == -1) {
		if (e.status != 400 && e.status != 404 && e.status != 422)
			fail("refusal with an unexpected status", data, size,
			    e.message);
		if (e.code == NULL || *e.code == '\0' || e.message[0] == '\0')
			fail("refusal without a code or message", data, size,
			    NULL);
		if (memcmp(&row, &blank, sizeof(row)) != 0)
			fail("a refusal touched the output row", data, size,
			    e.message);
		return 0;
	}
	check_row(data, size, &row);
	response_clear(&row);
	return 0;
}
