/*
 * survey_goals.c — a survey's goals: the "goals" list checked against the
 * survey's questions, or the old single "goal" read as one satisfaction
 * goal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey.h"
#include "survey_priv.h"
#include "util.h"

/*
 * Goals ("goals": a list).  Kept apart from the rest of the validator:
 * they refer to questions, so they are read after them.
 */
#define SURVEY_MAX_GOALS	20

static int
goal_baseline_ok(const char *b, struct survey_goal *g)
{
	int y1, m1, y2, m2;
	char tail;

	if (!period_shaped(b) || sscanf(b, "%4d-%2d/%4d-%2d%c", &y1, &m1,
	    &y2, &m2, &tail) != 4 || m1 < 1 || m1 > 12 || m2 < 1 || m2 > 12 ||
	    y1 < 2000 || y2 > 2100 || y1 * 12 + m1 > y2 * 12 + m2)
		return 0;
	snprintf(g->base_from, sizeof(g->base_from), "%.7s", b);
	snprintf(g->base_to, sizeof(g->base_to), "%.7s", b + 8);
	return 1;
}

/* The value as the report names it: "yes", "no", an option id, "4". */
static int
goal_value_name(const struct survey_question *q, json_t *val,
    char out[SURVEY_GOAL_VALUE])
{
	if (!value_fits(q, val))
		return -1;
	if (json_is_boolean(val))
		snprintf(out, SURVEY_GOAL_VALUE, "%s", json_is_true(val) ?
		    "yes" : "no");
	else if (json_is_string(val))
		snprintf(out, SURVEY_GOAL_VALUE, "%s", json_string_value(val));
	else
		snprintf(out, SURVEY_GOAL_VALUE, "%lld",
		    (long long)json_integer_value(val));
	return 0;
}

static void
goal_share_of(struct vctx *v, json_t *list, struct survey_goal *g,
    const struct survey_question *q)
{
	json_t *val;
	size_t i, k;

	if (q->type == SURVEY_Q_MULTI) {
		vctx_err(v, "share_of", "'share_of' cannot count a multi "
		    "question (one person may tick several options); use a "
		    "choice or yesno question");
		return;
	}
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > SURVEY_MAX_OPTIONS) {
		vctx_err(v, "share_of", "'share_of' must be a list of 1 to %d "
		    "answer values", SURVEY_MAX_OPTIONS);
		return;
	}
	g->share_of = xcalloc(json_array_size(list), sizeof(*g->share_of));
	vctx_push(v, "share_of");
	json_array_foreach(list, i, val) {
		vctx_push_idx(v, i);
		if (goal_value_name(q, val, g->share_of[g->nshare]) == -1) {
			vctx_err(v, NULL, "not a possible answer to question "
			    "'%s'", q->id);
		} else {
			for (k = 0; k < g->nshare; k++)
				if (strcmp(g->share_of[k],
				    g->share_of[g->nshare]) == 0)
					break;
			if (k < g->nshare)
				vctx_err(v, NULL, "this value is listed twice");
			else
				g->nshare++;
		}
		vctx_pop(v);
	}
	vctx_pop(v);
}

/* measure: "satisfaction", {"question": ID} or {"question", "share_of"}. */
static void
goal_measure(struct vctx *v, json_t *gj, struct survey_goal *g,
    const struct survey *s)
{
	static const char *const keys[] = { "question", "share_of", NULL };
	json_t *m = json_object_get(gj, "measure");
	const struct survey_question *q;
	const char *ref;
	long qi;

	g->question = -1;
	if (m == NULL) {
		vctx_err(v, NULL, "missing 'measure'");
		return;
	}
	if (json_is_string(m)) {
		if (strcmp(json_string_value(m), "satisfaction") != 0)
			vctx_err(v, "measure", "'measure' is \"satisfaction\", "
			    "{\"question\": ID} or {\"question\": ID, "
			    "\"share_of\": [VALUES]}");
		g->measure = SURVEY_GOAL_SATISFACTION;
		return;
	}
	if (!json_is_object(m)) {
		vctx_err(v, "measure", "'measure' is \"satisfaction\", "
		    "{\"question\": ID} or {\"question\": ID, \"share_of\": "
		    "[VALUES]}");
		return;
	}
	vctx_push(v, "measure");
	check_keys(v, m, keys);
	ref = get_string(v, m, "question", 1);
	if (ref == NULL)
		goto out;
	qi = question_index(s, s->nquestions, ref);
	if (qi < 0) {
		vctx_err(v, "question", "there is no question '%s' in this "
		    "survey", ref);
		goto out;
	}
	q = &s->questions[qi];
	g->question = qi;
	if (q->type == SURVEY_Q_TEXT) {
		vctx_err(v, "question", "a goal cannot measure the free text "
		    "of question '%s'", ref);
	} else if (json_object_get(m, "share_of") != NULL) {
		g->measure = SURVEY_GOAL_SHARE;
		goal_share_of(v, json_object_get(m, "share_of"), g, q);
	} else if (q->type == SURVEY_Q_SMILEY || q->type == SURVEY_Q_GRADE ||
	    q->type == SURVEY_Q_SCALE) {
		g->measure = SURVEY_GOAL_MEAN;
	} else {
		vctx_err(v, "question", "question '%s' has no mean; add "
		    "\"share_of\": [VALUES] to count the share giving those "
		    "answers", ref);
	}
out:
	vctx_pop(v);
}

