/*
 * i18n.c — interface texts per language (surveys/i18n/LL.json): load,
 * validate against nl.json with file:line:column messages, look up.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "jsonpos.h"
#include "util.h"

#define I18N_FILE_MAX	(256 * 1024)
#define I18N_MAX_LANGS	64
#define I18N_TEXT_MAX	2000
#define I18N_LIST_MAX	16

struct i18n {
	struct i18n_lang	**langs;	/* sorted by code */
	size_t			  n;
};

/* An error at texts.key. */
static void __attribute__((format(printf, 6, 7)))
ierr(struct buf *errors, const char *path, const char *text, size_t len,
    const char *key, const char *fmt, ...)
{
	const char *seg[2] = { "texts", key };
	int line = 1, col = 1;
	char msg[512];
	va_list ap;

	jsonpos_locate(text, len, seg, 2, &line, &col);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_printf(errors, "%s:%d:%d: %s\n", path, line, col, msg);
}

/* An error at a top-level key. */
static void
ierr_top(struct buf *errors, const char *path, const char *text, size_t len,
    const char *key, const char *msg)
{
	const char *seg[1] = { key };
	int line = 1, col = 1;

	if (key != NULL)
		jsonpos_locate(text, len, seg, 1, &line, &col);
	buf_printf(errors, "%s:%d:%d: %s\n", path, line, col, msg);
}

/* Whether each {name} in a also appears in b. */
static int
placeholders_in(const char *a, const char *b)
{
	const char *p = a, *e;
	char want[40];

	while ((p = strchr(p, '{')) != NULL) {
		e = strchr(p, '}');
		if (e == NULL)
			break;
		if ((size_t)(e - p + 1) < sizeof(want)) {
			memcpy(want, p, (size_t)(e - p + 1));
			want[e - p + 1] = '\0';
			if (strstr(b, want) == NULL)
				return 0;
		}
		p = e + 1;
	}
	return 1;
}

static int
same_placeholders(const char *a, const char *b)
{
	return placeholders_in(a, b) && placeholders_in(b, a);
}

static int
text_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= I18N_TEXT_MAX;
}

/* Checks one value of "texts" (against the reference value, if any). */
static void
check_value(struct buf *errors, const char *path, const char *text,
    size_t len, const char *key, json_t *val, json_t *refval, int *bad)
{
	size_t i;
	json_t *item;

	if (json_is_string(val)) {
		if (!text_ok(json_string_value(val))) {
			ierr(errors, path, text, len, key, "text '%s' must be "
			    "1 to %d bytes", key, I18N_TEXT_MAX);
			*bad = 1;
		} else if (refval != NULL && !json_is_string(refval)) {
			ierr(errors, path, text, len, key, "text '%s' must be "
			    "a list, as in nl.json", key);
			*bad = 1;
		} else if (refval != NULL && !same_placeholders(
		    json_string_value(val), json_string_value(refval))) {
			ierr(errors, path, text, len, key, "text '%s' must "
			    "keep the {placeholders} of nl.json: \"%s\"", key,
			    json_string_value(refval));
			*bad = 1;
		}
		return;
	}
	if (!json_is_array(val) || json_array_size(val) == 0 ||
	    json_array_size(val) > I18N_LIST_MAX) {
		ierr(errors, path, text, len, key, "text '%s' must be a "
		    "string or a list of 1 to %d strings", key, I18N_LIST_MAX);
		*bad = 1;
		return;
	}
	if (refval != NULL && (!json_is_array(refval) ||
	    json_array_size(refval) != json_array_size(val))) {
		ierr(errors, path, text, len, key, "text '%s' must have the "
		    "shape it has in nl.json (%s of %zu)", key,
		    json_is_array(refval) ? "a list" : "not a list",
		    json_is_array(refval) ? json_array_size(refval) : 0);
		*bad = 1;
		return;
	}
	json_array_foreach(val, i, item) {
		if (!json_is_string(item) || !text_ok(json_string_value(item))) {
			ierr(errors, path, text, len, key, "text '%s', item "
			    "%zu: must be a string of 1 to %d bytes", key,
			    i + 1, I18N_TEXT_MAX);
			*bad = 1;
		}
	}
}

