/*
 * test_goals.c — goals in a survey file (valid, refused with
 * path:line:column, the old single goal), the verdict of a goal from its
 * quarters (rising, flat, falling, too few, and the direction), and every
 * measure type computed from report cells over released responses.
 */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "goals.h"
#include "helpers.h"
#include "report.h"
#include "store.h"
#include "store_results.h"
#include "survey.h"

/* A survey laid out one key a line, so positions are easy to read off. */
#define G_HEAD	"{\n" \
	"  \"id\": \"t\",\n" \
	"  \"version\": 1,\n" \
	"  \"audience\": \"staff\",\n" \
	"  \"k\": 10,\n" \
	"  \"languages\": [\"nl\", \"en\"],\n" \
	"  \"title\": {\"nl\": \"T\", \"en\": \"T\"},\n" \
	"  \"intro\": {\"nl\": \"I\", \"en\": \"I\"},\n" \
	"  \"thanks\": {\"nl\": \"D\", \"en\": \"D\"},\n" \
	"  \"questions\": [\n" \
	"    {\"id\": \"cijfer\", \"type\": \"grade\", \"measure\": " \
	"\"satisfaction\", \"text\": {\"nl\": \"C\", \"en\": \"C\"}},\n" \
	"    {\"id\": \"gehoord\", \"type\": \"smiley\", \"text\": " \
	"{\"nl\": \"G\", \"en\": \"G\"}},\n" \
	"    {\"id\": \"aantal\", \"type\": \"choice\", \"text\": {\"nl\": " \
	"\"A\", \"en\": \"A\"}, \"options\": [{\"id\": \"1\", \"text\": " \
	"{\"nl\": \"1\", \"en\": \"1\"}}, {\"id\": \"3\", \"text\": {\"nl\": " \
	"\"3\", \"en\": \"3\"}}]},\n" \
	"    {\"id\": \"plan\", \"type\": \"yesno\", \"text\": {\"nl\": " \
	"\"P\", \"en\": \"P\"}},\n" \
	"    {\"id\": \"vak\", \"type\": \"multi\", \"text\": {\"nl\": " \
	"\"V\", \"en\": \"V\"}, \"options\": [{\"id\": \"a\", \"text\": " \
	"{\"nl\": \"a\", \"en\": \"a\"}}, {\"id\": \"b\", \"text\": {\"nl\": " \
	"\"b\", \"en\": \"b\"}}]},\n" \
	"    {\"id\": \"tip\", \"type\": \"text\", \"max_length\": 100, " \
	"\"text\": {\"nl\": \"T\", \"en\": \"T\"}}\n" \
	"  ],\n"
/* Line 19 holds the goal a case adds. */
#define G_GOALS(g)	G_HEAD "  \"goals\": [\n" g "\n  ]\n}\n"
#define GOAL(measure, rest) "    {\"id\": \"g1\", \"text\": {\"nl\": " \
	"\"Doel\"}, \"measure\": " measure ", " rest "}"
#define OK_REST	"\"direction\": \"up\", \"baseline\": \"2025-01/2025-03\", " \
	"\"target\": 7"

