/*
 * survey.c — survey definitions: parse, validate with positions and
 * fingerprint.  A survey keeps its parsed JSON; question fields point into
 * it, so one json_decref frees them all.  The goals are read in
 * survey_goals.c, the folder of surveys in survey_set.c, and a response's
 * answers are checked in survey_answers.c.
 */
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jsonpos.h"
#include "survey.h"
#include "survey_priv.h"
#include "util.h"

#define SURVEY_MAX_QUESTIONS	100
#define SURVEY_MAX_LANGUAGES	16

static const char *qtype_names[] = {
	"smiley", "grade", "scale", "choice", "multi", "yesno", "text"
};

void
vctx_push(struct vctx *v, const char *key)
{
	if (v->depth < VCTX_DEPTH)
		v->seg[v->depth] = key;
	v->depth++;
}

void
vctx_push_idx(struct vctx *v, size_t i)
{
	if (v->depth < VCTX_DEPTH) {
		snprintf(v->idx[v->depth], sizeof(v->idx[0]), "%zu", i);
		v->seg[v->depth] = v->idx[v->depth];
	}
	v->depth++;
}

void
vctx_pop(struct vctx *v)
{
	v->depth--;
}

/* Reports a problem at the current path, extended by key when not NULL. */
void __attribute__((format(printf, 3, 4)))
vctx_err(struct vctx *v, const char *key, const char *fmt, ...)
{
	va_list ap;
	char msg[512], *p;
	int line, col;
	size_t d = v->depth < VCTX_DEPTH ? v->depth : VCTX_DEPTH;

	if (key != NULL && d < VCTX_DEPTH)
		v->seg[d++] = key;
	jsonpos_locate(v->text, v->len, v->seg, d, &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A key from the file may hold a line break: one message, one line. */
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	buf_printf(v->errors, "%s:%d:%d: %s\n", v->path, line, col, msg);
	v->nerrors++;
}

/* Every key of obj must be in allowed (NULL-terminated). */
void
check_keys(struct vctx *v, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val) {
		const char *const *a;

		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL)
			vctx_err(v, key, "unknown key '%s'", key);
	}
}

const char *
get_string(struct vctx *v, json_t *obj, const char *key, int required)
{
	json_t *j = json_object_get(obj, key);

	if (j == NULL) {
		if (required)
			vctx_err(v, NULL, "missing '%s'", key);
		return NULL;
	}
	if (!json_is_string(j)) {
		vctx_err(v, key, "'%s' must be a string", key);
		return NULL;
	}
	return json_string_value(j);
}

static int
get_integer(struct vctx *v, json_t *obj, const char *key, int required,
    long long min, long long max, long long *out)
{
	json_t *j = json_object_get(obj, key);

	if (j == NULL) {
		if (required)
			vctx_err(v, NULL, "missing '%s'", key);
		return -1;
	}
	if (!json_is_integer(j)) {
		vctx_err(v, key, "'%s' must be a whole number", key);
		return -1;
	}
	if (json_integer_value(j) < min || json_integer_value(j) > max) {
		vctx_err(v, key, "'%s' must be between %lld and %lld", key, min,
		    max);
		return -1;
	}
	*out = json_integer_value(j);
	return 0;
}

static int
get_bool(struct vctx *v, json_t *obj, const char *key)
{
	json_t *j = json_object_get(obj, key);

	if (j == NULL)
		return 0;
	if (!json_is_boolean(j)) {
		vctx_err(v, key, "'%s' must be true or false", key);
		return 0;
	}
	return json_is_true(j);
}