void
i18n_lang_free(struct i18n_lang *l)
{
	if (l == NULL)
		return;
	json_decref(l->def);
	free(l);
}

struct i18n_lang *
i18n_parse(const char *path, const char *text, size_t len,
    const struct i18n_lang *ref, struct buf *errors)
{
	static const char *const keys[] = { "lang", "name", "dir", "review",
	    "texts", NULL };
	struct i18n_lang *l = xcalloc(1, sizeof(*l));
	json_error_t jerr;
	const char *k, *code, *dir;
	json_t *v;
	size_t i;
	int bad = 0;

	l->def = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (l->def == NULL) {
		buf_printf(errors, "%s:%d:%d: %s\n", path, jerr.line,
		    jerr.column > 0 ? jerr.column : 1, jerr.text);
		goto fail;
	}
	if (!json_is_object(l->def)) {
		ierr_top(errors, path, text, len, NULL,
		    "interface texts must be a JSON object");
		goto fail;
	}
	json_object_foreach(l->def, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL) {
			ierr_top(errors, path, text, len, k, "unknown key (lang, "
			    "name, dir, review or texts)");
			bad = 1;
		}
	}
	code = json_string_value(json_object_get(l->def, "lang"));
	if (code == NULL || strlen(code) < 2 || strlen(code) > 3 ||
	    !ident_valid(code, 3, "")) {
		ierr_top(errors, path, text, len, "lang", "'lang' must be a "
		    "language code of 2 or 3 letters a-z");
		bad = 1;
	} else {
		snprintf(l->lang, sizeof(l->lang), "%s", code);
	}
	l->name = json_string_value(json_object_get(l->def, "name"));
	if (l->name == NULL || strlen(l->name) == 0 || strlen(l->name) > 64) {
		ierr_top(errors, path, text, len, "name", "'name' must be the "
		    "language's own name, 1 to 64 bytes");
		bad = 1;
	}
	v = json_object_get(l->def, "dir");
	dir = json_string_value(v);
	if (v != NULL && (dir == NULL || (strcmp(dir, "ltr") != 0 &&
	    strcmp(dir, "rtl") != 0))) {
		ierr_top(errors, path, text, len, "dir", "'dir' must be \"ltr\" "
		    "or \"rtl\"");
		bad = 1;
	}
	l->rtl = dir != NULL && strcmp(dir, "rtl") == 0;
	v = json_object_get(l->def, "review");
	if (v != NULL && !json_is_string(v)) {
		ierr_top(errors, path, text, len, "review", "'review' must be a "
		    "sentence saying what a native speaker should check");
		bad = 1;
	}
	l->review = json_string_value(v);
	l->texts = json_object_get(l->def, "texts");
	if (!json_is_object(l->texts) || json_object_size(l->texts) == 0) {
		ierr_top(errors, path, text, len, "texts", "'texts' must be an "
		    "object of interface texts");
		goto fail;
	}
	json_object_foreach(l->texts, k, v) {
		json_t *refval = NULL;

		if (ref != NULL) {
			refval = json_object_get(ref->texts, k);
			if (refval == NULL) {
				ierr(errors, path, text, len, k, "unknown text "
				    "'%s': nl.json has no such key", k);
				bad = 1;
				continue;
			}
		}
		check_value(errors, path, text, len, k, v, refval, &bad);
	}
	if (bad)
		goto fail;
	return l;
fail:
	i18n_lang_free(l);
	return NULL;
}

static char *
slurp(const char *path, size_t *len, struct buf *errors)
{
	char chunk[8192];
	struct buf b;
	FILE *fp;
	size_t n;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		buf_printf(errors, "%s:1:1: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, I18N_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	if (buf_failed(&b)) {
		buf_printf(errors, "%s:1:1: larger than %d KiB\n", path,
		    I18N_FILE_MAX / 1024);
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, len);
}