static void
test_goals_parse(void **state)
{
	static const char text[] = G_GOALS(
	    GOAL("\"satisfaction\"", OK_REST) ",\n"
	    "    {\"id\": \"g2\", \"text\": {\"nl\": \"Gehoord\", \"en\": "
	    "\"Heard\"}, \"measure\": {\"question\": \"gehoord\"}, "
	    "\"direction\": \"up\", \"baseline\": \"2025-02/2025-04\", "
	    "\"target\": 4.5},\n"
	    "    {\"id\": \"g3\", \"text\": {\"nl\": \"Veel\"}, \"measure\": "
	    "{\"question\": \"aantal\", \"share_of\": [\"3\"]}, "
	    "\"direction\": \"down\", \"baseline\": \"2025-01/2025-03\", "
	    "\"target\": 20},\n"
	    "    {\"id\": \"g4\", \"text\": {\"nl\": \"Plan\"}, \"measure\": "
	    "{\"question\": \"plan\", \"share_of\": [true]}, \"direction\": "
	    "\"up\", \"baseline\": \"2025-01/2025-03\", \"target\": 80}");
	struct buf errors;
	struct survey *s;

	(void)state;
	buf_init(&errors, 65536);
	s = test_survey_parse(text, &errors);
	assert_string_equal(buf_cstr(&errors), "");
	assert_non_null(s);
	assert_int_equal(s->audience, SURVEY_AUDIENCE_STAFF);
	assert_true(s->k == 10);
	assert_int_equal((int)s->ngoals, 4);
	assert_string_equal(s->goals[0].id, "g1");
	assert_int_equal(s->goals[0].measure, SURVEY_GOAL_SATISFACTION);
	assert_int_equal((int)s->goals[0].question, -1);
	assert_int_equal(s->goals[1].measure, SURVEY_GOAL_MEAN);
	assert_int_equal((int)s->goals[1].question, 1);
	assert_string_equal(s->goals[1].base_from, "2025-02");
	assert_string_equal(s->goals[1].base_to, "2025-04");
	assert_true(s->goals[1].target == 4.5);
	assert_string_equal(json_string_value(json_object_get(
	    s->goals[1].text, "en")), "Heard");
	assert_int_equal(s->goals[2].measure, SURVEY_GOAL_SHARE);
	assert_true(s->goals[2].down);
	assert_int_equal((int)s->goals[2].nshare, 1);
	assert_string_equal(s->goals[2].share_of[0], "3");
	assert_string_equal(s->goals[3].share_of[0], "yes");
	assert_false(s->goals[3].down);
	survey_free(s);
	buf_free(&errors);
}

static void
test_old_goal_loads(void **state)
{
	static const char text[] = G_HEAD "  \"goal\": {\"measure\": "
	    "\"satisfaction\", \"baseline\": \"2022-01/2022-03\", "
	    "\"target\": 7.5}\n}\n";
	struct buf errors;
	struct survey *s;

	(void)state;
	buf_init(&errors, 65536);
	s = test_survey_parse(text, &errors);
	assert_string_equal(buf_cstr(&errors), "");
	assert_non_null(s);
	assert_int_equal((int)s->ngoals, 1);
	assert_string_equal(s->goals[0].id, "tevredenheid");
	assert_null(s->goals[0].text);
	assert_int_equal(s->goals[0].measure, SURVEY_GOAL_SATISFACTION);
	assert_string_equal(s->goals[0].base_from, "2022-01");
	assert_string_equal(s->goals[0].base_to, "2022-03");
	assert_true(s->goals[0].target == 7.5);
	survey_free(s);
	buf_free(&errors);
}

struct golden {
	const char	*text;
	const char	*want;
};

