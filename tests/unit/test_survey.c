/*
 * test_survey.c — survey definitions: the shipped ones load; broken ones
 * are refused with one exact "path:line:column: message" line (golden
 * checks); the fingerprint follows the questions and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "survey.h"

/*
 * A small valid survey, laid out so that positions are easy to read off:
 * line 9 opens "questions", line 10 is q1, line 11 the question a case
 * adds.  Columns below are counted on these lines.
 */
#define L_ID	"  \"id\": \"t\",\n"
#define L_VER	"  \"version\": 1,\n"
#define L_AUD	"  \"audience\": \"any\",\n"
#define L_LANG	"  \"languages\": [\"nl\", \"en\"],\n"
#define L_TITLE	"  \"title\": {\"nl\": \"T\", \"en\": \"T\"},\n"
#define L_INTRO	"  \"intro\": {\"nl\": \"I\", \"en\": \"I\"},\n"
#define L_THX	"  \"thanks\": {\"nl\": \"D\", \"en\": \"D\"},\n"
#define L_QS	"  \"questions\": [\n"
#define TXT	"\"text\": {\"nl\": \"V\", \"en\": \"Q\"}"
#define Q1	"    {\"id\": \"q1\", \"type\": \"yesno\", " TXT "}"
#define TAIL	"\n  ]\n}\n"
#define HEAD	"{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX L_QS
/* HEAD, q1 and a second question on line 11. */
#define WITH_Q2(q2)	HEAD Q1 ",\n    " q2 TAIL

static const char base_survey[] = HEAD Q1 TAIL;

struct golden {
	const char	*name;
	const char	*text;
	const char	*want;		/* the first error line */
	int		 nlines;	/* error lines expected; 0: not checked */
};

