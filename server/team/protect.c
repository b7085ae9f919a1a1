/*
 * protect.c — the protected table set: its cells built from the rollups
 * and cached per state of the data; primary and secondary suppression are
 * decided jointly by the exact audit (protect_audit.c), cell by cell in
 * closing order.  See protect.h for what it guarantees.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protect.h"
#include "protect_priv.h"
#include "log.h"
#include "store_protect.h"
#include "store_results.h"
#include "util.h"

const char *const protect_channels[PROTECT_NCHANNELS] = { "qr", "kiosk",
    "sms", "web" };

#define CACHE_SLOTS	16

/* Building the set. */

struct base {
	struct stats_cell	 c;
	long long		*counts;
};

struct build {
	struct protect_set	*ps;
	const struct survey_set	*set;
	int			 y0, y1;	/* years with data */
	size_t			 nyears;
	struct base		*base;		/* year × 12 × loc × ch */
	size_t			 nbase;
	int			 bad;
};

static long
loc_index(struct protect_set *ps, const char *loc, int add)
{
	size_t i;

	for (i = 0; i < ps->nloc; i++)
		if (strcmp(ps->locs[i], loc) == 0)
			return (long)i;
	if (!add)
		return -1;
	ps->locs = xrealloc(ps->locs, (ps->nloc + 1) * sizeof(char *));
	ps->locs[ps->nloc] = xstrdup(loc);
	return (long)ps->nloc++;
}

int
protect_channel_index(const char *ch)
{
	int i;

	for (i = 0; i < PROTECT_NCHANNELS; i++)
		if (ch != NULL && strcmp(protect_channels[i], ch) == 0)
			return i;
	return -1;
}

static void
setup_values(struct protect_set *ps)
{
	const struct survey *s = ps->s;
	size_t i, k;

	ps->qs = xcalloc(s->nquestions ? s->nquestions : 1, sizeof(*ps->qs));
	for (i = 0; i < s->nquestions; i++) {
		const struct survey_question *q = &s->questions[i];
		struct protect_question *pq = &ps->qs[ps->nq];
		size_t nv;

		if (q->type == SURVEY_Q_TEXT)
			continue;
		pq->q = q;
		pq->first = ps->nvalues;
		if (q->type == SURVEY_Q_CHOICE || q->type == SURVEY_Q_MULTI)
			nv = q->noptions;
		else if (q->type == SURVEY_Q_YESNO)
			nv = 2;
		else
			nv = (size_t)(q->max - q->min + 1);
		ps->values = xrealloc(ps->values, (ps->nvalues + nv) *
		    sizeof(char *));
		for (k = 0; k < nv; k++) {
			char v[32];

			if (q->type == SURVEY_Q_CHOICE ||
			    q->type == SURVEY_Q_MULTI)
				snprintf(v, sizeof(v), "%s", q->options[k]);
			else if (q->type == SURVEY_Q_YESNO)
				snprintf(v, sizeof(v), "%s", k ? "no" : "yes");
			else
				snprintf(v, sizeof(v), "%lld",
				    q->min + (long long)k);
			ps->values[ps->nvalues + k] = xstrdup(v);
		}
		pq->nvalues = nv;
		ps->nvalues += nv;
		ps->nq++;
	}
}

static long
value_index(const struct protect_set *ps, const char *question,
    const char *value)
{
	size_t i, k;

	for (i = 0; i < ps->nq; i++) {
		const struct protect_question *pq = &ps->qs[i];

		if (strcmp(pq->q->id, question) != 0)
			continue;
		for (k = 0; k < pq->nvalues; k++)
			if (strcmp(ps->values[pq->first + k], value) == 0)
				return (long)(pq->first + k);
		return -1;
	}
	return -1;
}

static int
month_parse(const char *m, int *y, int *mo)
{
	char tail;

	return m != NULL && strlen(m) == 7 && sscanf(m, "%4d-%2d%c", y, mo,
	    &tail) == 2 && *mo >= 1 && *mo <= 12 && *y >= 1970 &&
	    *y <= 9999 ? 0 : -1;
}

/* The base cell of month, location, channel, or NULL. */
static struct base *
base_at(struct build *b, const char *month, const char *loc, const char *ch)
{
	int y, m, c = protect_channel_index(ch);
	long l = loc_index(b->ps, loc, 0);

	if (month_parse(month, &y, &m) == -1 || c < 0 || l < 0 ||
	    y < b->y0 || y > b->y1)
		return NULL;
	return &b->base[((((size_t)(y - b->y0) * 12) + (size_t)(m - 1)) *
	    b->ps->nloc + (size_t)l) * PROTECT_NCHANNELS + (size_t)c];
}