/* Line 19 holds the (first) goal; column 5 opens it. */
static const struct golden goldens[] = {
	{ G_GOALS(GOAL("\"happiness\"", OK_REST)),
	  "t.json:19:53: 'measure' is \"satisfaction\", {\"question\": ID} or "
	  "{\"question\": ID, \"share_of\": [VALUES]}" },
	{ G_GOALS(GOAL("{\"question\": \"nope\"}", OK_REST)),
	  "t.json:19:66: there is no question 'nope' in this survey" },
	{ G_GOALS(GOAL("{\"question\": \"tip\"}", OK_REST)),
	  "t.json:19:66: a goal cannot measure the free text of question "
	  "'tip'" },
	{ G_GOALS(GOAL("{\"question\": \"plan\"}", OK_REST)),
	  "t.json:19:66: question 'plan' has no mean; add \"share_of\": "
	  "[VALUES] to count the share giving those answers" },
	{ G_GOALS(GOAL("{\"question\": \"vak\", \"share_of\": [\"a\"]}",
	    OK_REST)),
	  "t.json:19:85: 'share_of' cannot count a multi question (one person "
	  "may tick several options); use a choice or yesno question" },
	{ G_GOALS(GOAL("{\"question\": \"aantal\", \"share_of\": [\"1\", "
	    "\"2\"]}", OK_REST)),
	  "t.json:19:94: not a possible answer to question 'aantal'" },
	{ G_GOALS(GOAL("{\"question\": \"plan\", \"share_of\": [true, "
	    "true]}", OK_REST)),
	  "t.json:19:93: this value is listed twice" },
	{ G_GOALS(GOAL("\"satisfaction\"", "\"direction\": \"omhoog\", "
	    "\"baseline\": \"2025-01/2025-03\", \"target\": 7")),
	  "t.json:19:82: 'direction' is \"up\" (higher is better) or \"down\" "
	  "(lower is better)" },
	{ G_GOALS(GOAL("\"satisfaction\"", "\"direction\": \"up\", "
	    "\"baseline\": \"2025-04/2025-01\", \"target\": 7")),
	  "t.json:19:100: 'baseline' must be a period \"YYYY-MM/YYYY-MM\", "
	  "first month not after the last" },
	{ G_GOALS(GOAL("\"satisfaction\"", "\"direction\": \"up\", "
	    "\"baseline\": \"2025-01/2025-03\", \"target\": 11")),
	  "t.json:19:129: 'target' must be a number from 0 to 10" },
	{ G_GOALS(GOAL("{\"question\": \"gehoord\"}", "\"direction\": "
	    "\"up\", \"baseline\": \"2025-01/2025-03\", \"target\": 7")),
	  "t.json:19:138: 'target' must be a number from 1 to 5" },
	{ G_GOALS(GOAL("{\"question\": \"plan\", \"share_of\": [false]}",
	    "\"direction\": \"up\", \"baseline\": \"2025-01/2025-03\", "
	    "\"target\": 101")),
	  "t.json:19:156: 'target' must be a number from 0 to 100 (a "
	  "percentage)" },
	{ G_GOALS("    {\"id\": \"g1\", \"measure\": \"satisfaction\", "
	    OK_REST "}"),
	  "t.json:19:5: missing 'text'" },
	{ G_GOALS("    {\"id\": \"g1\", \"text\": {\"en\": \"Goal\"}, "
	    "\"measure\": \"satisfaction\", " OK_REST "}"),
	  "t.json:19:26: 'text' has no text in 'nl'" },
	{ G_GOALS(GOAL("\"satisfaction\"", OK_REST) ",\n"
	    GOAL("\"satisfaction\"", OK_REST)),
	  "t.json:20:12: goal id 'g1' is used twice" },
	{ G_HEAD "  \"goals\": []\n}\n",
	  "t.json:18:12: 'goals' must be a list of 1 to 20 goals" },
	{ G_HEAD "  \"goals\": [{\"id\": \"g\", \"text\": {\"nl\": \"D\"}, "
	    "\"measure\": \"satisfaction\", " OK_REST ", \"weight\": 2}]\n}\n",
	  "t.json:18:146: unknown key 'weight'" },
};

static void
test_goals_refused_with_position(void **state)
{
	char first[512];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < KB_NELEM(goldens); i++) {
		struct buf errors;
		struct survey *s;

		buf_init(&errors, 65536);
		s = test_survey_parse(goldens[i].text, &errors);
		if (s != NULL)
			fail_msg("case %zu accepted", i);
		test_first_line(buf_cstr(&errors), first, sizeof(first));
		if (strcmp(first, goldens[i].want) != 0) {
			print_error("case %zu:\n  want %s\n  got  %s", i,
			    goldens[i].want, buf_cstr(&errors));
			bad++;
		}
		buf_free(&errors);
	}
	assert_int_equal(bad, 0);
}

static void
test_staff_k_below_3_refused(void **state)
{
	static const char full[] = G_HEAD "  \"goals\": [" GOAL(
	    "\"satisfaction\"", OK_REST) "]\n}\n";
	struct buf errors;
	struct survey *s;
	char first[256], *t, *p;

	(void)state;
	t = strdup(full);
	assert_non_null(t);
	p = strstr(t, "\"k\": 10");
	assert_non_null(p);
	memcpy(p, "\"k\":  2", 7);
	buf_init(&errors, 65536);
	s = test_survey_parse(t, &errors);
	assert_null(s);
	assert_string_equal(test_first_line(buf_cstr(&errors), first,
	    sizeof(first)), "t.json:5:9: 'k' must be between 3 and 1000");
	buf_free(&errors);
	free(t);
}

/* Cells of n answers with the given mean and spread, one per quarter. */
static struct stats_cell
cell_of(long long n, double mean, double sd)
{
	struct stats_cell c;

	c.n = n;
	c.sn = n;
	c.ssum = mean * (double)n;
	c.ssq = (sd * sd * (double)(n - 1)) + (double)n * mean * mean;
	return c;
}