static void
goal_target(struct vctx *v, json_t *gj, struct survey_goal *g,
    const struct survey *s)
{
	json_t *t = json_object_get(gj, "target");
	double lo = 0, hi = 10;
	const char *unit = "";

	if (g->measure == SURVEY_GOAL_SHARE) {
		hi = 100;
		unit = " (a percentage)";
	} else if (g->measure == SURVEY_GOAL_MEAN && g->question >= 0) {
		lo = (double)s->questions[g->question].min;
		hi = (double)s->questions[g->question].max;
	}
	if (t == NULL) {
		vctx_err(v, NULL, "missing 'target'");
	} else if (!json_is_number(t) || json_number_value(t) < lo ||
	    json_number_value(t) > hi) {
		vctx_err(v, "target", "'target' must be a number from %g to "
		    "%g%s", lo, hi, unit);
	} else {
		g->target = json_number_value(t);
	}
}

/*
 * A goal's text is for the team, not for respondents: the survey's first
 * language is required, the others are welcome.
 */
static void
goal_text(struct vctx *v, json_t *gj, const struct survey *s)
{
	json_t *t = json_object_get(gj, "text"), *val;
	const char *lang;

	if (t == NULL) {
		vctx_err(v, NULL, "missing 'text'");
		return;
	}
	if (!json_is_object(t)) {
		vctx_err(v, "text", "'text' must be an object with a text per "
		    "language");
		return;
	}
	vctx_push(v, "text");
	if (s->nlanguages > 0 && json_object_get(t, s->languages[0]) == NULL)
		vctx_err(v, NULL, "'text' has no text in '%s'",
		    s->languages[0]);
	json_object_foreach(t, lang, val) {
		if (!survey_has_language(s, lang))
			vctx_err(v, lang, "language '%s' is not in 'languages'",
			    lang);
		else if (!json_is_string(val) || json_string_length(val) == 0 ||
		    json_string_length(val) > SURVEY_TEXT_MAX)
			vctx_err(v, lang, "text must be 1 to %d characters",
			    SURVEY_TEXT_MAX);
	}
	vctx_pop(v);
}

static void
check_one_goal(struct vctx *v, json_t *gj, struct survey *s)
{
	static const char *const keys[] = { "id", "text", "measure",
	    "direction", "baseline", "target", NULL };
	struct survey_goal *g = &s->goals[s->ngoals];
	const char *id, *dir, *b;
	size_t k;

	if (!json_is_object(gj)) {
		vctx_err(v, NULL, "a goal must be an object with id, text, "
		    "measure, direction, baseline and target");
		return;
	}
	check_keys(v, gj, keys);
	id = get_string(v, gj, "id", 1);
	if (id != NULL && !ident_valid(id, 48, "_-")) {
		vctx_err(v, "id", "goal id '%s' must be 1 to 48 characters of "
		    "a-z, 0-9, '_' and '-'", id);
		id = NULL;
	}
	for (k = 0; id != NULL && k < s->ngoals; k++)
		if (strcmp(s->goals[k].id, id) == 0) {
			vctx_err(v, "id", "goal id '%s' is used twice", id);
			id = NULL;
		}
	goal_text(v, gj, s);
	g->text = json_object_get(gj, "text");
	goal_measure(v, gj, g, s);
	dir = get_string(v, gj, "direction", 1);
	if (dir != NULL && strcmp(dir, "up") != 0 && strcmp(dir, "down") != 0)
		vctx_err(v, "direction", "'direction' is \"up\" (higher is "
		    "better) or \"down\" (lower is better)");
	g->down = dir != NULL && strcmp(dir, "down") == 0;
	b = get_string(v, gj, "baseline", 1);
	if (b != NULL && !goal_baseline_ok(b, g))
		vctx_err(v, "baseline", "'baseline' must be a period "
		    "\"YYYY-MM/YYYY-MM\", first month not after the last");
	goal_target(v, gj, g, s);
	g->id = id != NULL ? id : "";
	s->ngoals++;
}

/* The old single "goal" object, as one satisfaction goal. */
static void
goal_from_old(struct survey *s)
{
	json_t *old = json_object_get(s->def, "goal");
	const char *b = json_string_value(json_object_get(old, "baseline"));
	struct survey_goal *g;

	if (old == NULL || b == NULL)
		return;
	s->goals = xcalloc(1, sizeof(*s->goals));
	g = &s->goals[0];
	g->id = "tevredenheid";
	g->measure = SURVEY_GOAL_SATISFACTION;
	g->question = -1;
	if (!goal_baseline_ok(b, g))
		return;
	g->target = json_number_value(json_object_get(old, "target"));
	s->ngoals = 1;
}

void
check_goals(struct vctx *v, struct survey *s)
{
	json_t *list = json_object_get(s->def, "goals"), *gj;
	size_t i;

	if (list == NULL) {
		goal_from_old(s);
		return;
	}
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > SURVEY_MAX_GOALS) {
		vctx_err(v, "goals", "'goals' must be a list of 1 to %d goals",
		    SURVEY_MAX_GOALS);
		return;
	}
	s->goals = xcalloc(json_array_size(list), sizeof(*s->goals));
	vctx_push(v, "goals");
	json_array_foreach(list, i, gj) {
		vctx_push_idx(v, i);
		check_one_goal(v, gj, s);
		vctx_pop(v);
	}
	vctx_pop(v);
}
