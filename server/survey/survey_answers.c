/*
 * survey_answers.c — a response's answers checked against its survey:
 * types, ranges, options, required questions, show_if and text length,
 * with a sentence for the respondent's app when one is wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "survey.h"
#include "survey_priv.h"
#include "util.h"

static int
answer_fail(const char **field, const char *id, char *msg, size_t msglen,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int
answer_fail(const char **field, const char *id, char *msg, size_t msglen,
    const char *fmt, ...)
{
	va_list ap;

	*field = id;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Does the answer a (already validated) match show_if's value? */
static int
answer_equals(const struct survey_question *q, json_t *a, json_t *want)
{
	size_t i;
	json_t *e;

	if (q->type == SURVEY_Q_MULTI) {
		json_array_foreach(a, i, e)
			if (json_equal(e, want))
				return 1;
		return 0;
	}
	return json_equal(a, want);
}

static int
answer_check(const struct survey_question *q, json_t *a, const char **field,
    char *msg, size_t msglen)
{
	json_t *e;
	size_t i, k;
	long n;

	switch (q->type) {
	case SURVEY_Q_SMILEY:
	case SURVEY_Q_GRADE:
	case SURVEY_Q_SCALE:
		if (!json_is_integer(a) || json_integer_value(a) < q->min ||
		    json_integer_value(a) > q->max)
			return answer_fail(field, q->id, msg, msglen,
			    "must be a whole number from %lld to %lld",
			    q->min, q->max);
		return 0;
	case SURVEY_Q_CHOICE:
		if (!json_is_string(a) ||
		    option_index(q, json_string_value(a)) < 0)
			return answer_fail(field, q->id, msg, msglen,
			    "must be one of the question's options");
		return 0;
	case SURVEY_Q_MULTI:
		if (!json_is_array(a) || json_array_size(a) == 0 ||
		    json_array_size(a) > q->noptions)
			return answer_fail(field, q->id, msg, msglen,
			    "must be a list of the question's options");
		json_array_foreach(a, i, e) {
			if (!json_is_string(e) ||
			    option_index(q, json_string_value(e)) < 0)
				return answer_fail(field, q->id, msg, msglen,
				    "must be a list of the question's options");
			for (k = 0; k < i; k++)
				if (json_equal(json_array_get(a, k), e))
					return answer_fail(field, q->id, msg,
					    msglen, "lists an option twice");
		}
		return 0;
	case SURVEY_Q_YESNO:
		if (!json_is_boolean(a))
			return answer_fail(field, q->id, msg, msglen,
			    "must be true or false");
		return 0;
	case SURVEY_Q_TEXT:
		if (!json_is_string(a))
			return answer_fail(field, q->id, msg, msglen,
			    "must be text");
		n = utf8_length(json_string_value(a), json_string_length(a));
		if (n < 0)
			return answer_fail(field, q->id, msg, msglen,
			    "is not valid text");
		if (n > q->max_length)
			return answer_fail(field, q->id, msg, msglen,
			    "is longer than %lld characters", q->max_length);
		return 0;
	}
	return answer_fail(field, q->id, msg, msglen, "unknown question type");
}

int
survey_answers_validate(const struct survey *s, json_t *answers,
    const char **field, char *msg, size_t msglen)
{
	const char *key;
	json_t *a;
	char *shown;
	size_t i;
	int rc = -1;

	if (!json_is_object(answers))
		return answer_fail(field, "answers", msg, msglen,
		    "answers must be an object keyed by question id");
	if (json_object_size(answers) == 0)
		return answer_fail(field, "answers", msg, msglen,
		    "a response needs at least one answer");
	json_object_foreach(answers, key, a) {
		if (question_index(s, s->nquestions, key) < 0)
			return answer_fail(field, "answers", msg, msglen,
			    "'%.64s' is not a question of this survey", key);
	}
	shown = xcalloc(s->nquestions ? s->nquestions : 1, 1);
	for (i = 0; i < s->nquestions; i++) {
		const struct survey_question *q = &s->questions[i];
		json_t *ref;

		a = json_object_get(answers, q->id);
		shown[i] = 1;
		if (q->show_if >= 0) {
			ref = json_object_get(answers,
			    s->questions[q->show_if].id);
			shown[i] = shown[q->show_if] && ref != NULL &&
			    answer_equals(&s->questions[q->show_if], ref,
			    q->show_equals);
		}
		if (!shown[i]) {
			if (a != NULL && !json_is_null(a)) {
				answer_fail(field, q->id, msg, msglen,
				    "this question is not shown for the "
				    "answers given");
				goto out;
			}
			continue;
		}
		if (a == NULL || json_is_null(a)) {
			if (q->required) {
				answer_fail(field, q->id, msg, msglen,
				    "this question needs an answer");
				goto out;
			}
			continue;
		}
		if (answer_check(q, a, field, msg, msglen) == -1)
			goto out;
	}
	rc = 0;
out:
	free(shown);
	return rc;
}