static const struct golden goldens[] = {
	{ "unknown question type",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"smily\", " TXT "}"),
	    "t.json:11:26: unknown question type 'smily' (smiley, grade, "
	    "scale, choice, multi, yesno or text)", 1 },
	{ "duplicate question id",
	    WITH_Q2("{\"id\": \"q1\", \"type\": \"yesno\", " TXT "}"),
	    "t.json:11:12: question id 'q1' is used twice", 1 },
	{ "question id with capitals and a space",
	    WITH_Q2("{\"id\": \"Q 2\", \"type\": \"yesno\", " TXT "}"),
	    "t.json:11:12: question id 'Q 2' must be 1 to 48 characters of "
	    "a-z, 0-9 and '_'", 1 },
	{ "option id used twice",
	    HEAD Q1 ",\n"
	    "    {\"id\": \"q2\", \"type\": \"choice\", " TXT ", \"options\": [\n"
	    "      {\"id\": \"a\", \"text\": {\"nl\": \"A\", \"en\": \"A\"}},\n"
	    "      {\"id\": \"a\", \"text\": {\"nl\": \"B\", \"en\": \"B\"}}]}"
	    TAIL,
	    "t.json:13:14: option id 'a' is used twice", 1 },
	{ "a single option",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"multi\", " TXT ", "
	    "\"options\": [{\"id\": \"a\", \"text\": {\"nl\": \"A\", "
	    "\"en\": \"A\"}}]}"),
	    "t.json:11:78: 'options' must be a list of 2 to 50 options", 1 },
	{ "choice without options",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"choice\", " TXT "}"),
	    "t.json:11:5: missing 'options'", 1 },
	{ "options on a yesno question",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"options\": []}"),
	    "t.json:11:78: 'options' is only for choice and multi questions",
	    1 },
	{ "text without a language",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", \"text\": "
	    "{\"nl\": \"V\"}}"),
	    "t.json:11:43: 'text' has no text in 'en'", 1 },
	{ "text with an extra language",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", \"text\": "
	    "{\"nl\": \"V\", \"en\": \"Q\", \"de\": \"F\"}}"),
	    "t.json:11:72: language 'de' is not in 'languages'", 1 },
	{ "empty text",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", \"text\": "
	    "{\"nl\": \"\", \"en\": \"Q\"}}"),
	    "t.json:11:50: text must be 1 to 2000 characters", 1 },
	{ "show_if to a later question",
	    HEAD Q1 ",\n"
	    "    {\"id\": \"q2\", \"type\": \"yesno\", " TXT ", \"show_if\": "
	    "{\"question\": \"q3\", \"equals\": true}},\n"
	    "    {\"id\": \"q3\", \"type\": \"yesno\", " TXT "}" TAIL,
	    "t.json:11:91: show_if refers to 'q3', which is not an earlier "
	    "question", 1 },
	{ "show_if to itself",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"show_if\": {\"question\": \"q2\", \"equals\": true}}"),
	    "t.json:11:91: show_if refers to 'q2', which is not an earlier "
	    "question", 1 },
	{ "show_if to an unknown question",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"show_if\": {\"question\": \"nope\", \"equals\": true}}"),
	    "t.json:11:91: show_if refers to 'nope', which is not an earlier "
	    "question", 1 },
	{ "equals not a possible answer",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"show_if\": {\"question\": \"q1\", \"equals\": 3}}"),
	    "t.json:11:107: 'equals' is not a possible answer to question "
	    "'q1'", 1 },
	{ "show_if without equals",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"show_if\": {\"question\": \"q1\"}}"),
	    "t.json:11:78: missing 'equals'", 1 },
	{ "measure on a text question",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"text\", " TXT ", "
	    "\"max_length\": 10, \"measure\": \"satisfaction\"}"),
	    "t.json:11:95: only smiley, grade, scale and yesno questions can "
	    "measure satisfaction", 1 },
	{ "an unknown measure",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"measure\": \"happiness\"}"),
	    "t.json:11:78: the only measure is \"satisfaction\"", 1 },
	{ "an unknown theme",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"theme\": \"speed\"}"),
	    "t.json:11:76: unknown theme 'speed' (access, quality or effect)",
	    1 },
	{ "required not a boolean",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"required\": \"yes\"}"),
	    "t.json:11:79: 'required' must be true or false", 1 },
	{ "faces 3",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"smiley\", " TXT ", "
	    "\"faces\": 3}"),
	    "t.json:11:77: 'faces' must be between 4 and 5", 1 },
	{ "scale min equal to max",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"scale\", " TXT ", "
	    "\"min\": 5, \"max\": 5}"),
	    "t.json:11:84: 'max' must be greater than 'min'", 1 },
	{ "scale min above max",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"scale\", " TXT ", "
	    "\"min\": 7, \"max\": 3}"),
	    "t.json:11:84: 'max' must be greater than 'min'", 1 },
	{ "scale without min",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"scale\", " TXT ", "
	    "\"max\": 5}"),
	    "t.json:11:5: missing 'min'", 1 },
	{ "max_length 0",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"text\", " TXT ", "
	    "\"max_length\": 0}"),
	    "t.json:11:80: 'max_length' must be between 1 and 2000", 1 },
	{ "max_length as text",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"text\", " TXT ", "
	    "\"max_length\": \"500\"}"),
	    "t.json:11:80: 'max_length' must be a whole number", 1 },
	{ "unknown key in a question",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT ", "
	    "\"hidden\": true}"),
	    "t.json:11:77: unknown key 'hidden'", 1 },
	{ "question not an object",
	    WITH_Q2("\"q2\""),
	    "t.json:11:5: a question must be an object", 1 },
	{ "unknown top-level key",
	    "{\n  \"colour\": \"red\",\n" L_ID L_VER L_AUD L_LANG L_TITLE
	    L_INTRO L_THX L_QS Q1 TAIL,
	    "t.json:2:13: unknown key 'colour'", 1 },
	{ "missing id",
	    "{\n" L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX L_QS Q1 TAIL,
	    "t.json:1:1: missing 'id'", 1 },
	{ "missing title",
	    "{\n" L_ID L_VER L_AUD L_LANG L_INTRO L_THX L_QS Q1 TAIL,
	    "t.json:1:1: missing 'title'", 1 },
	{ "survey id with a slash",
	    "{\n  \"id\": \"../t\",\n" L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    L_QS Q1 TAIL,
	    "t.json:2:9: survey id must be 1 to 48 characters of a-z, 0-9 "
	    "and '-'", 1 },
	{ "version 0",
	    "{\n" L_ID "  \"version\": 0,\n" L_AUD L_LANG L_TITLE L_INTRO L_THX
	    L_QS Q1 TAIL,
	    "t.json:3:14: 'version' must be between 1 and 1000000", 1 },
	{ "version as text",
	    "{\n" L_ID "  \"version\": \"1\",\n" L_AUD L_LANG L_TITLE L_INTRO
	    L_THX L_QS Q1 TAIL,
	    "t.json:3:14: 'version' must be a whole number", 1 },
	{ "version as a real number",
	    "{\n" L_ID "  \"version\": 1.0,\n" L_AUD L_LANG L_TITLE L_INTRO
	    L_THX L_QS Q1 TAIL,
	    "t.json:3:14: 'version' must be a whole number", 1 },
	{ "unknown audience",
	    "{\n" L_ID L_VER "  \"audience\": \"all\",\n" L_LANG L_TITLE
	    L_INTRO L_THX L_QS Q1 TAIL,
	    "t.json:4:15: audience must be \"parent\", \"youth\", \"any\" or \"staff\"",
	    1 },
	{ "no languages",
	    "{\n" L_ID L_VER L_AUD "  \"languages\": [],\n" L_TITLE L_INTRO
	    L_THX L_QS Q1 TAIL,
	    "t.json:5:16: 'languages' must be a list of 1 to 16 language "
	    "codes", 0 },
	{ "a language in capitals",
	    "{\n" L_ID L_VER L_AUD "  \"languages\": [\"NL\", \"en\"],\n"
	    L_TITLE L_INTRO L_THX L_QS Q1 TAIL,
	    "t.json:5:17: a language is a 2 or 3 letter code such as \"nl\"",
	    0 },
	{ "a language listed twice",
	    "{\n" L_ID L_VER L_AUD "  \"languages\": [\"nl\", \"en\", \"nl\"],"
	    "\n" L_TITLE L_INTRO L_THX L_QS Q1 TAIL,
	    "t.json:5:29: language 'nl' is listed twice", 1 },
	{ "no questions",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"questions\": []\n}\n",
	    "t.json:9:16: 'questions' must be a list of 1 to 100 questions",
	    1 },
	{ "goal baseline month 13",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
	    "\"2024-13/2024-12\", \"target\": 7},\n" L_QS Q1 TAIL,
	    "t.json:9:51: 'baseline' must be a period \"YYYY-MM/YYYY-MM\", "
	    "first month not after the last", 1 },
	{ "goal baseline backwards",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
	    "\"2024-06/2024-01\", \"target\": 7},\n" L_QS Q1 TAIL,
	    "t.json:9:51: 'baseline' must be a period \"YYYY-MM/YYYY-MM\", "
	    "first month not after the last", 1 },
	{ "goal baseline with one-digit month",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
	    "\"2024-1/2024-12\", \"target\": 7},\n" L_QS Q1 TAIL,
	    "t.json:9:51: 'baseline' must be a period \"YYYY-MM/YYYY-MM\", "
	    "first month not after the last", 1 },
	{ "goal baseline with a leading space",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
	    "\" 2024-1/2024-12\", \"target\": 7},\n" L_QS Q1 TAIL,
	    "t.json:9:51: 'baseline' must be a period \"YYYY-MM/YYYY-MM\", "
	    "first month not after the last", 1 },
	{ "goal baseline with a signed month",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
	    "\"2024-+1/2024-12\", \"target\": 7},\n" L_QS Q1 TAIL,
	    "t.json:9:51: 'baseline' must be a period \"YYYY-MM/YYYY-MM\", "
	    "first month not after the last", 1 },
	{ "goal baseline in another shape",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
	    "\"2024-01-2024-12\", \"target\": 7},\n" L_QS Q1 TAIL,
	    "t.json:9:51: 'baseline' must be a period \"YYYY-MM/YYYY-MM\", "
	    "first month not after the last", 1 },
	{ "goal target above 10",
	    "{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
	    "  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
	    "\"2024-01/2024-03\", \"target\": 11},\n" L_QS Q1 TAIL,
	    "t.json:9:80: 'target' must be a number from 0 to 10", 1 },
	{ "columns count characters, not bytes",
	    WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", \"text\": "
	    "{\"nl\": \"V\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", \"en\": \"Q\"}, "
	    "\"hidden\": 1}"),
	    "t.json:11:80: unknown key 'hidden'", 1 },
	{ "not an object",
	    "[1, 2]\n",
	    "t.json:1:1: a survey must be a JSON object", 1 },
	{ "not an object, after white space",
	    "\n\n   [1]\n",
	    "t.json:3:4: a survey must be a JSON object", 1 },
};