/* A localized text: a non-empty string for every language, nothing else. */
static void
check_text(struct vctx *v, json_t *obj, const char *key, int required,
    const struct survey *s)
{
	json_t *j = json_object_get(obj, key), *val;
	const char *lang;
	size_t i;

	if (j == NULL) {
		if (required)
			vctx_err(v, NULL, "missing '%s'", key);
		return;
	}
	if (!json_is_object(j)) {
		vctx_err(v, key, "'%s' must be an object with a text per "
		    "language", key);
		return;
	}
	vctx_push(v, key);
	for (i = 0; i < s->nlanguages; i++) {
		json_t *t = json_object_get(j, s->languages[i]);

		if (t == NULL)
			vctx_err(v, NULL, "'%s' has no text in '%s'", key,
			    s->languages[i]);
	}
	json_object_foreach(j, lang, val) {
		long n;

		if (!survey_has_language(s, lang)) {
			vctx_err(v, lang, "language '%s' is not in 'languages'",
			    lang);
			continue;
		}
		if (!json_is_string(val)) {
			vctx_err(v, lang, "text must be a string");
			continue;
		}
		n = utf8_length(json_string_value(val),
		    json_string_length(val));
		if (n < 1 || n > SURVEY_TEXT_MAX)
			vctx_err(v, lang, "text must be 1 to %d characters",
			    SURVEY_TEXT_MAX);
	}
	vctx_pop(v);
}

/* Each language's text of obj[key] is at most max characters. */
void
check_short(struct vctx *v, json_t *obj, const char *key, long max)
{
	json_t *j = json_object_get(obj, key), *val;
	const char *lang;

	if (!json_is_object(j))
		return;
	vctx_push(v, key);
	json_object_foreach(j, lang, val)
		if (json_is_string(val) && utf8_length(json_string_value(val),
		    json_string_length(val)) > max)
			vctx_err(v, lang, "'%s' must be at most %ld characters",
			    key, max);
	vctx_pop(v);
}

/* Has s (n bytes of UTF-8) a control character, C0, DEL or C1? */
static int
has_control(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 1;
		if (p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

/*
 * No key or string anywhere in j holds a control character: they break
 * the SVG of a poster, the CSV and the terminal a report is read in.
 */
void
check_controls(struct vctx *v, json_t *j)
{
	const char *key;
	json_t *val;
	size_t i;

	if (json_is_string(j)) {
		if (has_control(json_string_value(j), json_string_length(j)))
			vctx_err(v, NULL, "control characters (such as a tab "
			    "or a line break) are not allowed in a text");
	} else if (json_is_object(j)) {
		json_object_foreach(j, key, val) {
			if (has_control(key, strlen(key))) {
				vctx_err(v, NULL, "control characters are not "
				    "allowed in a key");
				continue;
			}
			vctx_push(v, key);
			check_controls(v, val);
			vctx_pop(v);
		}
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, val) {
			vctx_push_idx(v, i);
			check_controls(v, val);
			vctx_pop(v);
		}
	}
}

static void
check_languages(struct vctx *v, json_t *def, struct survey *s)
{
	json_t *j = json_object_get(def, "languages"), *l;
	size_t i, k;

	if (j == NULL) {
		vctx_err(v, NULL, "missing 'languages'");
		return;
	}
	if (!json_is_array(j) || json_array_size(j) == 0 ||
	    json_array_size(j) > SURVEY_MAX_LANGUAGES) {
		vctx_err(v, "languages", "'languages' must be a list of 1 to "
		    "%d language codes", SURVEY_MAX_LANGUAGES);
		return;
	}
	s->languages = xcalloc(json_array_size(j), sizeof(char *));
	vctx_push(v, "languages");
	json_array_foreach(j, i, l) {
		const char *code = json_string_value(l);

		vctx_push_idx(v, i);
		if (code == NULL || strlen(code) < 2 || strlen(code) > 3 ||
		    !ident_valid(code, 3, NULL)) {
			vctx_err(v, NULL, "a language is a 2 or 3 letter code "
			    "such as \"nl\"");
		} else {
			for (k = 0; k < s->nlanguages; k++)
				if (strcmp(s->languages[k], code) == 0)
					vctx_err(v, NULL, "language '%s' is "
					    "listed twice", code);
			s->languages[s->nlanguages++] = code;
		}
		vctx_pop(v);
	}
	vctx_pop(v);
}

/*
 * Is b exactly "YYYY-MM/YYYY-MM"?  sscanf alone would also take " 2024-1"
 * or "+1", which readers of the baseline that cut at fixed places misread.
 */
int
period_shaped(const char *b)
{
	static const char shape[] = "dddd-dd/dddd-dd";
	size_t i;

	if (strlen(b) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] == 'd' ? b[i] < '0' || b[i] > '9' :
		    b[i] != shape[i])
			return 0;
	}
	return 1;
}

