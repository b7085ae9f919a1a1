/*
 * protect.c — the protected table set: primary and secondary suppression
 * decided jointly by an exact audit, cell by cell in closing order.  See
 * protect.h for what it guarantees.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protect.h"
#include "util.h"

const char *const protect_channels[PROTECT_NCHANNELS] = { "qr", "kiosk",
    "sms", "web" };

#define MOD		((uint64_t)0x1fffffffffffffffULL)	/* 2^61 - 1 */
#define CACHE_SLOTS	16

/* Arithmetic modulo the prime 2^61 - 1. */
static uint64_t
mod_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	uint64_t lo = (uint64_t)(p & MOD), hi = (uint64_t)(p >> 61);
	uint64_t r = lo + hi;

	return r >= MOD ? r - MOD : r;
}

static uint64_t
mod_sub(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : a + MOD - b;
}

static uint64_t
mod_inv(uint64_t a)
{
	uint64_t r = 1, e = MOD - 2;

	while (e) {
		if (e & 1)
			r = mod_mul(r, a);
		a = mod_mul(a, a);
		e >>= 1;
	}
	return r;
}

/* One year of cells over its base cells (month × location × channel). */
struct year {
	int		 year;
	size_t		 dim;		/* 12 × nloc × channels */
	size_t		 ncells;
	size_t		*cell;		/* indices into the set's cells */
	unsigned char	**inc;		/* incidence per cell, dim bytes */
	size_t		*batch;		/* closing batch of each cell */
	int		*kind;		/* 0 month, 1 quarter, 2 year */
	int		*num;		/* month 1-12, quarter 1-4, 0 */
	int		*loc, *ch;	/* -1: all */
	/*
	 * The table's lines: a parent cell and the cells that split it along
	 * one dimension (locations, channels, or time one level down).
	 */
	size_t		  nlines;
	size_t		 *parent;
	size_t		**child;
	size_t		 *nchild;
};

/* 1 when cell c splits cell p along dimension dim (0 loc, 1 ch, 2 time). */
static int
splits(const struct year *y, size_t p, size_t c, int dim)
{
	if (dim == 0)
		return y->kind[p] == y->kind[c] && y->num[p] == y->num[c] &&
		    y->ch[p] == y->ch[c] && y->loc[p] == -1 && y->loc[c] >= 0;
	if (dim == 1)
		return y->kind[p] == y->kind[c] && y->num[p] == y->num[c] &&
		    y->loc[p] == y->loc[c] && y->ch[p] == -1 && y->ch[c] >= 0;
	if (y->loc[p] != y->loc[c] || y->ch[p] != y->ch[c] ||
	    y->kind[c] != y->kind[p] - 1)
		return 0;
	return y->kind[p] == 2 || (y->num[c] - 1) / 3 + 1 == y->num[p];
}

static void
make_lines(struct year *y)
{
	size_t p, c;
	int dim;

	for (p = 0; p < y->ncells; p++)
		for (dim = 0; dim < 3; dim++) {
			size_t *kids = NULL, n = 0;

			for (c = 0; c < y->ncells; c++)
				if (splits(y, p, c, dim)) {
					kids = xrealloc(kids, (n + 1) *
					    sizeof(*kids));
					kids[n++] = c;
				}
			if (n == 0)
				continue;
			y->parent = xrealloc(y->parent, (y->nlines + 1) *
			    sizeof(*y->parent));
			y->child = xrealloc(y->child, (y->nlines + 1) *
			    sizeof(*y->child));
			y->nchild = xrealloc(y->nchild, (y->nlines + 1) *
			    sizeof(*y->nchild));
			y->parent[y->nlines] = p;
			y->child[y->nlines] = kids;
			y->nchild[y->nlines++] = n;
		}
}

/*
 * 1 when publishing cell x keeps every line safe: in a line whose parent
 * is published, the cells not published (hidden, or not decided yet) add
 * up to 0 or to at least K, so that no small group follows from it.
 */