/* JSON syntax errors are jansson's words; the position must be right. */
static const struct golden syntax_goldens[] = {
	{ "trailing comma in the question list",
	    HEAD Q1 ",\n  ]\n}\n",
	    "t.json:11:3: unexpected token near ']'", 1 },
	{ "missing closing brace",
	    HEAD Q1 "\n  ]\n",
	    "t.json:12:1: '}' expected near end of file", 1 },
	{ "duplicate JSON key",
	    "{\n" L_ID L_VER "  \"version\": 2,\n" L_AUD L_LANG L_TITLE
	    L_INTRO L_THX L_QS Q1 TAIL,
	    "t.json:4:11: duplicate object key near '\"version\"'", 1 },
	{ "syntax error after multibyte characters",
	    "{\"\xc3\xa9\xc3\xa9\": 1 2}",
	    "t.json:1:10: '}' expected near '2'", 1 },
	{ "empty file",
	    "",
	    "t.json:1:1: '[' or '{' expected near end of file", 1 },
};

/* Returns 0 when g's text is refused with exactly the expected error. */
static int
check_golden(const struct golden *g)
{
	struct buf errors;
	struct survey *s;
	char first[512];
	int rc = -1;

	buf_init(&errors, 64 * 1024);
	s = test_survey_parse(g->text, &errors);
	if (s != NULL) {
		print_error("%s: accepted\n", g->name);
		survey_free(s);
		goto out;
	}
	test_first_line(buf_cstr(&errors), first, sizeof(first));
	if (strcmp(first, g->want) != 0) {
		print_error("%s:\n  want %s\n  got  %s", g->name, g->want,
		    buf_cstr(&errors));
		goto out;
	}
	if (g->nlines > 0 &&
	    test_count_lines(buf_cstr(&errors)) != g->nlines) {
		print_error("%s: want %d error line(s), got:\n%s", g->name,
		    g->nlines, buf_cstr(&errors));
		goto out;
	}
	rc = 0;
out:
	buf_free(&errors);
	return rc;
}