static enum goal_outcome
outcome_of(const double *means, size_t np, long long n, int down,
    const int *missing)
{
	static const int none[8] = { 0 };
	struct survey_goal g;
	struct stats_cell cells[8];
	struct goal_point pts[8];
	struct goal_result res;
	size_t i;

	memset(&g, 0, sizeof(g));
	g.down = down;
	memset(&res, 0, sizeof(res));
	res.series = pts;
	for (i = 0; i < np; i++)
		cells[i] = cell_of(n, means[i], 1.0);
	goals_evaluate(&g, cells, missing ? missing : none, np, NULL, 5,
	    &res);
	return res.outcome;
}

static void
test_verdicts(void **state)
{
	static const double rising[] = { 6.0, 6.5, 7.0, 7.5 };
	static const double falling[] = { 7.5, 7.0, 6.5, 6.0 };
	static const double flat[] = { 7.0, 7.02, 6.98, 7.0 };
	static const int hide_two[] = { 0, 1, 1, 0 };
	struct survey_goal g;
	struct stats_cell cells[4], base;
	struct goal_point pts[4];
	struct goal_result res;
	size_t i;

	(void)state;
	assert_int_equal(outcome_of(rising, 4, 40, 0, NULL), GOAL_GOOD);
	assert_int_equal(outcome_of(rising, 4, 40, 1, NULL), GOAL_BAD);
	assert_int_equal(outcome_of(falling, 4, 40, 0, NULL), GOAL_BAD);
	assert_int_equal(outcome_of(falling, 4, 40, 1, NULL), GOAL_GOOD);
	assert_int_equal(outcome_of(flat, 4, 40, 0, NULL), GOAL_FLAT);
	/* Two quarters only: the trend test needs three. */
	assert_int_equal(outcome_of(rising, 2, 40, 0, NULL), GOAL_TOO_FEW);
	/* Hidden quarters do not count, even though the numbers are there. */
	assert_int_equal(outcome_of(rising, 4, 40, 0, hide_two), GOAL_TOO_FEW);
	assert_string_equal(goals_outcome_text(GOAL_GOOD),
	    "gaat de goede kant op");
	assert_string_equal(goals_outcome_text(GOAL_FLAT),
	    "geen duidelijke verandering");
	assert_string_equal(goals_outcome_text(GOAL_BAD),
	    "gaat de verkeerde kant op");
	assert_string_equal(goals_outcome_text(GOAL_TOO_FEW),
	    "nog te weinig reacties");

	/* Baseline, latest, change and per year (4 quarters to a year). */
	memset(&g, 0, sizeof(g));
	memset(&res, 0, sizeof(res));
	res.series = pts;
	for (i = 0; i < 4; i++)
		cells[i] = cell_of(40, rising[i], 1.0);
	base = cell_of(30, 5.0, 1.0);
	goals_evaluate(&g, cells, hide_two, 4, &base, 5, &res);
	assert_true(res.has_base && fabs(res.base - 5.0) < 1e-9);
	assert_true(res.has_latest && fabs(res.latest - 7.5) < 1e-9);
	assert_true(res.latest_n == 40);
	assert_true(res.has_change && fabs(res.change - 2.5) < 1e-9);
	assert_false(pts[1].has);
	assert_true(pts[0].has && fabs(pts[0].value - 6.0) < 1e-9);
	assert_false(res.has_per_year);
	goals_evaluate(&g, cells, (const int[]){ 0, 0, 0, 0 }, 4, &base, 5,
	    &res);
	assert_true(res.has_per_year && fabs(res.per_year - 2.0) < 1e-9);
	assert_true(res.per_year_lo < 2.0 && res.per_year_hi > 2.0);
}

/* Released responses in a real database, as test_report.c seeds them. */
struct fixture {
	char			 dir[64];
	char			 db[128];
	struct store		*st;
	struct survey_set	*set;
};