static int
lines_ok(const struct year *y, const long long *n, long long k,
    const unsigned char *published, size_t x)
{
	size_t l, i;

	for (l = 0; l < y->nlines; l++) {
		long long rest = 0;
		int in = y->parent[l] == x;

		for (i = 0; i < y->nchild[l] && !in; i++)
			in = y->child[l][i] == x;
		if (!in || (y->parent[l] != x && !published[y->parent[l]]))
			continue;
		for (i = 0; i < y->nchild[l]; i++) {
			size_t c = y->child[l][i];

			if (c != x && !published[c])
				rest += n[c];
		}
		if (rest > 0 && rest < k)
			return 0;
	}
	return 1;
}

/* The audit's state: a basis in echelon form and tracked vectors. */
struct audit {
	size_t		  dim;
	uint64_t	**rows;
	size_t		 *piv;
	size_t		  nrows;
	uint64_t	**tracked;	/* residuals, reduced by the basis */
	size_t		  ntracked, captracked;
};

static void
audit_init(struct audit *a, size_t dim)
{
	memset(a, 0, sizeof(*a));
	a->dim = dim;
	a->rows = xcalloc(dim + 1, sizeof(*a->rows));
	a->piv = xcalloc(dim + 1, sizeof(*a->piv));
}

static void
audit_free(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->nrows; i++)
		free(a->rows[i]);
	for (i = 0; i < a->ntracked; i++)
		free(a->tracked[i]);
	free(a->rows);
	free(a->piv);
	free(a->tracked);
}

/* v reduced by the basis, in place; 1 when something is left. */
static int
audit_reduce(const struct audit *a, uint64_t *v)
{
	size_t i, k;
	int left = 0;

	for (i = 0; i < a->nrows; i++) {
		uint64_t f = v[a->piv[i]];

		if (f == 0)
			continue;
		for (k = 0; k < a->dim; k++)
			if (a->rows[i][k] != 0)
				v[k] = mod_sub(v[k], mod_mul(f, a->rows[i][k]));
	}
	for (k = 0; k < a->dim && !left; k++)
		left = v[k] != 0;
	return left;
}

static uint64_t *
vec_of(const unsigned char *inc, size_t dim, int sign_minus,
    const unsigned char *other)
{
	uint64_t *v = xcalloc(dim, sizeof(*v));
	size_t k;

	for (k = 0; k < dim; k++) {
		v[k] = inc[k] ? 1 : 0;
		if (other != NULL && other[k])
			v[k] = sign_minus ? mod_sub(v[k], 1) : v[k] + 1;
	}
	return v;
}

/* Tracks v (taken over); drops it when it is already determined. */
static int
audit_track(struct audit *a, uint64_t *v)
{
	if (!audit_reduce(a, v)) {
		free(v);
		return -1;	/* determined already: a disclosure */
	}
	if (a->ntracked == a->captracked) {
		a->captracked = a->captracked ? a->captracked * 2 : 64;
		a->tracked = xrealloc(a->tracked, a->captracked *
		    sizeof(*a->tracked));
	}
	a->tracked[a->ntracked++] = v;
	return 0;
}

/*
 * 1 when publishing v (reduced: r) would determine a tracked vector: a
 * tracked residual t is then a multiple of r.
 */
static int
audit_would_disclose(const struct audit *a, const uint64_t *r, size_t j)
{
	uint64_t inv = mod_inv(r[j]);
	size_t i, k;

	for (i = 0; i < a->ntracked; i++) {
		const uint64_t *t = a->tracked[i];
		uint64_t alpha = mod_mul(t[j], inv);
		int same = 1;

		if (alpha == 0)
			continue;
		for (k = 0; k < a->dim && same; k++)
			same = t[k] == mod_mul(alpha, r[k]);
		if (same)
			return 1;
	}
	return 0;
}

/* Adds the reduced r (pivot j) to the basis; reduces the tracked. */
static void
audit_publish(struct audit *a, uint64_t *r, size_t j)
{
	uint64_t inv = mod_inv(r[j]);
	size_t i, k;

	for (k = 0; k < a->dim; k++)
		r[k] = mod_mul(r[k], inv);
	a->rows[a->nrows] = r;
	a->piv[a->nrows++] = j;
	for (i = 0; i < a->ntracked; i++) {
		uint64_t f = a->tracked[i][j];

		if (f == 0)
			continue;
		for (k = 0; k < a->dim; k++)
			if (r[k] != 0)
				a->tracked[i][k] = mod_sub(a->tracked[i][k],
				    mod_mul(f, r[k]));
	}
}

