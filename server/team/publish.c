/*
 * publish.c — the release schedule and the calendar of closed periods.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "publish.h"
#include "response.h"
#include "store.h"
#include "store_results.h"
#include "survey.h"
#include "stats.h"
#include "util.h"

struct publish {
	struct store		*st;
	const struct survey_set	*set;
	int			 minute;
	void			(*fn)(void *);
	void			*arg;
	pthread_t		 thread;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 stopping;
	pthread_mutex_t		 set_mtx;	/* held while set is in use */
};

/* Local midnight of y-m-d (mktime normalises day overflow). */
static time_t
local_day(int y, int m, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

int
publish_month_closes(const char *month, time_t *out)
{
	struct tm tm;
	int y, m, last, wd;
	char tail;
	time_t t;

	if (strlen(month) != 7 || sscanf(month, "%4d-%2d%c", &y, &m,
	    &tail) != 2 || m < 1 || m > 12 || y < 1970 || y > 9999)
		return -1;
	/* The last day of the month, then back to its last Thursday. */
	t = local_day(y, m + 1, 0);
	if (localtime_r(&t, &tm) == NULL)
		return -1;
	last = tm.tm_mday;
	wd = (tm.tm_wday + 6) % 7;		/* 0 = Monday, 3 = Thursday */
	last -= (wd - 3 + 7) % 7;
	/* Its week ends on the Sunday after: closed from that Monday. */
	*out = local_day(y, m, last + 4);
	return 0;
}

void
publish_latest_month(time_t now, int lag_days, char out[8])
{
	struct tm tm;
	time_t closes;
	int y, m, i;

	if (localtime_r(&now, &tm) == NULL) {
		snprintf(out, 8, "1970-01");
		return;
	}
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	/* The running month or the one before may still be open. */
	for (i = 0; i < 3; i++) {
		period_format(out, y, m, '-');
		if (publish_month_closes(out, &closes) == 0 &&
		    closes + (time_t)lag_days * 86400 <= now)
			return;
		if (--m == 0) {
			m = 12;
			y--;
		}
	}
	period_format(out, y, m, '-');
}

time_t
publish_next_at(const char *latest, int lag_days)
{
	int y = 1970, m = 1;
	char next[8];
	time_t closes = 0;

	if (sscanf(latest, "%4d-%2d", &y, &m) != 2)
		return 0;
	if (++m == 13) {
		m = 1;
		y++;
	}
	period_format(next, y, m, '-');
	if (publish_month_closes(next, &closes) == -1)
		return 0;
	return closes + (time_t)lag_days * 86400;
}

static int
release_cb(struct store_response *r, void *arg)
{
	return response_rollup_row(arg, r);
}

static void
release_now(struct publish *p)
{
	char err[512];
	long long moved;
	int rc;

	pthread_mutex_lock(&p->set_mtx);
	rc = store_release(p->st, release_cb, (void *)(uintptr_t)p->set,
	    &moved, err, sizeof(err));
	pthread_mutex_unlock(&p->set_mtx);
	if (rc == -1) {
		log_warnx("release failed: %s", err);
		return;
	}
	if (p->fn != NULL)
		p->fn(p->arg);
}

/* The next release: release_minute today or tomorrow, or a month close. */
static time_t
next_release(const struct publish *p, time_t now)
{
	struct tm tm;
	time_t daily, closes;
	char month[8];

	if (localtime_r(&now, &tm) == NULL)
		return now + 3600;
	daily = local_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) +
	    p->minute * 60;
	if (daily <= now)
		daily = local_day(tm.tm_year + 1900, tm.tm_mon + 1,
		    tm.tm_mday + 1) + p->minute * 60;
	period_format(month, tm.tm_year + 1900, tm.tm_mon + 1, '-');
	if (publish_month_closes(month, &closes) == 0 && closes > now &&
	    closes < daily)
		return closes;
	/* The month before may close in the first days of this one. */
	period_format(month, tm.tm_mon == 0 ? tm.tm_year + 1899 :
	    tm.tm_year + 1900, tm.tm_mon == 0 ? 12 : tm.tm_mon, '-');
	if (publish_month_closes(month, &closes) == 0 && closes > now &&
	    closes < daily)
		return closes;
	return daily;
}

static void *
publish_main(void *arg)
{
	struct publish *p = arg;

	release_now(p);
	pthread_mutex_lock(&p->mtx);
	while (!p->stopping) {
		time_t now = time(NULL), at = next_release(p, now);
		struct timespec ts = { at, 0 };

		/* Wake at least hourly: the clock may jump. */
		if (at - now > 3600)
			ts.tv_sec = now + 3600;
		if (pthread_cond_timedwait(&p->cond, &p->mtx, &ts) !=
		    ETIMEDOUT || p->stopping || time(NULL) < at)
			continue;
		pthread_mutex_unlock(&p->mtx);
		release_now(p);
		pthread_mutex_lock(&p->mtx);
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

int
publish_start(struct store *st, const struct survey_set *set,
    int release_minute, void (*fn)(void *), void *arg, struct publish **out,
    char *err, size_t errlen)
{
	struct publish *p = xcalloc(1, sizeof(*p));
	int e;

	p->st = st;
	p->set = set;
	p->minute = release_minute;
	p->fn = fn;
	p->arg = arg;
	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_mutex_init(&p->set_mtx, NULL);
	e = pthread_create(&p->thread, NULL, publish_main, p);
	if (e != 0) {
		snprintf(err, errlen, "cannot start the release thread: %s",
		    strerror(e));
		pthread_mutex_destroy(&p->mtx);
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->set_mtx);
		free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void
publish_stop(struct publish *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mtx);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->mtx);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->set_mtx);
	free(p);
}

void
publish_set_surveys(struct publish *p, const struct survey_set *set)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->set_mtx);
	p->set = set;
	pthread_mutex_unlock(&p->set_mtx);
}