struct raw {
	char			 month[8], loc[49], ch[8];
	struct stats_cell	 c;
};

struct raws {
	struct raw	*r;
	size_t		 n, cap;
	unsigned long long hash;
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void
raw_cell(const char *month, const char *loc, const char *ch, long long n,
    long long sn, double ssum, double ssq, void *arg)
{
	struct raws *rs = arg;
	struct raw *r;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 256;
		rs->r = xrealloc(rs->r, rs->cap * sizeof(*rs->r));
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->month, sizeof(r->month), "%s", month);
	snprintf(r->loc, sizeof(r->loc), "%s", loc);
	snprintf(r->ch, sizeof(r->ch), "%s", ch);
	r->c.n = n;
	r->c.sn = sn;
	r->c.ssum = ssum;
	r->c.ssq = ssq;
	rs->hash = fnv(rs->hash, month, strlen(month) + 1);
	rs->hash = fnv(rs->hash, loc, strlen(loc) + 1);
	rs->hash = fnv(rs->hash, ch, strlen(ch) + 1);
	rs->hash = fnv(rs->hash, &n, sizeof(n));
	rs->hash = fnv(rs->hash, &sn, sizeof(sn));
	rs->hash = fnv(rs->hash, &ssum, sizeof(ssum));
}

static void
raw_answer(const char *month, const char *loc, const char *ch,
    const char *question, const char *value, long long n, void *arg)
{
	struct build *b = arg;
	struct base *c = base_at(b, month, loc, ch);
	long v = value_index(b->ps, question, value);

	if (c != NULL && v >= 0)
		c->counts[v] += n;
}

static void
cell_add(struct protect_set *ps, struct protect_cell *into,
    const struct base *from)
{
	size_t v;

	stats_cell_add(&into->c, &from->c);
	for (v = 0; v < ps->nvalues; v++)
		into->counts[v] += from->counts[v];
}

/* Appends a cell of period over months [m0, m1] of year, loc, ch. */
static void
add_cell(struct build *b, struct year *y, size_t batch, const char *period,
    int m0, int m1, int loc, int ch)
{
	int kind = m0 == m1 ? 0 : m1 - m0 == 2 ? 1 : 2;

	struct protect_set *ps = b->ps;
	struct protect_cell *pc;
	unsigned char *inc = xcalloc(y->dim, 1);
	size_t yi = (size_t)(y->year - b->y0), l, c;
	int m;

	ps->cells = xrealloc(ps->cells, (ps->ncells + 1) * sizeof(*pc));
	pc = &ps->cells[ps->ncells];
	memset(pc, 0, sizeof(*pc));
	snprintf(pc->period, sizeof(pc->period), "%s", period);
	pc->loc = loc;
	pc->ch = ch;
	pc->counts = xcalloc(ps->nvalues ? ps->nvalues : 1, sizeof(long long));
	pc->qhidden = xcalloc(ps->nq ? ps->nq : 1, 1);
	for (m = m0; m <= m1; m++)
		for (l = 0; l < ps->nloc; l++)
			for (c = 0; c < PROTECT_NCHANNELS; c++) {
				size_t bi = ((size_t)(m - 1) * ps->nloc + l) *
				    PROTECT_NCHANNELS + c;

				if ((loc >= 0 && (size_t)loc != l) ||
				    (ch >= 0 && (size_t)ch != c))
					continue;
				inc[bi] = 1;
				cell_add(ps, pc, &b->base[(yi * 12) *
				    ps->nloc * PROTECT_NCHANNELS + bi]);
			}
	y->cell = xrealloc(y->cell, (y->ncells + 1) * sizeof(*y->cell));
	y->inc = xrealloc(y->inc, (y->ncells + 1) * sizeof(*y->inc));
	y->batch = xrealloc(y->batch, (y->ncells + 1) * sizeof(*y->batch));
	y->kind = xrealloc(y->kind, (y->ncells + 1) * sizeof(int));
	y->num = xrealloc(y->num, (y->ncells + 1) * sizeof(int));
	y->loc = xrealloc(y->loc, (y->ncells + 1) * sizeof(int));
	y->ch = xrealloc(y->ch, (y->ncells + 1) * sizeof(int));
	y->kind[y->ncells] = kind;
	y->num[y->ncells] = kind == 0 ? m0 : kind == 1 ? (m0 - 1) / 3 + 1 : 0;
	y->loc[y->ncells] = loc;
	y->ch[y->ncells] = ch;
	y->cell[y->ncells] = ps->ncells++;
	y->inc[y->ncells] = inc;
	y->batch[y->ncells++] = batch;
}