/* n of a cell, for the audit of one measure. */
struct measure {
	const long long	*n;		/* per year cell */
	long long	 k;
};

/* 0: disjoint, 1: a inside b, 2: b inside a, 3: overlapping otherwise */
static int
relation(const unsigned char *a, const unsigned char *b, size_t dim)
{
	int ab = 0, aonly = 0, bonly = 0;
	size_t k;

	for (k = 0; k < dim; k++) {
		ab |= a[k] && b[k];
		aonly |= a[k] && !b[k];
		bonly |= b[k] && !a[k];
	}
	if (!ab)
		return 0;
	if (!aonly)
		return 1;
	if (!bonly)
		return 2;
	return 3;
}

/*
 * Tracks the hidden cell i, and the unions and differences of it with
 * earlier hidden cells whose count lies between 1 and K - 1: knowing those
 * would tell a group smaller than K.
 */
static void
track_hidden(struct audit *a, const struct year *y, const long long *n,
    long long k, const unsigned char *hidden, size_t i)
{
	size_t j;

	(void)audit_track(a, vec_of(y->inc[i], y->dim, 0, NULL));
	for (j = 0; j < y->ncells; j++) {
		long long m;
		int rel;

		if (j == i || !hidden[j])
			continue;
		rel = relation(y->inc[i], y->inc[j], y->dim);
		if (rel == 0)
			m = n[i] + n[j];
		else if (rel == 1)
			m = n[j] - n[i];
		else if (rel == 2)
			m = n[i] - n[j];
		else
			continue;
		if (m <= 0 || m >= k)
			continue;
		if (rel == 0)
			(void)audit_track(a, vec_of(y->inc[i], y->dim, 0,
			    y->inc[j]));
		else if (rel == 1)
			(void)audit_track(a, vec_of(y->inc[j], y->dim, 1,
			    y->inc[i]));
		else
			(void)audit_track(a, vec_of(y->inc[i], y->dim, 1,
			    y->inc[j]));
	}
}

/*
 * The audit of one measure over a year: primary[i] marks the cells that
 * must be hidden; hidden[i] is set for those and for every cell whose
 * publication would determine a hidden one.  Cells go in closing batches:
 * a batch's primary cells are tracked first, then its other cells are
 * published one by one where safe.
 */
static void
audit_year(const struct year *y, const long long *n, long long k,
    const unsigned char *primary, unsigned char *hidden)
{
	struct audit a;
	unsigned char *published = xcalloc(y->ncells, 1);
	size_t i, first = 0;

	audit_init(&a, y->dim);
	memset(hidden, 0, y->ncells);
	while (first < y->ncells) {
		size_t last = first;

		while (last < y->ncells && y->batch[last] == y->batch[first])
			last++;
		for (i = first; i < last; i++)
			if (primary[i]) {
				hidden[i] = 1;
				track_hidden(&a, y, n, k, hidden, i);
			}
		for (i = first; i < last; i++) {
			uint64_t *r;
			size_t j;

			if (primary[i])
				continue;
			r = vec_of(y->inc[i], y->dim, 0, NULL);
			if (!audit_reduce(&a, r)) {
				free(r);	/* adds nothing new */
				published[i] = 1;
				continue;
			}
			for (j = 0; j < y->dim && r[j] == 0; j++)
				;
			if (!lines_ok(y, n, k, published, i) ||
			    audit_would_disclose(&a, r, j)) {
				free(r);
				hidden[i] = 1;
				track_hidden(&a, y, n, k, hidden, i);
				continue;
			}
			audit_publish(&a, r, j);
			published[i] = 1;
		}
		first = last;
	}
	audit_free(&a);
	free(published);
}

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

static void
set_free(struct protect_set *ps)
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
			set_free(ps);
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
	if (build(st, s, set, k, through, &rs, &ps, err, errlen) == -1) {
		free(rs.r);
		return -1;
	}
	free(rs.r);
	pthread_mutex_lock(&cache_mtx);
	i = cache_next++ % CACHE_SLOTS;
	if (cache[i] != NULL && --cache[i]->refs == 0)
		set_free(cache[i]);
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
		set_free(ps);
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