static void
check_goal(struct vctx *v, json_t *def)
{
	static const char *const keys[] = { "measure", "baseline", "target",
	    NULL };
	json_t *g = json_object_get(def, "goal"), *t;
	const char *m, *b;
	int y1, m1, y2, m2;
	char tail;

	if (g == NULL)
		return;
	if (!json_is_object(g)) {
		vctx_err(v, "goal", "'goal' must be an object");
		return;
	}
	vctx_push(v, "goal");
	check_keys(v, g, keys);
	m = get_string(v, g, "measure", 1);
	if (m != NULL && strcmp(m, "satisfaction") != 0)
		vctx_err(v, "measure", "the only goal measure is "
		    "\"satisfaction\"");
	b = get_string(v, g, "baseline", 1);
	if (b != NULL && (!period_shaped(b) || sscanf(b, "%4d-%2d/%4d-%2d%c",
	    &y1, &m1, &y2, &m2, &tail) != 4 || m1 < 1 || m1 > 12 || m2 < 1 ||
	    m2 > 12 || y1 < 2000 || y2 > 2100 || y1 * 12 + m1 > y2 * 12 + m2))
		vctx_err(v, "baseline", "'baseline' must be a period "
		    "\"YYYY-MM/YYYY-MM\", first month not after the last");
	t = json_object_get(g, "target");
	if (t == NULL)
		vctx_err(v, NULL, "missing 'target'");
	else if (!json_is_number(t) || json_number_value(t) < 0 ||
	    json_number_value(t) > 10)
		vctx_err(v, "target", "'target' must be a number from 0 to 10");
	vctx_pop(v);
}

long
question_index(const struct survey *s, size_t upto, const char *id)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (s->questions[i].id[0] == id[0] &&
		    strcmp(s->questions[i].id, id) == 0)
			return (long)i;
	return -1;
}

long
option_index(const struct survey_question *q, const char *id)
{
	size_t i;

	for (i = 0; i < q->noptions; i++)
		if (strcmp(q->options[i], id) == 0)
			return (long)i;
	return -1;
}

/* Is v a possible answer value of q, as show_if compares it? */
int
value_fits(const struct survey_question *q, json_t *v)
{
	switch (q->type) {
	case SURVEY_Q_SMILEY:
	case SURVEY_Q_GRADE:
	case SURVEY_Q_SCALE:
		return json_is_integer(v) && json_integer_value(v) >= q->min &&
		    json_integer_value(v) <= q->max;
	case SURVEY_Q_CHOICE:
	case SURVEY_Q_MULTI:
		return json_is_string(v) &&
		    option_index(q, json_string_value(v)) >= 0;
	case SURVEY_Q_YESNO:
		return json_is_boolean(v);
	case SURVEY_Q_TEXT:
		return 0;
	}
	return 0;
}

static void
check_options(struct vctx *v, json_t *qj, struct survey_question *q,
    const struct survey *s)
{
	static const char *const keys[] = { "id", "text", NULL };
	json_t *opts = json_object_get(qj, "options"), *o;
	size_t i;

	if (opts == NULL) {
		vctx_err(v, NULL, "missing 'options'");
		return;
	}
	if (!json_is_array(opts) || json_array_size(opts) < 2 ||
	    json_array_size(opts) > SURVEY_MAX_OPTIONS) {
		vctx_err(v, "options", "'options' must be a list of 2 to %d "
		    "options", SURVEY_MAX_OPTIONS);
		return;
	}
	q->options = xcalloc(json_array_size(opts), sizeof(char *));
	vctx_push(v, "options");
	json_array_foreach(opts, i, o) {
		const char *id;

		vctx_push_idx(v, i);
		if (!json_is_object(o)) {
			vctx_err(v, NULL, "an option must be an object with "
			    "'id' and 'text'");
			vctx_pop(v);
			continue;
		}
		check_keys(v, o, keys);
		id = get_string(v, o, "id", 1);
		if (id != NULL && !ident_valid(id, 32, "_-"))
			vctx_err(v, "id", "option id '%s' must be 1 to 32 "
			    "characters of a-z, 0-9, '_' and '-'", id);
		else if (id != NULL && option_index(q, id) >= 0)
			vctx_err(v, "id", "option id '%s' is used twice", id);
		else if (id != NULL)
			q->options[q->noptions++] = id;
		check_text(v, o, "text", 1, s);
		vctx_pop(v);
	}
	vctx_pop(v);
}