/* Loads dir/name; ref as in i18n_parse.  NULL on error (reported). */
static struct i18n_lang *
load_one(const char *dir, const char *name, const struct i18n_lang *ref,
    struct buf *errors)
{
	struct i18n_lang *l = NULL;
	struct buf path;
	char *text;
	size_t len, n = strlen(name) - 5;

	buf_init(&path, 4096);
	buf_printf(&path, "%s/%s", dir, name);
	text = slurp(buf_cstr(&path), &len, errors);
	if (text != NULL)
		l = i18n_parse(buf_cstr(&path), text, len, ref, errors);
	if (l != NULL && (strlen(l->lang) != n ||
	    strncmp(l->lang, name, n) != 0)) {
		ierr_top(errors, buf_cstr(&path), text, len, "lang", "the file "
		    "name must be the language code in 'lang'");
		i18n_lang_free(l);
		l = NULL;
	}
	free(text);
	buf_free(&path);
	return l;
}

static int
lang_cmp(const void *a, const void *b)
{
	const struct i18n_lang *const *x = a, *const *y = b;

	return strcmp((*x)->lang, (*y)->lang);
}

int
i18n_load(const char *dir, struct i18n **out, struct buf *errors)
{
	struct i18n *set = xcalloc(1, sizeof(*set));
	struct i18n_lang *nl = NULL;
	struct dirent *de;
	DIR *d;
	int bad = 0;

	*out = NULL;
	d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT) {
			*out = set;
			return 0;
		}
		buf_printf(errors, "%s:1:1: %s\n", dir, strerror(errno));
		free(set);
		return -1;
	}
	nl = load_one(dir, "nl.json", NULL, errors);
	if (nl == NULL) {
		bad = 1;
	} else {
		set->langs = xcalloc(I18N_MAX_LANGS, sizeof(*set->langs));
		set->langs[set->n++] = nl;
	}
	while (nl != NULL && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		struct i18n_lang *l;

		if (n < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + n - 5, ".json") != 0 ||
		    strcmp(de->d_name, "nl.json") == 0)
			continue;
		if (set->n == I18N_MAX_LANGS) {
			buf_printf(errors, "%s:1:1: more than %d languages\n",
			    dir, I18N_MAX_LANGS);
			bad = 1;
			break;
		}
		l = load_one(dir, de->d_name, nl, errors);
		if (l == NULL)
			bad = 1;
		else
			set->langs[set->n++] = l;
	}
	closedir(d);
	if (bad) {
		i18n_free(set);
		return -1;
	}
	qsort(set->langs, set->n, sizeof(*set->langs), lang_cmp);
	*out = set;
	return 0;
}

void
i18n_free(struct i18n *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		i18n_lang_free(set->langs[i]);
	free(set->langs);
	free(set);
}

size_t
i18n_count(const struct i18n *set)
{
	return set == NULL ? 0 : set->n;
}

const struct i18n_lang *
i18n_at(const struct i18n *set, size_t i)
{
	return set != NULL && i < set->n ? set->langs[i] : NULL;
}

const struct i18n_lang *
i18n_find(const struct i18n *set, const char *lang)
{
	size_t i;

	for (i = 0; set != NULL && lang != NULL && i < set->n; i++)
		if (strcmp(set->langs[i]->lang, lang) == 0)
			return set->langs[i];
	return NULL;
}

const char *
i18n_text(const struct i18n *set, const char *lang, const char *key,
    size_t idx)
{
	const char *chain[3] = { lang, "en", "nl" };
	size_t i;

	for (i = 0; i < KB_NELEM(chain); i++) {
		const struct i18n_lang *l = i18n_find(set, chain[i]);
		json_t *v = l ? json_object_get(l->texts, key) : NULL;

		if (json_is_array(v))
			v = json_array_get(v, idx);
		if (json_is_string(v))
			return json_string_value(v);
	}
	return NULL;
}