/* n responses: a mark (the score), gehoord, aantal and plan, released. */
static void
add(struct fixture *f, const char *month, const char *loc, int n, int mark,
    int gehoord, const char *aantal, int plan)
{
	struct store_response *rows = calloc((size_t)n, sizeof(*rows));
	long long stored;
	char err[256];
	int i;

	assert_non_null(rows);
	for (i = 0; i < n; i++) {
		struct store_response *r = &rows[i];

		snprintf(r->survey, sizeof(r->survey), "doeltest");
		r->version = 1;
		snprintf(r->channel, sizeof(r->channel), "qr");
		snprintf(r->location, sizeof(r->location), "%s", loc);
		snprintf(r->lang, sizeof(r->lang), "nl");
		snprintf(r->week, sizeof(r->week), "2025-W10");
		snprintf(r->month, sizeof(r->month), "%s", month);
		r->answers = (char *)"{}";
		for (size_t k = 0; k < sizeof(r->submission); k++)
			r->submission[k] = (unsigned char)rand();
		r->scored = 1;
		r->score = mark;
		r->tallies = calloc(4, sizeof(*r->tallies));
		r->ntallies = 4;
		snprintf(r->tallies[0].question, 49, "cijfer");
		snprintf(r->tallies[0].value, 33, "%d", mark);
		snprintf(r->tallies[1].question, 49, "gehoord");
		snprintf(r->tallies[1].value, 33, "%d", gehoord);
		snprintf(r->tallies[2].question, 49, "aantal");
		snprintf(r->tallies[2].value, 33, "%s", aantal);
		snprintf(r->tallies[3].question, 49, "plan");
		snprintf(r->tallies[3].value, 33, "%s", plan ? "yes" : "no");
	}
	/* Seeded as released responses, as klankbord import stores them. */
	assert_int_equal(store_import(f->st, rows, (size_t)n, &stored, err,
	    sizeof(err)), 0);
	assert_true(stored == (long long)n);
	for (i = 0; i < n; i++)
		free(rows[i].tallies);
	free(rows);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct buf errors;
	char err[256];

	if (f == NULL || test_tmpdir(f->dir, sizeof(f->dir)) == -1)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/k.db", f->dir);
	buf_init(&errors, 65536);
	if (survey_set_load("tests/integration/goals_surveys", &f->set,
	    &errors) == -1 || store_open(f->db, &f->st, err, sizeof(err)) ==
	    -1 || store_writer_start(f->st, err, sizeof(err)) == -1) {
		print_error("%s%s\n", buf_cstr(&errors), err);
		buf_free(&errors);
		return -1;
	}
	buf_free(&errors);
	srand(11);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	survey_set_free(f->set);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

static const struct survey_goal *
goal(const struct survey *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->ngoals; i++)
		if (strcmp(s->goals[i].id, id) == 0)
			return &s->goals[i];
	fail_msg("no goal %s", id);
	return NULL;
}

