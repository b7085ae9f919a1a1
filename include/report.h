/*
 * report.h — the dashboard's table: one survey's responses per period and
 * group, with satisfaction, distributions and the trend, small groups
 * suppressed.  Rendered here as JSON, CSV and text; as HTML by dashboard.c.
 */
#ifndef KB_REPORT_H
#define KB_REPORT_H

#include <jansson.h>
#include <time.h>
#include <stddef.h>

#include "stats.h"
#include "store.h"
#include "survey.h"

enum report_by {
	REPORT_BY_NONE,
	REPORT_BY_LOCATION,
	REPORT_BY_CHANNEL
};

enum report_interval {
	REPORT_MONTH,
	REPORT_QUARTER,
	REPORT_YEAR
};

struct report_query {
	const char	*survey;
	const char	*from, *to;	/* "YYYY-MM", or NULL: as published */
	int		 quarter;	/* enum report_interval */
	enum report_by	 by;
	const char	*location;	/* only this location, or NULL */
	long long	 k;		/* the server's anonymity threshold */
	time_t		 now;		/* 0: the clock */
	int		 lag_days;	/* --publish-lag-days */
};

/*
 * A cell of the protected set (protect.h).  hidden: nothing of it is
 * shown; sat_hidden: its score is not; qhidden[i]: question i's
 * distribution (and mean) is not.
 */
struct report_cell {
	struct stats_cell	 c;
	int			 hidden;
	int			 sat_hidden;
	long long		*counts;	/* per value, see report_question */
	unsigned char		*qhidden;	/* per question */
};

struct report_question {
	const struct survey_question	*q;
	size_t				 first;	/* its first value's index */
	size_t				 nvalues;
};

struct report_monthloc {
	char		month[8];
	char		location[49];
	long long	n;
};

struct report {
	const struct survey		*s;
	struct report_query		 qy;
	size_t				 np, ng;
	char				(*periods)[8];
	const char			**groups;
	struct report_cell		*cells;		/* np x ng */
	struct report_cell		*ptotal;	/* per period */
	struct report_cell		*gtotal;	/* per group */
	struct report_cell		 grand;
	struct report_question		*qs;
	size_t				 nq;
	char				**values;	/* all questions' values */
	size_t				 nvalues;
	struct stats_trend		 trend;
	struct stats_cell		 baseline;
	int				 has_baseline, baseline_hidden;
	struct report_monthloc		*monthloc;	/* for comments */
	size_t				 nmonthloc;
	char				 through[8];	/* last published */
	time_t				 next_at;	/* the next appears */
	long long			 k;		/* in force */
	/* SMS invitations sent and answered in the window's shown cells. */
	int				 sms_shown;
	long long			 sms_invited, sms_answered;
};

/* "none" (or NULL or ""), "location", "channel"; -1 when unknown. */
int	 report_by_parse(const char *s);
/* "month" (or NULL or "") 0, "quarter" 1; -1 when unknown. */
int	 report_interval_parse(const char *s);

/*
 * Builds the table.  Returns 0 with *out set (free with report_free), or an
 * HTTP status with err filled: 404 unknown survey or location, 422 a bad
 * period, 503 the database failed.
 */
int	 report_build(struct store *st, const struct survey_set *set,
	    const struct report_query *q, struct report **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
void	 report_free(struct report *r);
/*
 * Builds (and so keeps, see protect.h) the protected set of every survey
 * as the next view would ask for it: after a release, so that the first
 * view after a period closes or a restart is served at once.
 */
void	 report_warm(struct store *st, const struct survey_set *set,
	    long long k, int lag_days);

/* Mean of question i over a cell (numeric types; yes = 10); -1 if none. */
int	 report_question_mean(const struct report *r, size_t i,
	    const struct report_cell *c, double *mean);
/* NPS of question i (a 0..10 scale) over a cell; -1 if not applicable. */
int	 report_question_nps(const struct report *r, size_t i,
	    const struct report_cell *c, double *nps);
/* The theme's score (0..10) over a cell: mean of its questions' means. */
int	 report_theme(const struct report *r, const struct report_cell *c,
	    const char *theme, double *score);
/* Is a comment from this month and location in a shown group? */
int	 report_comment_allowed(const struct report *r, const char *month,
	    const char *location);

json_t	*report_json(const struct report *r);
/* excel: semicolons, decimal commas and a BOM, for a Dutch Excel. */
char	*report_csv(const struct report *r, int excel, size_t *len);
char	*report_text(const struct report *r, size_t *len);

#endif