/* The cells of one period: all, each location, each channel, each pair. */
static void
add_period(struct build *b, struct year *y, size_t batch, const char *period,
    int m0, int m1)
{
	size_t l, c;

	add_cell(b, y, batch, period, m0, m1, -1, -1);
	for (l = 0; l < b->ps->nloc; l++)
		add_cell(b, y, batch, period, m0, m1, (int)l, -1);
	for (c = 0; c < PROTECT_NCHANNELS; c++)
		add_cell(b, y, batch, period, m0, m1, -1, (int)c);
	for (l = 0; l < b->ps->nloc; l++)
		for (c = 0; c < PROTECT_NCHANNELS; c++)
			add_cell(b, y, batch, period, m0, m1, (int)l, (int)c);
}

/* 1 when question i of cell is too small or too uniform to show. */
static int
question_sensitive(const struct protect_set *ps, const struct protect_cell *pc,
    size_t i)
{
	const struct protect_question *pq = &ps->qs[i];
	long long answers = 0, max = 0;
	size_t v;

	for (v = 0; v < pq->nvalues; v++) {
		long long x = pc->counts[pq->first + v];

		answers += x;
		if (x > max)
			max = x;
	}
	if (pq->q->type == SURVEY_Q_MULTI) {
		/* Ticks: an option (nearly) everyone ticked. */
		return pc->c.n < 2 * ps->k && max > 0 && max >= pc->c.n - 1;
	}
	if (answers == 0)
		return 0;
	if (answers < ps->k)
		return 1;
	return pc->c.n < 2 * ps->k && max >= answers - 1;
}

static void
protect_year(struct build *b, int yr)
{
	struct protect_set *ps = b->ps;
	struct year y;
	char period[8];
	int m, through_y, through_m;
	size_t batch = 0, i, q;
	long long *n = NULL;
	unsigned char *prim = NULL, *hid = NULL, *qh = NULL, *sat = NULL;

	memset(&y, 0, sizeof(y));
	y.year = yr;
	y.dim = 12 * ps->nloc * PROTECT_NCHANNELS;
	if (month_parse(ps->through, &through_y, &through_m) == -1)
		return;
	for (m = 1; m <= 12; m++) {
		if (yr > through_y || (yr == through_y && m > through_m))
			break;
		period_format(period, yr, m, '-');
		add_period(b, &y, batch, period, m, m);
		if (m % 3 == 0) {
			period_format(period, yr, m / 3, 'Q');
			add_period(b, &y, batch, period, m - 2, m);
		}
		if (m == 12) {
			snprintf(period, sizeof(period), "%04d", yr);
			add_period(b, &y, batch, period, 1, 12);
		}
		batch++;
	}
	if (y.ncells == 0)
		return;
	make_lines(&y);
	n = xcalloc(y.ncells, sizeof(*n));
	prim = xcalloc(y.ncells, 1);
	hid = xcalloc(y.ncells, 1);
	qh = xcalloc(y.ncells, 1);
	sat = xcalloc(y.ncells, 1);
	for (i = 0; i < y.ncells; i++) {
		n[i] = ps->cells[y.cell[i]].c.n;
		prim[i] = n[i] > 0 && n[i] < ps->k;
	}
	audit_year(&y, n, ps->k, prim, hid);
	for (i = 0; i < y.ncells; i++)
		ps->cells[y.cell[i]].hidden = hid[i];
	/* Each question: the hidden cells, and where it is sensitive. */
	for (q = 0; q < ps->nq; q++) {
		int more = 0;

		for (i = 0; i < y.ncells; i++) {
			prim[i] = hid[i] || question_sensitive(ps,
			    &ps->cells[y.cell[i]], q);
			more |= prim[i] && !hid[i];
		}
		if (more)
			audit_year(&y, n, ps->k, prim, qh);
		else
			memcpy(qh, hid, y.ncells);
		for (i = 0; i < y.ncells; i++) {
			ps->cells[y.cell[i]].qhidden[q] = qh[i];
			if (ps->qs[q].q->satisfaction && qh[i])
				sat[i] = 1;
		}
	}
	/* The score: hidden with its questions, or when few gave one. */
	{
		int more = 0;

		for (i = 0; i < y.ncells; i++) {
			const struct stats_cell *c = &ps->cells[y.cell[i]].c;

			prim[i] = hid[i] || sat[i] || (c->sn > 0 &&
			    c->sn < ps->k);
			more |= prim[i] && !hid[i];
		}
		if (more)
			audit_year(&y, n, ps->k, prim, qh);
		else
			memcpy(qh, hid, y.ncells);
		for (i = 0; i < y.ncells; i++)
			ps->cells[y.cell[i]].sat_hidden = qh[i];
	}
	for (i = 0; i < y.ncells; i++)
		free(y.inc[i]);
	for (i = 0; i < y.nlines; i++)
		free(y.child[i]);
	free(y.child);
	free(y.parent);
	free(y.nchild);
	free(y.kind);
	free(y.num);
	free(y.loc);
	free(y.ch);
	free(y.inc);
	free(y.cell);
	free(y.batch);
	free(n);
	free(prim);
	free(hid);
	free(qh);
	free(sat);
}