static void
test_base_survey_is_valid(void **state)
{
	struct buf errors;
	struct survey *s;

	(void)state;
	buf_init(&errors, 64 * 1024);
	s = test_survey_parse(base_survey, &errors);
	assert_string_equal(buf_cstr(&errors), "");
	assert_non_null(s);
	assert_string_equal(s->id, "t");
	assert_true(s->version == 1);
	assert_int_equal(s->audience, SURVEY_AUDIENCE_ANY);
	assert_int_equal(s->nlanguages, 2);
	assert_int_equal(s->nquestions, 1);
	assert_int_equal(s->questions[0].type, SURVEY_Q_YESNO);
	assert_int_equal(s->questions[0].show_if, -1);
	assert_int_equal(strlen(s->fingerprint), 64);
	assert_int_equal(s->current, 0);	/* only the folder sets it */
	assert_true(survey_has_language(s, "nl"));
	assert_false(survey_has_language(s, "de"));
	assert_non_null(s->def_json);
	assert_int_equal(strlen(s->def_json), s->def_json_len);
	survey_free(s);
	buf_free(&errors);
}

static void
test_golden_errors(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < KB_NELEM(goldens); i++)
		if (check_golden(&goldens[i]) == -1)
			bad++;
	assert_int_equal(bad, 0);
}

static void
test_golden_syntax_errors(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < KB_NELEM(syntax_goldens); i++)
		if (check_golden(&syntax_goldens[i]) == -1)
			bad++;
	assert_int_equal(bad, 0);
}

static void
test_every_error_is_reported(void **state)
{
	static const char text[] = "{\n" L_ID "  \"version\": 0,\n"
	    "  \"audience\": \"all\",\n" L_LANG L_TITLE L_INTRO L_THX L_QS
	    "    {\"id\": \"q1\", \"type\": \"yesno\", " TXT ", \"x\": 1}" TAIL;
	struct buf errors;
	struct survey *s;

	(void)state;
	buf_init(&errors, 64 * 1024);
	s = test_survey_parse(text, &errors);
	assert_null(s);
	assert_string_equal(buf_cstr(&errors),
	    "t.json:3:14: 'version' must be between 1 and 1000000\n"
	    "t.json:4:15: audience must be \"parent\", \"youth\", \"any\" or \"staff\"\n"
	    "t.json:10:72: unknown key 'x'\n");
	buf_free(&errors);
}

static void
test_valid_variants_accepted(void **state)
{
	static const char *const ok[] = {
		/* Every type, show_if on each kind of value, goal, hint. */
		"{\n" L_ID L_VER L_AUD L_LANG L_TITLE L_INTRO L_THX
		"  \"minutes\": 3,\n"
		"  \"goal\": {\"measure\": \"satisfaction\", \"baseline\": "
		"\"2024-01/2024-01\", \"target\": 7.5},\n" L_QS
		"    {\"id\": \"a\", \"type\": \"smiley\", \"faces\": 4, "
		"\"required\": true, \"measure\": \"satisfaction\", "
		"\"theme\": \"quality\", " TXT "},\n"
		"    {\"id\": \"b\", \"type\": \"grade\", " TXT
		", \"hint\": {\"nl\": \"h\", \"en\": \"h\"}},\n"
		"    {\"id\": \"c\", \"type\": \"scale\", \"min\": 0, "
		"\"max\": 100, " TXT "},\n"
		"    {\"id\": \"d\", \"type\": \"choice\", " TXT ", \"options\": "
		"[{\"id\": \"x\", " TXT "}, {\"id\": \"y-1_z\", " TXT "}]},\n"
		"    {\"id\": \"e\", \"type\": \"multi\", " TXT ", \"options\": "
		"[{\"id\": \"x\", " TXT "}, {\"id\": \"y\", " TXT "}], "
		"\"show_if\": {\"question\": \"d\", \"equals\": \"x\"}},\n"
		"    {\"id\": \"f\", \"type\": \"yesno\", " TXT ", \"show_if\": "
		"{\"question\": \"e\", \"equals\": \"y\"}},\n"
		"    {\"id\": \"g\", \"type\": \"text\", \"max_length\": 2000, "
		TXT ", \"show_if\": {\"question\": \"a\", \"equals\": 4}}"
		TAIL,
	};
	struct buf errors;
	struct survey *s;
	size_t i;

	(void)state;
	for (i = 0; i < KB_NELEM(ok); i++) {
		buf_init(&errors, 64 * 1024);
		s = test_survey_parse(ok[i], &errors);
		assert_string_equal(buf_cstr(&errors), "");
		assert_non_null(s);
		assert_int_equal(s->nquestions, 7);
		assert_true(s->questions[0].max == 4);
		assert_true(s->questions[0].satisfaction);
		assert_string_equal(s->questions[0].theme, "quality");
		assert_true(s->questions[2].min == 0);
		assert_true(s->questions[2].max == 100);
		assert_int_equal(s->questions[3].noptions, 2);
		assert_string_equal(s->questions[3].options[1], "y-1_z");
		assert_int_equal(s->questions[4].show_if, 3);
		assert_int_equal(s->questions[5].show_if, 4);
		assert_int_equal(s->questions[6].show_if, 0);
		assert_true(s->questions[6].max_length == 2000);
		survey_free(s);
		buf_free(&errors);
	}
}