static void
check_show_if(struct vctx *v, json_t *qj, struct survey_question *q,
    struct survey *s, size_t index)
{
	static const char *const keys[] = { "question", "equals", NULL };
	json_t *si = json_object_get(qj, "show_if");
	const char *ref;
	long r;

	q->show_if = -1;
	if (si == NULL)
		return;
	if (!json_is_object(si)) {
		vctx_err(v, "show_if", "'show_if' must be an object with "
		    "'question' and 'equals'");
		return;
	}
	vctx_push(v, "show_if");
	check_keys(v, si, keys);
	ref = get_string(v, si, "question", 1);
	q->show_equals = json_object_get(si, "equals");
	if (q->show_equals == NULL)
		vctx_err(v, NULL, "missing 'equals'");
	if (ref != NULL) {
		r = question_index(s, index, ref);
		if (r < 0)
			vctx_err(v, "question", "show_if refers to '%s', which "
			    "is not an earlier question", ref);
		else if (q->show_equals != NULL &&
		    !value_fits(&s->questions[r], q->show_equals))
			vctx_err(v, "equals", "'equals' is not a possible "
			    "answer to question '%s'", ref);
		else
			q->show_if = r;
	}
	vctx_pop(v);
}

static void
check_question(struct vctx *v, json_t *qj, struct survey *s, size_t index)
{
	static const char *const keys[] = { "id", "type", "text", "hint",
	    "required", "measure", "theme", "show_if", "faces", "min", "max",
	    "options", "max_length", NULL };
	struct survey_question *q = &s->questions[index];
	const char *id, *type, *measure, *theme;
	size_t t;
	long long n;

	q->show_if = -1;
	q->id = "";
	if (!json_is_object(qj)) {
		vctx_err(v, NULL, "a question must be an object");
		return;
	}
	check_keys(v, qj, keys);
	id = get_string(v, qj, "id", 1);
	if (id != NULL && !ident_valid(id, 48, "_"))
		vctx_err(v, "id", "question id '%s' must be 1 to 48 characters "
		    "of a-z, 0-9 and '_'", id);
	else if (id != NULL && question_index(s, index, id) >= 0)
		vctx_err(v, "id", "question id '%s' is used twice", id);
	else if (id != NULL)
		q->id = id;
	type = get_string(v, qj, "type", 1);
	if (type == NULL)
		return;
	for (t = 0; t < KB_NELEM(qtype_names); t++)
		if (strcmp(type, qtype_names[t]) == 0)
			break;
	if (t == KB_NELEM(qtype_names)) {
		vctx_err(v, "type", "unknown question type '%s' (smiley, "
		    "grade, scale, choice, multi, yesno or text)", type);
		return;
	}
	q->type = (enum survey_qtype)t;
	check_text(v, qj, "text", 1, s);
	check_text(v, qj, "hint", 0, s);
	q->required = get_bool(v, qj, "required");

#define ONLY_FOR(key, cond, what) do {					\
	if (json_object_get(qj, key) != NULL && !(cond))		\
		vctx_err(v, key, "'%s' is only for %s questions", key, what); \
} while (0)
	ONLY_FOR("faces", q->type == SURVEY_Q_SMILEY, "smiley");
	ONLY_FOR("min", q->type == SURVEY_Q_SCALE, "scale");
	ONLY_FOR("max", q->type == SURVEY_Q_SCALE, "scale");
	ONLY_FOR("options", q->type == SURVEY_Q_CHOICE ||
	    q->type == SURVEY_Q_MULTI, "choice and multi");
	ONLY_FOR("max_length", q->type == SURVEY_Q_TEXT, "text");