void
protect_set_free(struct protect_set *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	for (i = 0; i < ps->ncells; i++) {
		free(ps->cells[i].counts);
		free(ps->cells[i].qhidden);
	}
	for (i = 0; i < ps->nvalues; i++)
		free(ps->values[i]);
	for (i = 0; i < ps->nloc; i++)
		free(ps->locs[i]);
	free(ps->values);
	free(ps->locs);
	free(ps->qs);
	free(ps->cells);
	free(ps);
}

static int
build(struct store *st, const struct survey *s, const struct survey_set *set,
    long long k, const char *through, struct raws *rs,
    struct protect_set **out, char *err, size_t errlen)
{
	struct protect_set *ps = xcalloc(1, sizeof(*ps));
	struct build b;
	size_t i, l;
	int yr;

	memset(&b, 0, sizeof(b));
	b.ps = ps;
	b.set = set;
	snprintf(ps->survey, sizeof(ps->survey), "%s", s->id);
	snprintf(ps->through, sizeof(ps->through), "%s", through);
	ps->k = k;
	ps->s = s;
	ps->hash = rs->hash;
	ps->refs = 1;
	setup_values(ps);
	for (l = 0; l < survey_set_location_count(set); l++)
		(void)loc_index(ps, survey_set_location_at(set, l)->id, 1);
	b.y0 = 10000;
	b.y1 = 0;
	for (i = 0; i < rs->n; i++) {
		int y, m;

		if (month_parse(rs->r[i].month, &y, &m) == -1 ||
		    protect_channel_index(rs->r[i].ch) < 0 ||
		    strcmp(rs->r[i].month, through) > 0)
			continue;
		(void)loc_index(ps, rs->r[i].loc, 1);
		if (y < b.y0)
			b.y0 = y;
		if (y > b.y1)
			b.y1 = y;
		if (ps->first[0] == '\0' || strcmp(rs->r[i].month,
		    ps->first) < 0)
			snprintf(ps->first, sizeof(ps->first), "%s",
			    rs->r[i].month);
	}
	if (b.y1 >= b.y0) {
		b.nbase = (size_t)(b.y1 - b.y0 + 1) * 12 * ps->nloc *
		    PROTECT_NCHANNELS;
		b.base = xcalloc(b.nbase, sizeof(*b.base));
		for (i = 0; i < b.nbase; i++)
			b.base[i].counts = xcalloc(ps->nvalues ? ps->nvalues :
			    1, sizeof(long long));
		for (i = 0; i < rs->n; i++) {
			struct base *c;

			if (strcmp(rs->r[i].month, through) > 0)
				continue;
			c = base_at(&b, rs->r[i].month, rs->r[i].loc,
			    rs->r[i].ch);
			if (c != NULL)
				stats_cell_add(&c->c, &rs->r[i].c);
		}
		if (store_rollup_answers(st, s->id, NULL, through, raw_answer,
		    &b) == -1) {
			snprintf(err, errlen, "the database could not be read");
			for (i = 0; i < b.nbase; i++)
				free(b.base[i].counts);
			free(b.base);
			protect_set_free(ps);
			return -1;
		}
		for (yr = b.y0; yr <= b.y1; yr++)
			protect_year(&b, yr);
		for (i = 0; i < b.nbase; i++)
			free(b.base[i].counts);
		free(b.base);
	}
	/*
	 * The set outlives this survey set (a reload frees it): keep no
	 * pointer into it.  The layout (first, nvalues) stays valid for any
	 * survey with the same fingerprint, which the cache key holds.
	 */
	ps->s = NULL;
	for (i = 0; i < ps->nq; i++)
		ps->qs[i].q = NULL;
	*out = ps;
	return 0;
}