/* The shipped surveys. */

static struct survey *
parse_shipped(const char *name)
{
	char path[256];
	struct buf errors;
	struct survey *s;
	size_t len;
	char *text;

	snprintf(path, sizeof(path), TEST_SURVEYS_DIR "/%s.json", name);
	text = test_read_file(path, &len);
	if (text == NULL)
		fail_msg("cannot read %s (run from the repository root)",
		    path);
	buf_init(&errors, 64 * 1024);
	s = survey_parse(path, text, len, &errors);
	if (s == NULL)
		print_error("%s", buf_cstr(&errors));
	assert_non_null(s);
	assert_string_equal(buf_cstr(&errors), "");
	buf_free(&errors);
	free(text);
	return s;
}

static void
test_shipped_surveys_parse(void **state)
{
	struct survey *s;

	(void)state;
	s = parse_shipped("ouders");
	assert_string_equal(s->id, "ouders");
	assert_int_equal(s->audience, SURVEY_AUDIENCE_PARENT);
	assert_int_equal(s->nquestions, 15);
	assert_string_equal(s->questions[6].id, "hoe_vaak");
	assert_int_equal(s->questions[6].show_if, 5);
	assert_true(json_is_true(s->questions[6].show_equals));
	assert_int_equal(s->questions[4].noptions, 5);
	assert_string_equal(s->questions[4].options[3], "4-plus");
	assert_int_equal(s->questions[12].type, SURVEY_Q_GRADE);
	assert_true(s->questions[12].required);
	assert_true(s->questions[13].min == 0);
	assert_true(s->questions[13].max == 10);
	assert_true(s->questions[14].max_length == 500);
	assert_true(s->questions[0].satisfaction);
	assert_false(s->questions[9].satisfaction);
	survey_free(s);

	s = parse_shipped("jongeren");
	assert_int_equal(s->audience, SURVEY_AUDIENCE_YOUTH);
	assert_int_equal(s->nquestions, 7);
	survey_free(s);

	s = parse_shipped("participatie");
	assert_int_equal(s->nquestions, 4);
	assert_true(json_is_true(json_object_get(s->def, "signup")));
	assert_int_equal(s->questions[1].type, SURVEY_Q_MULTI);
	assert_int_equal(s->questions[1].show_if, 0);
	assert_int_equal(s->questions[2].show_if, 0);
	survey_free(s);
}

/* Every *.json in the folder, whatever is shipped later. */
static void
test_every_shipped_file_parses(void **state)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	(void)state;
	d = opendir(TEST_SURVEYS_DIR);
	if (d == NULL)
		fail_msg("cannot open %s (run from the repository root)",
		    TEST_SURVEYS_DIR);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char name[256];

		if (len < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - 5, ".json") != 0 ||
		    strcmp(de->d_name, "locations.json") == 0 ||
		    strcmp(de->d_name, "consent.json") == 0 ||	/* test_participants.c */
		    strcmp(de->d_name, "sms-templates.json") == 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5),
		    de->d_name);
		survey_free(parse_shipped(name));
		n++;
	}
	closedir(d);
	assert_true(n >= 3);
}

