/*
 * publish.h — when results become visible: the release of the intake
 * (daily at --release-at, at every period close, and at start) and the
 * closing of periods (a month closes when the last ISO week counted in it
 * has ended; it is published --publish-lag-days later).
 */
#ifndef KB_PUBLISH_H
#define KB_PUBLISH_H

#include <time.h>

struct store;
struct survey_set;
struct publish;

/*
 * The first moment (local time) at which the month "YYYY-MM" is closed:
 * the Monday after the last ISO week whose Thursday lies in it.  -1 when
 * month is not a month.
 */
int	 publish_month_closes(const char *month, time_t *out)
	    __attribute__((warn_unused_result));
/*
 * The newest month published at now with lag_days of margin, "YYYY-MM",
 * into out[8].
 */
void	 publish_latest_month(time_t now, int lag_days, char out[8]);
/* When the month after latest appears (local time). */
time_t	 publish_next_at(const char *latest, int lag_days);

/*
 * Starts the release thread: releases at once, then daily at
 * release_minute (minutes after midnight) and whenever a month closes;
 * fn(arg) runs after each release (to recompute what is published).
 * Returns 0, or -1 with err filled.  publish_stop waits for it.
 */
int	 publish_start(struct store *st, const struct survey_set *set,
	    int release_minute, void (*fn)(void *), void *arg,
	    struct publish **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
void	 publish_stop(struct publish *p);
/*
 * A reload's new survey set (ops): waits for a release in progress, then
 * later releases use set; the old one may be freed once this returns.
 */
void	 publish_set_surveys(struct publish *p, const struct survey_set *set);

#endif