#undef ONLY_FOR

	switch (q->type) {
	case SURVEY_Q_SMILEY:
		q->min = 1;
		q->max = 5;
		if (json_object_get(qj, "faces") != NULL &&
		    get_integer(v, qj, "faces", 0, 4, 5, &n) == 0)
			q->max = n;
		break;
	case SURVEY_Q_GRADE:
		q->min = 1;
		q->max = 10;
		break;
	case SURVEY_Q_SCALE:
		if (get_integer(v, qj, "min", 1, 0, 100, &q->min) == 0 &&
		    get_integer(v, qj, "max", 1, 1, 100, &q->max) == 0 &&
		    q->min >= q->max)
			vctx_err(v, "max", "'max' must be greater than 'min'");
		break;
	case SURVEY_Q_CHOICE:
	case SURVEY_Q_MULTI:
		check_options(v, qj, q, s);
		break;
	case SURVEY_Q_TEXT:
		get_integer(v, qj, "max_length", 1, 1, SURVEY_TEXT_MAX,
		    &q->max_length);
		break;
	case SURVEY_Q_YESNO:
		break;
	}
	measure = get_string(v, qj, "measure", 0);
	if (measure != NULL) {
		if (strcmp(measure, "satisfaction") != 0)
			vctx_err(v, "measure", "the only measure is "
			    "\"satisfaction\"");
		else if (q->type == SURVEY_Q_CHOICE ||
		    q->type == SURVEY_Q_MULTI || q->type == SURVEY_Q_TEXT)
			vctx_err(v, "measure", "only smiley, grade, scale and "
			    "yesno questions can measure satisfaction");
		else
			q->satisfaction = 1;
	}
	theme = get_string(v, qj, "theme", 0);
	if (theme != NULL && strcmp(theme, "access") != 0 &&
	    strcmp(theme, "quality") != 0 && strcmp(theme, "effect") != 0)
		vctx_err(v, "theme", "unknown theme '%s' (access, quality or "
		    "effect)", theme);
	else
		q->theme = theme;
	check_show_if(v, qj, q, s, index);
}

/* "k": a survey may raise the anonymity threshold, never lower it. */
static void
check_survey_k(struct vctx *v, struct survey *s)
{
	if (json_object_get(s->def, "k") != NULL)
		(void)get_integer(v, s->def, "k", 0, 3, 1000, &s->k);
}

static void
sha256_hex(json_t *j, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char *js;

	js = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	if (js == NULL)
		js = xstrdup("");
	crypto_hash_sha256(h, (const unsigned char *)js, strlen(js));
	hex_encode(h, sizeof(h), out);
	free(js);
}

/*
 * The version covers the questions' structure, not their words: the
 * questions without "text" and "hint", options by id only.  So adding or
 * correcting a translation needs no new version.  fingerprint_legacy
 * (every byte of the questions) is what versions stored before that hold.
 */
static void
survey_fingerprint(struct survey *s)
{
	json_t *qs = json_object_get(s->def, "questions");
	json_t *shape = json_array(), *q, *c, *opts, *o;
	size_t i, j;

	json_array_foreach(qs, i, q) {
		c = json_deep_copy(q);
		json_object_del(c, "text");
		json_object_del(c, "hint");
		json_object_del(c, "theme");
		opts = json_object_get(c, "options");
		json_array_foreach(opts, j, o) {
			json_array_set(opts, j, json_object_get(o, "id"));
		}
		json_array_append_new(shape, c);
	}
	sha256_hex(shape, s->fingerprint);
	json_decref(shape);
	sha256_hex(qs, s->fingerprint_legacy);
}

struct survey *
survey_parse(const char *path, const char *text, size_t len,
    struct buf *errors)
{
	static const char *const keys[] = { "id", "version", "audience",
	    "languages", "minutes", "title", "intro", "thanks", "goal",
	    "questions", "signup", "goals", "k", NULL };
	struct vctx v = { path, text, len, { NULL }, { { 0 } }, 0, errors, 0 };
	struct survey *s;
	json_error_t jerr;
	json_t *qs, *qj;
	const char *aud;
	long long minutes;
	size_t i;