static void
test_measures_from_cells(void **state)
{
	struct fixture *f = *state;
	struct report_query q = { "doeltest", NULL, NULL, REPORT_QUARTER,
	    REPORT_BY_NONE, NULL, 5, 0, 1 };
	struct tm tm;
	const struct survey *s = survey_set_find(f->set, "doeltest", 0);
	struct report *r = NULL;
	struct goal_board *b = NULL;
	struct stats_cell c;
	char err[256];

	/*
	 * Q1: 6 x (mark 6, gehoord 4, aantal 3, plan yes) and 5 x (mark 8,
	 * gehoord 2, aantal 1, plan no).  Q2: 10 x (mark 9, gehoord 5,
	 * aantal 1, plan yes).  Q3 at another location: 12 x (mark 3,
	 * gehoord 1, aantal 4-plus, plan no).
	 */
	add(f, "2025-01", "overvecht", 6, 6, 4, "3", 1);
	add(f, "2025-02", "overvecht", 5, 8, 2, "1", 0);
	add(f, "2025-04", "overvecht", 10, 9, 5, "1", 1);
	add(f, "2025-07", "vechtzoom", 12, 3, 1, "4-plus", 0);
	/* Seen on 20 October 2025: published through September, Q3. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2025 - 1900;
	tm.tm_mon = 9;
	tm.tm_mday = 20;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	q.now = mktime(&tm);
	assert_int_equal(report_build(f->st, f->set, &q, &r, err,
	    sizeof(err)), 0);
	assert_int_equal((int)r->np, 3);
	/* Satisfaction: (6 * 6 + 5 * 8) / 11. */
	assert_int_equal(goals_cell_measure(r, goal(s, "tevreden"),
	    &r->cells[0], &c), 0);
	assert_true(c.sn == 11 && fabs(c.ssum / 11 - 76.0 / 11) < 1e-9);
	/* Mean of gehoord: (6 * 4 + 5 * 2) / 11. */
	assert_int_equal(goals_cell_measure(r, goal(s, "gehoord"),
	    &r->cells[0], &c), 0);
	assert_true(c.sn == 11 && fabs(c.ssum / 11 - 34.0 / 11) < 1e-9);
	assert_true(fabs(c.ssq - (6 * 16 + 5 * 4)) < 1e-9);
	/* Share of 3 or 4-plus: 6 of 11. */
	assert_int_equal(goals_cell_measure(r, goal(s, "minder_veel"),
	    &r->cells[0], &c), 0);
	assert_true(c.sn == 11 && fabs(c.ssum / 11 - 600.0 / 11) < 1e-9);
	/* Share of plan yes in Q2: all 10. */
	assert_int_equal(goals_cell_measure(r, goal(s, "plan"),
	    &r->cells[1], &c), 0);
	assert_true(c.sn == 10 && fabs(c.ssum / 10 - 100.0) < 1e-9);
	/* A question nobody answered: nothing, not zero. */
	assert_int_equal(goals_cell_measure(r, goal(s, "nooit"),
	    &r->cells[0], &c), 0);
	assert_true(c.sn == 0);
	assert_int_equal(goals_cell_measure(r, goal(s, "minder_veel"),
	    &r->cells[2], &c), 0);
	assert_true(c.sn == 12 && fabs(c.ssum / 12 - 100.0) < 1e-9);
	/* A withheld cell gives nothing, whatever its numbers. */
	{
		struct report_cell hid = r->cells[2];

		hid.hidden = 1;
		assert_int_equal(goals_cell_measure(r, goal(s, "tevreden"),
		    &hid, &c), -1);
		assert_true(c.sn == 0 && c.ssum == 0);
	}
	report_free(r);

	assert_int_equal(goals_build(f->st, f->set, "doeltest", 5, q.now, 1,
	    &b, err, sizeof(err)), 0);
	assert_string_equal(b->through, "2025-09");
	assert_int_equal((int)b->np, 3);
	assert_string_equal(b->periods[0], "2025-Q1");
	assert_true(b->all.results[0].has_base &&
	    fabs(b->all.results[0].base - 76.0 / 11) < 1e-9);
	assert_true(b->all.results[0].has_latest &&
	    fabs(b->all.results[0].latest - 3.0) < 1e-9);
	assert_true(b->all.results[0].has_change &&
	    fabs(b->all.results[0].change - (3.0 - 76.0 / 11)) < 1e-9);
	assert_true(b->all.results[0].series[1].has &&
	    fabs(b->all.results[0].series[1].value - 9.0) < 1e-9);
	/*
	 * Plan's baseline is January and February: monthly cells, each a
	 * group under 2K where everyone gave the same answer, so neither
	 * distribution is shown, and there is no baseline to show.
	 */
	assert_false(b->all.results[3].has_base);
	assert_false(b->all.results[3].has_change);
	/* Goal "nooit": never answered. */
	assert_int_equal(b->all.results[4].outcome, GOAL_TOO_FEW);
	assert_false(b->all.results[4].has_latest);
	/* Per location: vechtzoom answered in Q3 only. */
	assert_int_equal((int)b->nlocs, 4);
	assert_string_equal(b->locs[1].location, "vechtzoom");
	assert_false(b->locs[1].results[0].series[0].has);
	assert_true(b->locs[1].results[0].series[2].has &&
	    fabs(b->locs[1].results[0].series[2].value - 3.0) < 1e-9);
	goals_free(b);
	assert_int_equal(goals_build(f->st, f->set, "nope", 5, 0, 1, &b, err,
	    sizeof(err)), 404);
	assert_null(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goals_parse),
		cmocka_unit_test(test_old_goal_loads),
		cmocka_unit_test(test_goals_refused_with_position),
		cmocka_unit_test(test_staff_k_below_3_refused),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test_setup_teardown(test_measures_from_cells,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