static void
test_shipped_set_loads(void **state)
{
	struct survey_set *set = NULL;
	const struct survey *s;
	struct buf errors;
	const char *list;
	json_t *j;
	size_t len;

	(void)state;
	buf_init(&errors, 64 * 1024);
	assert_int_equal(survey_set_load(TEST_SURVEYS_DIR, &set, &errors), 0);
	assert_string_equal(buf_cstr(&errors), "");
	assert_non_null(set);
	assert_int_equal(survey_set_count(set), 4);
	assert_string_equal(survey_set_at(set, 0)->id, "jongeren");
	assert_string_equal(survey_set_at(set, 1)->id, "medewerkers");
	assert_string_equal(survey_set_at(set, 2)->id, "ouders");
	assert_string_equal(survey_set_at(set, 3)->id, "participatie");
	assert_null(survey_set_at(set, 4));
	s = survey_set_find(set, "ouders", 0);
	assert_non_null(s);
	assert_int_equal(s->current, 1);
	assert_ptr_equal(survey_set_find(set, "ouders", s->version), s);
	assert_null(survey_set_find(set, "ouders", s->version + 1));
	assert_null(survey_set_find(set, "nope", 0));
	assert_non_null(survey_set_location(set, "overvecht"));
	assert_non_null(survey_set_location(set, "utrecht-west"));
	assert_string_equal(json_string_value(json_object_get(
	    survey_set_location(set, "vechtzoom")->name, "nl")),
	    "Buurtteam Vechtzoom");
	assert_null(survey_set_location(set, "amsterdam"));
	assert_null(survey_set_location(set, ""));

	list = survey_set_list_json(set, &len);
	assert_int_equal(strlen(list), len);
	j = json_loads(list, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 4);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 2), "id")), "ouders");
	assert_int_equal(json_integer_value(json_object_get(
	    json_array_get(j, 2), "version")), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(j, 2), "audience")), "parent");
	assert_non_null(json_object_get(json_array_get(j, 2), "title"));
	/* Only what a list needs: no questions. */
	assert_null(json_object_get(json_array_get(j, 2), "questions"));
	json_decref(j);
	survey_set_free(set);
	buf_free(&errors);
}

static void
test_archived_versions(void **state)
{
	struct survey_set *set = NULL;
	const struct survey *cur, *old;
	struct buf errors, def;
	size_t len;
	char *text, *p;

	(void)state;
	buf_init(&errors, 64 * 1024);
	assert_int_equal(survey_set_load(TEST_SURVEYS_DIR, &set, &errors), 0);
	text = test_read_file(TEST_SURVEYS_DIR "/ouders.json", &len);
	assert_non_null(text);
	p = strstr(text, "\"version\": 2,");
	assert_non_null(p);
	buf_init(&def, 1024 * 1024);
	buf_append(&def, text, (size_t)(p - text));
	buf_puts(&def, "\"version\": 7,");
	buf_puts(&def, p + strlen("\"version\": 2,"));

	assert_int_equal(survey_set_add_archived(set, "ouders", 7,
	    buf_cstr(&def), &errors), 0);
	assert_string_equal(buf_cstr(&errors), "");
	old = survey_set_find(set, "ouders", 7);
	assert_non_null(old);
	assert_int_equal(old->current, 0);
	cur = survey_set_find(set, "ouders", 0);
	assert_ptr_not_equal(cur, old);
	assert_true(cur->version == 2);
	assert_int_equal(survey_set_count(set), 4);	/* not listed */
	/* Adding it again changes nothing. */
	assert_int_equal(survey_set_add_archived(set, "ouders", 7,
	    buf_cstr(&def), &errors), 0);
	assert_ptr_equal(survey_set_find(set, "ouders", 7), old);
	/* A broken stored definition is reported under a made-up path. */
	assert_int_equal(survey_set_add_archived(set, "gone", 3, "{\"id\": 1}",
	    &errors), -1);
	assert_non_null(strstr(buf_cstr(&errors),
	    "(stored gone version 3):1:8: 'id' must be a string\n"));
	assert_null(survey_set_find(set, "gone", 3));
	buf_free(&def);
	free(text);
	survey_set_free(set);
	buf_free(&errors);
}

/* Fingerprint. */

static void
fingerprint_of(const char *text, char out[65])
{
	struct buf errors;
	struct survey *s;

	buf_init(&errors, 64 * 1024);
	s = test_survey_parse(text, &errors);
	if (s == NULL)
		fail_msg("%s", buf_cstr(&errors));
	memcpy(out, s->fingerprint, 65);
	survey_free(s);
	buf_free(&errors);
}

static void
test_fingerprint(void **state)
{
	char a[65], b[65];
	size_t i;

	(void)state;
	fingerprint_of(base_survey, a);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	/* Same questions. */
	fingerprint_of(base_survey, b);
	assert_string_equal(a, b);
	/* Title, intro and version are not questions. */
	fingerprint_of("{\n" L_ID "  \"version\": 2,\n" L_AUD L_LANG
	    "  \"title\": {\"nl\": \"Andere titel\", \"en\": \"T\"},\n"
	    "  \"intro\": {\"nl\": \"X\", \"en\": \"Y\"},\n" L_THX L_QS Q1
	    TAIL, b);
	assert_string_equal(a, b);
	/* Layout and key order inside a question do not count. */
	fingerprint_of(HEAD "{\"text\":{\"en\":\"Q\",\"nl\":\"V\"},"
	    "\"type\":\"yesno\",\"id\":\"q1\"}" TAIL, b);
	assert_string_equal(a, b);
	/* Nor does changed question text: a translation is no new question. */
	fingerprint_of(HEAD "    {\"id\": \"q1\", \"type\": \"yesno\", "
	    "\"text\": {\"nl\": \"W\", \"en\": \"Q\"}}" TAIL, b);
	assert_string_equal(a, b);
	/* So does a changed id, type or an added question. */
	fingerprint_of(HEAD "    {\"id\": \"q9\", \"type\": \"yesno\", " TXT "}"
	    TAIL, b);
	assert_string_not_equal(a, b);
	fingerprint_of(WITH_Q2("{\"id\": \"q2\", \"type\": \"yesno\", " TXT
	    "}"), b);
	assert_string_not_equal(a, b);
}

