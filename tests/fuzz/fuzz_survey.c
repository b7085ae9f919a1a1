/*
 * fuzz_survey.c — survey_parse on any bytes as a survey file.  Besides
 * ASan and UBSan it checks the contract the server and `surveys check`
 * rely on:
 *   - a refused file has at least one message, and every message is one
 *     line "path:line:column: text" with line and column from 1;
 *   - an accepted survey is well formed (id, languages, questions, show_if
 *     pointing back, ranges) and its compact form (what the store keeps as
 *     the archived definition, re-parsed by survey_set_add_archived) parses
 *     again to the same fingerprint, so an archived version never fails
 *     to load or changes meaning after a restart.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey.h"
#include "util.h"

#define PATH "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Checks for bugs already reported can be turned off while fuzzing for
 * new ones: KB_FUZZ_KNOWN=col0,... (see tests/fuzz/run.sh).  Replay keeps
 * them all on.
 */
static int
known(const char *name)
{
	const char *k = getenv("KB_FUZZ_KNOWN");

	return k != NULL && strstr(k, name) != NULL;
}

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_survey: %s\n%s\n", what, detail ? detail : "");
	abort();
}

/* Is one message line "PATH:L:C: text" with L, C >= 1? */
static int
message_ok(const char *p, const char *nl)
{
	long line, col;
	char *q;

	if (strncmp(p, PATH ":", strlen(PATH) + 1) != 0)
		return 0;
	line = strtol(p + strlen(PATH) + 1, &q, 10);
	if (line < 1 || *q != ':')
		return 0;
	col = strtol(q + 1, &q, 10);
	if (col == 0 && known("col0"))
		col = 1;
	return col >= 1 && q[0] == ':' && q[1] == ' ' && q + 2 < nl;
}

/*
 * Every line is a message.  With "ctl" known, lines that are not are taken
 * as the tails of messages split by a line break quoted from the file.
 */
static void
check_messages(const char *errs, size_t len)
{
	const char *p = errs, *end = errs + len;
	int good = 0;

	if (len == 0)
		fail("a refused survey without any message", NULL);
	if (errs[len - 1] != '\n')
		fail("messages do not end with a newline", errs);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (message_ok(p, nl))
			good++;
		else if (!known("ctl") || !known("col0"))
			fail("a message line that is not 'path:line:column: "
			    "text' with line and column from 1 (column 0, or a "
			    "line break quoted from the file?)", errs);
		p = nl + 1;
	}
	if (good == 0)
		fail("no well-formed message at all", errs);
}

static void
check_survey(const struct survey *s)
{
	struct buf errors;
	struct survey *again;
	size_t i, k;

	if (s->id == NULL || !ident_valid(s->id, 48, "-"))
		fail("accepted survey has a bad id", s->id);
	if (s->version < 1 || s->nlanguages < 1 || s->nquestions < 1 ||
	    s->def_json == NULL || strlen(s->def_json) != s->def_json_len ||
	    strlen(s->fingerprint) != 64)
		fail("accepted survey is incomplete", s->def_json);
	for (i = 0; i < s->nlanguages; i++)
		if (strlen(s->languages[i]) < 2 || strlen(s->languages[i]) > 3)
			fail("accepted language code of a bad length",
			    s->languages[i]);
	for (i = 0; i < s->nquestions; i++) {
		const struct survey_question *q = &s->questions[i];

		if (q->id == NULL || !ident_valid(q->id, 48, "_"))
			fail("accepted question with a bad id", s->def_json);
		if (q->show_if >= (long)i || q->show_if < -1)
			fail("show_if does not point to an earlier question",
			    s->def_json);
		if (q->show_if >= 0 && q->show_equals == NULL)
			fail("show_if without a value", s->def_json);
		switch (q->type) {
		case SURVEY_Q_SMILEY:
		case SURVEY_Q_GRADE:
		case SURVEY_Q_SCALE:
			if (q->min >= q->max)
				fail("numeric question with min >= max",
				    s->def_json);
			break;
		case SURVEY_Q_CHOICE:
		case SURVEY_Q_MULTI:
			if (q->noptions < 2)
				fail("choice question with < 2 options",
				    s->def_json);
			for (k = 0; k < q->noptions; k++)
				if (strlen(q->options[k]) > 32)
					fail("option id longer than a tally "
					    "value holds", s->def_json);
			break;
		case SURVEY_Q_TEXT:
			if (q->max_length < 1)
				fail("text question without max_length",
				    s->def_json);
			break;
		case SURVEY_Q_YESNO:
			break;
		}
	}
	/* What the store archives must load again, unchanged. */
	buf_init(&errors, 1024 * 1024);
	again = survey_parse("(stored)", s->def_json, s->def_json_len, &errors);
	if (again == NULL)
		fail("the stored (compact) form of an accepted survey is "
		    "refused", buf_cstr(&errors));
	if (strcmp(again->fingerprint, s->fingerprint) != 0 ||
	    again->version != s->version || strcmp(again->id, s->id) != 0 ||
	    again->nquestions != s->nquestions)
		fail("the stored form parses to another survey", s->def_json);
	survey_free(again);
	buf_free(&errors);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf errors;
	struct survey *s;

	/* The server reads at most 1 MiB per file. */
	if (size > 1024 * 1024)
		return 0;
	buf_init(&errors, 1024 * 1024);
	s = survey_parse(PATH, (const char *)data, size, &errors);
	if (s == NULL) {
		if (!buf_failed(&errors))
			check_messages(buf_cstr(&errors), errors.len);
	} else {
		if (errors.len != 0)
			fail("accepted survey with messages", buf_cstr(&errors));
		check_survey(s);
		survey_free(s);
	}
	buf_free(&errors);
	return 0;
}
