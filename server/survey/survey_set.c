/*
 * survey_set.c — the survey folder as loaded: the current surveys, the
 * archived versions the store still holds, locations.json with its checks
 * and the interface texts, and the lookups the server makes in them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "survey.h"
#include "survey_priv.h"
#include "util.h"

#define SURVEY_FILE_MAX		(1024 * 1024)

struct survey_set {
	struct survey		**surveys;	/* current first, sorted by id */
	size_t			  nsurveys;
	size_t			  ncurrent;
	struct survey_location	 *locations;
	size_t			  nlocations;
	json_t			 *locations_def;
	char			 *list_json;
	size_t			  list_json_len;
	struct i18n		 *i18n;		/* interface texts */
};

static char *
read_file(const char *path, size_t *len, struct buf *errors)
{
	char err[4200];
	char *text;

	/* A regular file of at most 1 MiB: no FIFO, device or link to one. */
	text = file_read_regular(path, SURVEY_FILE_MAX, len, err, sizeof(err));
	if (text == NULL)
		buf_printf(errors, "%s:1:1: %s\n", path, err + strlen(path) +
		    (strncmp(err, path, strlen(path)) == 0 ? 2 : 0));
	return text;
}

static int
load_locations(struct survey_set *set, const char *path, struct buf *errors)
{
	static const char *const keys[] = { "id", "name", "organisation",
	    NULL };
	struct vctx v = { path, NULL, 0, { NULL }, { { 0 } }, 0, errors, 0 };
	static const char *const name_langs[] = { "nl", "en" };
	json_error_t jerr;
	json_t *list, *l;
	char *text;
	size_t len, i, k;
	int rc = -1;

	text = read_file(path, &len, errors);
	if (text == NULL)
		return -1;
	v.text = text;
	v.len = len;
	set->locations_def = json_loadb(text, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (set->locations_def == NULL) {
		buf_printf(errors, "%s:%d:%d: %s\n", path, jerr.line,
		    jerr.column > 0 ? jerr.column : 1, jerr.text);
		goto out;
	}
	list = json_object_get(set->locations_def, "locations");
	if (!json_is_object(set->locations_def) ||
	    json_object_size(set->locations_def) != 1 ||
	    !json_is_array(list) || json_array_size(list) == 0) {
		vctx_err(&v, NULL, "expected {\"locations\": [...]} with at "
		    "least one location");
		goto out;
	}
	check_controls(&v, set->locations_def);
	/* Names need Dutch and English; more languages are welcome. */
	set->locations = xcalloc(json_array_size(list),
	    sizeof(*set->locations));
	vctx_push(&v, "locations");
	json_array_foreach(list, i, l) {
		const char *id, *org;
		json_t *name;

		vctx_push_idx(&v, i);
		if (!json_is_object(l)) {
			vctx_err(&v, NULL, "a location must be an object");
			vctx_pop(&v);
			continue;
		}
		check_keys(&v, l, keys);
		id = get_string(&v, l, "id", 1);
		if (id != NULL && !ident_valid(id, 48, "-"))
			vctx_err(&v, "id", "location id '%s' must be 1 to 48 "
			    "characters of a-z, 0-9 and '-'", id);
		for (k = 0; id != NULL && k < set->nlocations; k++)
			if (strcmp(set->locations[k].id, id) == 0)
				vctx_err(&v, "id", "location id '%s' is used "
				    "twice", id);
		org = get_string(&v, l, "organisation", 0);
		if (org != NULL && !ident_valid(org, 48, "-"))
			vctx_err(&v, "organisation", "organisation must be 1 "
			    "to 48 characters of a-z, 0-9 and '-'");
		name = json_object_get(l, "name");
		if (name == NULL) {
			vctx_err(&v, NULL, "missing 'name'");
		} else if (!json_is_object(name)) {
			vctx_err(&v, "name", "'name' must be an object with a "
			    "name per language");
		} else {
			vctx_push(&v, "name");
			for (k = 0; k < 2; k++)
				if (!json_is_string(json_object_get(name,
				    name_langs[k])))
					vctx_err(&v, NULL, "'name' has no text "
					    "in '%s'", name_langs[k]);
			vctx_pop(&v);
			check_short(&v, l, "name", SURVEY_NAME_MAX);
		}
		if (id != NULL) {
			set->locations[set->nlocations].id = id;
			set->locations[set->nlocations++].name = name;
		}
		vctx_pop(&v);
	}
	vctx_pop(&v);
	rc = v.nerrors > 0 ? -1 : 0;
out:
	free(text);
	return rc;
}

static int
survey_cmp(const void *a, const void *b)
{
	const struct survey *x = *(struct survey *const *)a;
	const struct survey *y = *(struct survey *const *)b;

	return strcmp(x->id, y->id);
}

static void
build_list_json(struct survey_set *set)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < set->ncurrent; i++) {
		const struct survey *s = set->surveys[i];

		json_array_append_new(arr, json_pack("{s:s, s:I, s:O, s:O, "
		    "s:O}", "id", s->id, "version", (json_int_t)s->version,
		    "title", json_object_get(s->def, "title"), "languages",
		    json_object_get(s->def, "languages"), "audience",
		    json_object_get(s->def, "audience")));
	}
	free(set->list_json);
	set->list_json = json_dumps(arr, JSON_COMPACT);
	if (set->list_json == NULL)
		set->list_json = xstrdup("[]");
	set->list_json_len = strlen(set->list_json);
	json_decref(arr);
}

