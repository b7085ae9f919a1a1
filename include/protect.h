/*
 * protect.h — the one protected table set per survey.  Every figure the
 * team can see is a cell of it: a closed period (month, quarter, year) ×
 * {all, location, channel, location × channel}, with the number of
 * responses, the satisfaction score and every question's distribution.
 *
 * Cells under K responses are suppressed (primary); further cells are
 * suppressed (secondary) so that no linear combination of the published
 * figures — sums, differences, any combination — determines a suppressed
 * cell, or a union or difference of two small ones.  The decision is made
 * by an exact audit (linear algebra modulo a 61-bit prime over the base
 * cells month × location × channel), cell by cell in the order in which
 * periods close, so that what was published once never changes when a
 * later period closes.  A question whose answers in a small group (under
 * 2K) are all, or all but one, the same, or which fewer than K answered,
 * is hidden in that cell, audited the same way; so is the satisfaction
 * score of a cell where one of its questions is hidden.
 */
#ifndef KB_PROTECT_H
#define KB_PROTECT_H

#include <stddef.h>

#include "stats.h"
#include "store.h"
#include "survey.h"

#define PROTECT_NCHANNELS	4

/*
 * A question's values in a cell's counts: counts[first .. first+n).  The
 * questions are the survey's non-text questions in order; q is NULL once
 * the set is built (take the question from the survey itself).
 */
struct protect_question {
	const struct survey_question	*q;
	size_t				 first;
	size_t				 nvalues;
};

struct protect_cell {
	char			 period[8];	/* 2026-11, 2026-Q4, 2026 */
	int			 loc;		/* -1: all, else locs[loc] */
	int			 ch;		/* -1: all, else a channel */
	struct stats_cell	 c;		/* n and satisfaction sums */
	long long		*counts;	/* per value (nvalues) */
	int			 hidden;	/* everything suppressed */
	int			 sat_hidden;	/* the score suppressed */
	unsigned char		*qhidden;	/* per question (nq) */
};

struct protect_set {
	char			 survey[49];
	long long		 k;
	char			 through[8];	/* last closed month */
	const struct survey	*s;		/* while building only */
	struct protect_question	*qs;
	size_t			 nq;
	char			**values;	/* value names, nvalues */
	size_t			 nvalues;
	char			**locs;		/* locations with data or defined */
	size_t			 nloc;
	struct protect_cell	*cells;
	size_t			 ncells;
	char			 first[8];	/* first month with data, or "" */
	unsigned long long	 hash;		/* of the data it was built from */
	int			 refs;
};

extern const char *const protect_channels[PROTECT_NCHANNELS];

/*
 * The protected set of survey s with threshold k over the released
 * responses of the months up to and including through ("YYYY-MM").  Built
 * once per state of the data and kept; release with protect_put.  Returns
 * 0, or -1 with err filled (the database could not be read).
 */
int	 protect_get(struct store *st, const struct survey *s,
	    const struct survey_set *set, long long k, const char *through,
	    const struct protect_set **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	 protect_put(const struct protect_set *ps);

/*
 * The cell of period for location loc and channel ch (NULL: all), or NULL
 * when the period is not in the set (not closed, or no data in its year).
 */
const struct protect_cell *protect_find(const struct protect_set *ps,
	    const char *period, const char *loc, const char *ch);

/* The index of channel ch, or -1. */
int	 protect_channel_index(const char *ch);

#endif
