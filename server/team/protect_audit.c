/*
 * protect_audit.c — the exact audit behind the protected table set: the
 * lines of a year's table, and linear algebra modulo the prime 2^61 - 1 over
 * its base cells that decides, cell by cell in closing order, which cells
 * can be published and which must be hidden.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protect_priv.h"
#include "util.h"

#define MOD		((uint64_t)0x1fffffffffffffffULL)	/* 2^61 - 1 */

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

void
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
void
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