	s = xcalloc(1, sizeof(*s));
	s->def = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (s->def == NULL) {
		buf_printf(errors, "%s:%d:%d: %s\n", path, jerr.line,
		    jerr.column > 0 ? jerr.column : 1, jerr.text);
		goto fail;
	}
	if (!json_is_object(s->def)) {
		vctx_err(&v, NULL, "a survey must be a JSON object");
		goto fail;
	}
	check_keys(&v, s->def, keys);
	check_controls(&v, s->def);
	s->id = get_string(&v, s->def, "id", 1);
	if (s->id != NULL && !ident_valid(s->id, 48, "-")) {
		vctx_err(&v, "id", "survey id must be 1 to 48 characters of "
		    "a-z, 0-9 and '-'");
		s->id = NULL;
	}
	get_integer(&v, s->def, "version", 1, 1, 1000000, &s->version);
	aud = get_string(&v, s->def, "audience", 1);
	if (aud != NULL) {
		if (strcmp(aud, "parent") == 0)
			s->audience = SURVEY_AUDIENCE_PARENT;
		else if (strcmp(aud, "youth") == 0)
			s->audience = SURVEY_AUDIENCE_YOUTH;
		else if (strcmp(aud, "any") == 0)
			s->audience = SURVEY_AUDIENCE_ANY;
		else if (strcmp(aud, "staff") == 0)
			s->audience = SURVEY_AUDIENCE_STAFF;
		else
			vctx_err(&v, "audience", "audience must be \"parent\", "
			    "\"youth\", \"any\" or \"staff\"");
	}
	check_languages(&v, s->def, s);
	if (json_object_get(s->def, "minutes") != NULL)
		get_integer(&v, s->def, "minutes", 0, 1, 60, &minutes);
	check_text(&v, s->def, "title", 1, s);
	check_short(&v, s->def, "title", SURVEY_NAME_MAX);
	check_text(&v, s->def, "intro", 1, s);
	check_text(&v, s->def, "thanks", 1, s);
	check_goal(&v, s->def);
	if (json_object_get(s->def, "signup") != NULL &&
	    !json_is_boolean(json_object_get(s->def, "signup")))
		vctx_err(&v, "signup", "\"signup\" must be true or false");
	qs = json_object_get(s->def, "questions");
	if (qs == NULL) {
		vctx_err(&v, NULL, "missing 'questions'");
	} else if (!json_is_array(qs) || json_array_size(qs) == 0 ||
	    json_array_size(qs) > SURVEY_MAX_QUESTIONS) {
		vctx_err(&v, "questions", "'questions' must be a list of 1 to "
		    "%d questions", SURVEY_MAX_QUESTIONS);
	} else {
		s->questions = xcalloc(json_array_size(qs),
		    sizeof(*s->questions));
		vctx_push(&v, "questions");
		json_array_foreach(qs, i, qj) {
			vctx_push_idx(&v, i);
			check_question(&v, qj, s, i);
			s->nquestions++;
			vctx_pop(&v);
		}
		vctx_pop(&v);
	}
	if (v.nerrors == 0)
		check_goals(&v, s);
	check_survey_k(&v, s);
	if (v.nerrors > 0)
		goto fail;
	survey_fingerprint(s);
	s->def_json = json_dumps(s->def, JSON_COMPACT);
	if (s->def_json == NULL)
		goto fail;
	s->def_json_len = strlen(s->def_json);
	return s;
fail:
	survey_free(s);
	return NULL;
}

void
survey_free(struct survey *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nquestions; i++)
		free(s->questions[i].options);
	free(s->questions);
	for (i = 0; i < s->ngoals; i++)
		free(s->goals[i].share_of);
	free(s->goals);
	free(s->languages);
	free(s->def_json);
	json_decref(s->def);
	free(s);
}

int
survey_has_language(const struct survey *s, const char *lang)
{
	size_t i;

	for (i = 0; i < s->nlanguages; i++)
		if (strcmp(s->languages[i], lang) == 0)
			return 1;
	return 0;
}