static void
set_add(struct survey_set *set, struct survey *s)
{
	set->surveys = xrealloc(set->surveys,
	    (set->nsurveys + 1) * sizeof(*set->surveys));
	set->surveys[set->nsurveys++] = s;
}

int
survey_set_load(const char *dir, struct survey_set **out, struct buf *errors)
{
	struct survey_set *set;
	struct dirent *de;
	char **names = NULL;
	size_t nnames = 0, i;
	DIR *d;
	int bad = 0, have_locations = 0;

	*out = NULL;
	set = xcalloc(1, sizeof(*set));
	d = opendir(dir);
	if (d == NULL) {
		buf_printf(errors, "%s:1:1: %s\n", dir, strerror(errno));
		survey_set_free(set);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		/* The SMS texts, read and checked by the SMS module. */
		if (strcmp(de->d_name, "sms-templates.json") == 0)
			continue;
		names = xrealloc(names, (nnames + 1) * sizeof(char *));
		names[nnames++] = xstrdup(de->d_name);
	}
	closedir(d);
	for (i = 0; i < nnames; i++) {
		struct buf path;
		struct survey *s;
		char *text;
		size_t len;

		buf_init(&path, 4096);
		buf_printf(&path, "%s/%s", dir, names[i]);
		/* The participation consent (participants.c). */
		if (strcmp(names[i], "consent.json") == 0) {
			buf_free(&path);
			continue;
		}
		if (strcmp(names[i], "locations.json") == 0) {
			have_locations = 1;
			if (load_locations(set, buf_cstr(&path), errors) == -1)
				bad = 1;
			buf_free(&path);
			continue;
		}
		text = read_file(buf_cstr(&path), &len, errors);
		s = text ? survey_parse(buf_cstr(&path), text, len, errors) :
		    NULL;
		if (s == NULL) {
			bad = 1;
		} else if (strlen(names[i]) != strlen(s->id) + 5 ||
		    strncmp(names[i], s->id, strlen(s->id)) != 0) {
			buf_printf(errors, "%s:1:1: the file name must be the "
			    "survey id: '%s.json'\n", buf_cstr(&path), s->id);
			survey_free(s);
			bad = 1;
		} else {
			s->current = 1;
			set_add(set, s);
		}
		free(text);
		buf_free(&path);
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	if (!have_locations) {
		buf_printf(errors, "%s/locations.json:1:1: missing: the "
		    "locations responses are counted under\n", dir);
		bad = 1;
	}
	{
		struct buf idir;

		buf_init(&idir, 4096);
		buf_printf(&idir, "%s/i18n", dir);
		if (i18n_load(buf_cstr(&idir), &set->i18n, errors) == -1)
			bad = 1;
		buf_free(&idir);
	}
	if (set->nsurveys == 0 && !bad) {
		buf_printf(errors, "%s:1:1: no survey definitions (*.json) "
		    "found\n", dir);
		bad = 1;
	}
	if (bad) {
		survey_set_free(set);
		return -1;
	}
	qsort(set->surveys, set->nsurveys, sizeof(*set->surveys), survey_cmp);
	set->ncurrent = set->nsurveys;
	build_list_json(set);
	*out = set;
	return 0;
}

int
survey_set_add_archived(struct survey_set *set, const char *id,
    long long version, const char *def_json, struct buf *errors)
{
	struct survey *s;
	char path[128];

	if (survey_set_find(set, id, version) != NULL)
		return 0;
	snprintf(path, sizeof(path), "(stored %s version %lld)", id, version);
	s = survey_parse(path, def_json, strlen(def_json), errors);
	if (s == NULL)
		return -1;
	set_add(set, s);
	return 0;
}

void
survey_set_free(struct survey_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nsurveys; i++)
		survey_free(set->surveys[i]);
	free(set->surveys);
	free(set->locations);
	json_decref(set->locations_def);
	free(set->list_json);
	i18n_free(set->i18n);
	free(set);
}

const struct i18n *
survey_set_i18n(const struct survey_set *set)
{
	return set->i18n;
}

size_t
survey_set_count(const struct survey_set *set)
{
	return set->ncurrent;
}

const struct survey *
survey_set_at(const struct survey_set *set, size_t i)
{
	return i < set->ncurrent ? set->surveys[i] : NULL;
}

const struct survey *
survey_set_find(const struct survey_set *set, const char *id,
    long long version)
{
	size_t i;

	for (i = 0; i < set->nsurveys; i++) {
		const struct survey *s = set->surveys[i];

		if (strcmp(s->id, id) != 0)
			continue;
		if (version == 0 ? s->current : s->version == version)
			return s;
	}
	return NULL;
}

const struct survey_location *
survey_set_location(const struct survey_set *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->nlocations; i++)
		if (strcmp(set->locations[i].id, id) == 0)
			return &set->locations[i];
	return NULL;
}

size_t
survey_set_location_count(const struct survey_set *set)
{
	return set->nlocations;
}

const struct survey_location *
survey_set_location_at(const struct survey_set *set, size_t i)
{
	return i < set->nlocations ? &set->locations[i] : NULL;
}

const char *
survey_set_list_json(const struct survey_set *set, size_t *len)
{
	*len = set->list_json_len;
	return set->list_json;
}