/* Folders. */

struct folder {
	char	dir[64];
	struct buf errors;
	struct survey_set *set;
};

static const char good_locations[] =
    "{\"locations\": [{\"id\": \"here\", \"name\": {\"nl\": \"Hier\", "
    "\"en\": \"Here\"}}]}\n";

static int
folder_setup(void **state)
{
	struct folder *f = xcalloc(1, sizeof(*f));

	if (test_tmpdir(f->dir, sizeof(f->dir)) == -1) {
		free(f);
		return -1;
	}
	buf_init(&f->errors, 64 * 1024);
	*state = f;
	return 0;
}

static int
folder_teardown(void **state)
{
	struct folder *f = *state;

	survey_set_free(f->set);
	buf_free(&f->errors);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

static int
folder_load(struct folder *f)
{
	survey_set_free(f->set);
	f->set = (struct survey_set *)0x1;	/* must be reset to NULL */
	buf_reset(&f->errors);
	return survey_set_load(f->dir, &f->set, &f->errors);
}

/* The first error line, with the folder's path replaced by "DIR". */
static const char *
folder_first_error(struct folder *f, char *out, size_t outlen)
{
	char line[1024];
	size_t n = strlen(f->dir);

	test_first_line(buf_cstr(&f->errors), line, sizeof(line));
	if (strncmp(line, f->dir, n) == 0)
		snprintf(out, outlen, "DIR%s", line + n);
	else
		snprintf(out, outlen, "%s", line);
	return out;
}

static void
test_folder_good(void **state)
{
	struct folder *f = *state;

	assert_int_equal(test_write_file(f->dir, "t.json", base_survey), 0);
	assert_int_equal(test_write_file(f->dir, "locations.json",
	    good_locations), 0);
	/* Ignored: hidden files, other extensions. */
	assert_int_equal(test_write_file(f->dir, ".t.json", "garbage"), 0);
	assert_int_equal(test_write_file(f->dir, "notes.txt", "garbage"), 0);
	assert_int_equal(test_write_file(f->dir, "t.json~", "garbage"), 0);
	assert_int_equal(folder_load(f), 0);
	assert_string_equal(buf_cstr(&f->errors), "");
	assert_int_equal(survey_set_count(f->set), 1);
	assert_non_null(survey_set_find(f->set, "t", 0));
	assert_non_null(survey_set_location(f->set, "here"));
}

static void
test_folder_name_not_id(void **state)
{
	struct folder *f = *state;
	char got[1024];

	assert_int_equal(test_write_file(f->dir, "other.json", base_survey),
	    0);
	assert_int_equal(test_write_file(f->dir, "locations.json",
	    good_locations), 0);
	assert_int_equal(folder_load(f), -1);
	assert_null(f->set);
	assert_string_equal(folder_first_error(f, got, sizeof(got)),
	    "DIR/other.json:1:1: the file name must be the survey id: "
	    "'t.json'");
}

static void
test_folder_missing_locations(void **state)
{
	struct folder *f = *state;
	char got[1024];

	assert_int_equal(test_write_file(f->dir, "t.json", base_survey), 0);
	assert_int_equal(folder_load(f), -1);
	assert_null(f->set);
	assert_string_equal(folder_first_error(f, got, sizeof(got)),
	    "DIR/locations.json:1:1: missing: the locations responses are "
	    "counted under");
}

static void
test_folder_bad_locations(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\n  \"locations\": [\n"
		  "    {\"id\": \"Bad Id\", \"name\": {\"nl\": \"X\", \"en\": \"X\"}}"
		  "\n  ]\n}\n",
		  "DIR/locations.json:3:12: location id 'Bad Id' must be 1 to 48 "
		  "characters of a-z, 0-9 and '-'" },
		{ "{\"locations\": [\n"
		  "  {\"id\": \"a\", \"name\": {\"nl\": \"X\", \"en\": \"X\"}},\n"
		  "  {\"id\": \"a\", \"name\": {\"nl\": \"Y\", \"en\": \"Y\"}}]}\n",
		  "DIR/locations.json:3:10: location id 'a' is used twice" },
		{ "{\"locations\": [\n"
		  "  {\"id\": \"a\", \"name\": {\"nl\": \"X\"}}]}\n",
		  "DIR/locations.json:2:23: 'name' has no text in 'en'" },
		{ "{\"locations\": [\n  {\"id\": \"a\"}]}\n",
		  "DIR/locations.json:2:3: missing 'name'" },
		{ "{\"locations\": [\n  {\"id\": \"a\", \"name\": {\"nl\": \"X\", "
		  "\"en\": \"X\"}, \"phone\": \"x\"}]}\n",
		  "DIR/locations.json:2:56: unknown key 'phone'" },
		{ "{\"locations\": [\n  \"a\"]}\n",
		  "DIR/locations.json:2:3: a location must be an object" },
		{ "{\"locations\": []}\n",
		  "DIR/locations.json:1:1: expected {\"locations\": [...]} with "
		  "at least one location" },
		{ "[{\"id\": \"a\"}]\n",
		  "DIR/locations.json:1:1: expected {\"locations\": [...]} with "
		  "at least one location" },
		{ "{\"locations\": [{\"id\": \"a\", \"name\": {\"nl\": \"X\", "
		  "\"en\": \"X\"}}], \"extra\": 1}\n",
		  "DIR/locations.json:1:1: expected {\"locations\": [...]} with "
		  "at least one location" },
		{ "{\"locations\": [}\n",
		  "DIR/locations.json:1:16: unexpected token near '}'" },
	};
	struct folder *f = *state;
	char got[1024];
	size_t i;

	assert_int_equal(test_write_file(f->dir, "t.json", base_survey), 0);
	for (i = 0; i < KB_NELEM(cases); i++) {
		assert_int_equal(test_write_file(f->dir, "locations.json",
		    cases[i].text), 0);
		if (folder_load(f) != -1)
			fail_msg("case %zu accepted", i);
		assert_null(f->set);
		if (strcmp(folder_first_error(f, got, sizeof(got)),
		    cases[i].want) != 0)
			fail_msg("case %zu:\n  want %s\n  got  %s", i,
			    cases[i].want, got);
	}
}

