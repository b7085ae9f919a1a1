/*
 * protect_persist.c — a protected table set as text, to keep it in the
 * database (store_protect.h) and read it back after a restart: the same
 * figures, without building them again.  The text is JSON; counts and
 * sums are exact (integers, and doubles printed with 17 digits).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protect.h"
#include "protect_priv.h"
#include "util.h"

#define PERSIST_VERSION	1

char *
protect_serialize(const struct protect_set *ps)
{
	json_t *o, *qs = json_array(), *vals = json_array();
	json_t *locs = json_array(), *cells = json_array();
	char *text;
	size_t i, v;

	for (i = 0; i < ps->nq; i++)
		json_array_append_new(qs, json_pack("[I, I]",
		    (json_int_t)ps->qs[i].first,
		    (json_int_t)ps->qs[i].nvalues));
	for (i = 0; i < ps->nvalues; i++)
		json_array_append_new(vals, json_string(ps->values[i]));
	for (i = 0; i < ps->nloc; i++)
		json_array_append_new(locs, json_string(ps->locs[i]));
	for (i = 0; i < ps->ncells; i++) {
		const struct protect_cell *pc = &ps->cells[i];
		json_t *counts = json_array();
		char *qh = xcalloc(ps->nq + 1, 1);

		for (v = 0; v < ps->nvalues; v++)
			json_array_append_new(counts,
			    json_integer(pc->counts[v]));
		for (v = 0; v < ps->nq; v++)
			qh[v] = pc->qhidden[v] ? '1' : '0';
		json_array_append_new(cells, json_pack("[s, i, i, I, I, f, f, "
		    "b, b, o, s]", pc->period, pc->loc, pc->ch,
		    (json_int_t)pc->c.n, (json_int_t)pc->c.sn, pc->c.ssum,
		    pc->c.ssq, pc->hidden, pc->sat_hidden, counts, qh));
		free(qh);
	}
	o = json_pack("{s:i, s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "v",
	    PERSIST_VERSION, "survey", ps->survey, "k", (json_int_t)ps->k,
	    "through", ps->through, "first", ps->first, "qs", qs, "values",
	    vals, "locs", locs, "cells", cells);
	text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17))
	    : NULL;
	json_decref(o);
	return text;
}

/* Copies a JSON string into a fixed buffer; -1 when it does not fit. */
static int
str_into(json_t *j, char *out, size_t outlen)
{
	const char *s = json_string_value(j);

	if (s == NULL || strlen(s) >= outlen)
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

struct protect_set *
protect_deserialize(const char *text, unsigned long long hash)
{
	struct protect_set *ps = xcalloc(1, sizeof(*ps));
	json_t *o = json_loads(text, 0, NULL), *a, *e;
	size_t i, v;

	ps->hash = hash;
	ps->refs = 1;
	if (!json_is_object(o) || json_integer_value(json_object_get(o,
	    "v")) != PERSIST_VERSION ||
	    str_into(json_object_get(o, "survey"), ps->survey,
	    sizeof(ps->survey)) == -1 ||
	    str_into(json_object_get(o, "through"), ps->through,
	    sizeof(ps->through)) == -1 ||
	    str_into(json_object_get(o, "first"), ps->first,
	    sizeof(ps->first)) == -1)
		goto fail;
	ps->k = json_integer_value(json_object_get(o, "k"));
	a = json_object_get(o, "qs");
	ps->qs = xcalloc(json_array_size(a) + 1, sizeof(*ps->qs));
	json_array_foreach(a, i, e) {
		ps->qs[i].first = (size_t)json_integer_value(
		    json_array_get(e, 0));
		ps->qs[i].nvalues = (size_t)json_integer_value(
		    json_array_get(e, 1));
		ps->nq++;
	}
	a = json_object_get(o, "values");
	ps->values = xcalloc(json_array_size(a) + 1, sizeof(char *));
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			goto fail;
		ps->values[ps->nvalues++] = xstrdup(json_string_value(e));
	}
	for (i = 0; i < ps->nq; i++)
		if (ps->qs[i].first > ps->nvalues ||
		    ps->qs[i].nvalues > ps->nvalues - ps->qs[i].first)
			goto fail;
	a = json_object_get(o, "locs");
	ps->locs = xcalloc(json_array_size(a) + 1, sizeof(char *));
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			goto fail;
		ps->locs[ps->nloc++] = xstrdup(json_string_value(e));
	}
	a = json_object_get(o, "cells");
	ps->cells = xcalloc(json_array_size(a) + 1, sizeof(*ps->cells));
	json_array_foreach(a, i, e) {
		struct protect_cell *pc = &ps->cells[ps->ncells];
		json_t *counts = json_array_get(e, 9);
		const char *qh = json_string_value(json_array_get(e, 10));

		pc->counts = xcalloc(ps->nvalues + 1, sizeof(long long));
		pc->qhidden = xcalloc(ps->nq + 1, 1);
		ps->ncells++;
		if (json_array_size(e) != 11 || str_into(json_array_get(e, 0),
		    pc->period, sizeof(pc->period)) == -1 ||
		    json_array_size(counts) != ps->nvalues || qh == NULL ||
		    strlen(qh) != ps->nq)
			goto fail;
		pc->loc = (int)json_integer_value(json_array_get(e, 1));
		pc->ch = (int)json_integer_value(json_array_get(e, 2));
		if (pc->loc < -1 || pc->loc >= (int)ps->nloc || pc->ch < -1 ||
		    pc->ch >= PROTECT_NCHANNELS)
			goto fail;
		pc->c.n = json_integer_value(json_array_get(e, 3));
		pc->c.sn = json_integer_value(json_array_get(e, 4));
		pc->c.ssum = json_number_value(json_array_get(e, 5));
		pc->c.ssq = json_number_value(json_array_get(e, 6));
		pc->hidden = json_is_true(json_array_get(e, 7));
		pc->sat_hidden = json_is_true(json_array_get(e, 8));
		for (v = 0; v < ps->nvalues; v++)
			pc->counts[v] = json_integer_value(
			    json_array_get(counts, v));
		for (v = 0; v < ps->nq; v++)
			pc->qhidden[v] = qh[v] == '1';
	}
	json_decref(o);
	return ps;
fail:
	json_decref(o);
	protect_set_free(ps);
	return NULL;
}