/* Sets kept for the state of the data they were built from. */
static pthread_mutex_t cache_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct protect_set *cache[CACHE_SLOTS];
static unsigned cache_next;

/* The set kept in the database for exactly this data, or NULL. */
static struct protect_set *
load_kept(struct store *st, const char *survey, long long k,
    const char *through, unsigned long long hash)
{
	struct protect_set *ps;
	char *text;

	if (store_protect_load(st, survey, k, through, hash, &text) != 1)
		return NULL;
	ps = protect_deserialize(text, hash);
	free(text);
	if (ps != NULL && (strcmp(ps->survey, survey) != 0 || ps->k != k ||
	    strcmp(ps->through, through) != 0)) {
		protect_set_free(ps);
		ps = NULL;
	}
	return ps;
}

/*
 * Keeps a set just built, so a restart serves the same figures without
 * building them again; a database that cannot be written only costs that.
 */
static void
keep(struct store *st, const struct protect_set *ps)
{
	char *text = protect_serialize(ps);

	if (text == NULL || store_protect_save(st, ps->survey, ps->k,
	    ps->through, ps->hash, text) == -1)
		log_warnx("protect: the protected set of %s could not be kept "
		    "in the database; it is built again after a restart",
		    ps->survey);
	free(text);
}

int
protect_get(struct store *st, const struct survey *s,
    const struct survey_set *set, long long k, const char *through,
    const struct protect_set **out, char *err, size_t errlen)
{
	struct raws rs = { NULL, 0, 0, 1469598103934665603ULL };
	struct protect_set *ps = NULL;
	size_t i;

	*out = NULL;
	if (store_rollup_cells(st, s->id, NULL, through, raw_cell, &rs) == -1) {
		snprintf(err, errlen, "the database could not be read");
		free(rs.r);
		return -1;
	}
	rs.hash = fnv(rs.hash, &s->version, sizeof(s->version));
	rs.hash = fnv(rs.hash, s->fingerprint, sizeof(s->fingerprint));
	for (i = 0; i < s->nquestions; i++)
		rs.hash = fnv(rs.hash, &s->questions[i].satisfaction,
		    sizeof(s->questions[i].satisfaction));
	pthread_mutex_lock(&cache_mtx);
	for (i = 0; i < CACHE_SLOTS; i++) {
		struct protect_set *c = cache[i];

		if (c != NULL && c->hash == rs.hash && c->k == k &&
		    strcmp(c->survey, s->id) == 0 &&
		    strcmp(c->through, through) == 0) {
			c->refs++;
			*out = c;
			pthread_mutex_unlock(&cache_mtx);
			free(rs.r);
			return 0;
		}
	}
	pthread_mutex_unlock(&cache_mtx);
	ps = load_kept(st, s->id, k, through, rs.hash);
	if (ps == NULL) {
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (build(st, s, set, k, through, &rs, &ps, err,
		    errlen) == -1) {
			free(rs.r);
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		log_info("protect: the protected set of %s (K %lld, through "
		    "%s, %zu cells) built in %.0f ms", s->id, k, through,
		    ps->ncells, (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		keep(st, ps);
	}
	free(rs.r);
	pthread_mutex_lock(&cache_mtx);
	i = cache_next++ % CACHE_SLOTS;
	if (cache[i] != NULL && --cache[i]->refs == 0)
		protect_set_free(cache[i]);
	cache[i] = ps;
	ps->refs++;		/* the cache's and the caller's */
	pthread_mutex_unlock(&cache_mtx);
	*out = ps;
	return 0;
}

void
protect_put(const struct protect_set *cps)
{
	struct protect_set *ps = (struct protect_set *)(uintptr_t)cps;

	if (ps == NULL)
		return;
	pthread_mutex_lock(&cache_mtx);
	if (--ps->refs == 0)
		protect_set_free(ps);
	pthread_mutex_unlock(&cache_mtx);
}

const struct protect_cell *
protect_find(const struct protect_set *ps, const char *period,
    const char *loc, const char *ch)
{
	long l = loc == NULL ? -1 : loc_index((struct protect_set *)
	    (uintptr_t)ps, loc, 0);
	int c = ch == NULL ? -1 : protect_channel_index(ch);
	size_t i;

	if ((loc != NULL && l < 0) || (ch != NULL && c < 0))
		return NULL;
	for (i = 0; i < ps->ncells; i++) {
		const struct protect_cell *pc = &ps->cells[i];

		if (pc->loc == (int)l && pc->ch == c &&
		    strcmp(pc->period, period) == 0)
			return pc;
	}
	return NULL;
}