static void
test_folder_missing(void **state)
{
	struct folder *f = *state;
	char got[1024];

	test_rmtree(f->dir);
	assert_int_equal(folder_load(f), -1);
	assert_null(f->set);
	assert_string_equal(folder_first_error(f, got, sizeof(got)),
	    "DIR:1:1: No such file or directory");
}

static void
test_folder_without_surveys(void **state)
{
	struct folder *f = *state;
	char got[1024];

	assert_int_equal(test_write_file(f->dir, "locations.json",
	    good_locations), 0);
	assert_int_equal(folder_load(f), -1);
	assert_null(f->set);
	assert_string_equal(folder_first_error(f, got, sizeof(got)),
	    "DIR:1:1: no survey definitions (*.json) found");
}

static void
test_folder_one_bad_survey_fails_all(void **state)
{
	struct folder *f = *state;
	char want[256];

	assert_int_equal(test_write_file(f->dir, "t.json", base_survey), 0);
	assert_int_equal(test_write_file(f->dir, "locations.json",
	    good_locations), 0);
	assert_int_equal(test_write_file(f->dir, "u.json",
	    "{\"id\": \"u\"}"), 0);
	assert_int_equal(folder_load(f), -1);
	assert_null(f->set);
	snprintf(want, sizeof(want), "%s/u.json:1:1: missing 'version'\n",
	    f->dir);
	assert_non_null(strstr(buf_cstr(&f->errors), want));
	/* Every problem in one run, not just the first. */
	assert_true(test_count_lines(buf_cstr(&f->errors)) > 3);
}

static void
test_folder_file_too_large(void **state)
{
	struct folder *f = *state;
	char *big;
	size_t n = 1024 * 1024 + 1;
	char want[256];

	big = xmalloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(test_write_file(f->dir, "locations.json",
	    good_locations), 0);
	assert_int_equal(test_write_file_n(f->dir, "big.json", big, n), 0);
	free(big);
	assert_int_equal(folder_load(f), -1);
	snprintf(want, sizeof(want), "%s/big.json:1:1: file is larger than "
	    "1 MiB\n", f->dir);
	assert_string_equal(buf_cstr(&f->errors), want);
}

int
main(void)
{
#define F(fn) cmocka_unit_test_setup_teardown(fn, folder_setup, \
	    folder_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_survey_is_valid),
		cmocka_unit_test(test_golden_errors),
		cmocka_unit_test(test_golden_syntax_errors),
		cmocka_unit_test(test_every_error_is_reported),
		cmocka_unit_test(test_valid_variants_accepted),
		cmocka_unit_test(test_shipped_surveys_parse),
		cmocka_unit_test(test_every_shipped_file_parses),
		cmocka_unit_test(test_shipped_set_loads),
		cmocka_unit_test(test_archived_versions),
		cmocka_unit_test(test_fingerprint),
		F(test_folder_good),
		F(test_folder_name_not_id),
		F(test_folder_missing_locations),
		F(test_folder_bad_locations),
		F(test_folder_missing),
		F(test_folder_without_surveys),
		F(test_folder_one_bad_survey_fails_all),
		F(test_folder_file_too_large),
	};
#undef F

	return cmocka_run_group_tests_name("survey", tests, NULL, NULL);
}
