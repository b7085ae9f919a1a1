/*
 * stats.c — means, intervals, the trend test and suppression.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats.h"
#include "util.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

void
period_format(char out[8], int year, int num, char kind)
{
	char tmp[32];

	if (year < 0 || year > 9999)
		year = 0;
	if (kind == 'Q')
		snprintf(tmp, sizeof(tmp), "%04d-Q%d", year, num);
	else
		snprintf(tmp, sizeof(tmp), "%04d-%02d", year, num);
	memcpy(out, tmp, 7);
	out[7] = '\0';
}

int
stats_month_of_week(const char *week, char out[8])
{
	long long year = 0, days, jan4;
	unsigned wk, m, d;
	int wd, i;

	/* "YYYY-Www", exactly. */
	for (i = 0; i < 8; i++)
		if (i == 4 ? week[i] != '-' : i == 5 ? week[i] != 'W' :
		    week[i] < '0' || week[i] > '9')
			return -1;
	if (week[8] != '\0')
		return -1;
	for (i = 0; i < 4; i++)
		year = year * 10 + (week[i] - '0');
	wk = (unsigned)((week[6] - '0') * 10 + (week[7] - '0'));
	if (year < 1970 || year > 9999 || wk < 1 || wk > 53)
		return -1;
	/* Week 1 holds January 4th; its Monday starts the ISO year. */
	jan4 = days_from_civil(year, 1, 4);
	wd = (int)((jan4 + 3) % 7);		/* 0 = Monday */
	days = jan4 - wd + 7 * (long long)(wk - 1) + 3;	/* Thursday */
	civil_from_days(days, &year, &m, &d);
	if (year < 1970 || year > 9999)
		return -1;
	period_format(out, (int)year, (int)m, '-');
	return 0;
}

void
stats_quarter_of_month(const char *month, char out[8])
{
	int y = 0, m = 1;

	if (sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12)
		m = 1;
	period_format(out, y, (m - 1) / 3 + 1, 'Q');
}

double
stats_t975(long long df)
{
	static const double table[] = { 0, 12.706, 4.303, 3.182, 2.776,
	    2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
	    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074,
	    2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042 };
	const double z = 1.959964;
	double v;

	if (df < 1)
		return NAN;
	if (df < (long long)KB_NELEM(table))
		return table[df];
	/* Cornish-Fisher expansion: past 30 it is exact to 3 decimals. */
	v = (double)df;
	return z + (z * z * z + z) / (4 * v) +
	    (5 * pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v);
}

int
stats_mean_ci(const struct stats_cell *c, double *mean, double *lo,
    double *hi)
{
	double m, var, half;

	if (c->sn < 1)
		return -1;
	m = c->ssum / (double)c->sn;
	*mean = m;
	if (c->sn < 2)
		return -1;
	var = (c->ssq - (double)c->sn * m * m) / (double)(c->sn - 1);
	if (var < 0)
		var = 0;
	half = stats_t975(c->sn - 1) * sqrt(var / (double)c->sn);
	*lo = m - half;
	*hi = m + half;
	return 0;
}

void
stats_cell_add(struct stats_cell *into, const struct stats_cell *c)
{
	into->n += c->n;
	into->sn += c->sn;
	into->ssum += c->ssum;
	into->ssq += c->ssq;
}

void
stats_trend(const struct stats_cell *cells, size_t nperiods, long long min_n,
    struct stats_trend *out)
{
	double N = 0, tbar = 0, ybar, sxx = 0, sxy = 0, syy, sse, se, t;
	double sumsq = 0, sum = 0;
	size_t i, used = 0;

	memset(out, 0, sizeof(*out));
	out->verdict = STATS_TOO_FEW;
	for (i = 0; i < nperiods; i++) {
		if (cells[i].sn == 0)
			continue;
		used++;
		N += (double)cells[i].sn;
		tbar += (double)cells[i].sn * (double)i;
		sum += cells[i].ssum;
		sumsq += cells[i].ssq;
	}
	out->n = (long long)N;
	out->periods = used;
	if (used < 3 || N < (double)min_n || N < 4)
		return;
	tbar /= N;
	ybar = sum / N;
	for (i = 0; i < nperiods; i++) {
		double dt = (double)i - tbar;

		if (cells[i].sn == 0)
			continue;
		sxx += (double)cells[i].sn * dt * dt;
		sxy += dt * cells[i].ssum;
	}
	if (sxx <= 0)
		return;
	syy = sumsq - N * ybar * ybar;
	out->slope = sxy / sxx;
	sse = syy - out->slope * sxy;
	if (sse < 0)
		sse = 0;
	se = sqrt(sse / (N - 2) / sxx);
	t = stats_t975((long long)N - 2);
	out->lo = out->slope - t * se;
	out->hi = out->slope + t * se;
	if (out->lo > 0)
		out->verdict = STATS_RISING;
	else if (out->hi < 0)
		out->verdict = STATS_FALLING;
	else
		out->verdict = STATS_NO_CHANGE;
}

const char *
stats_verdict_text(enum stats_verdict v)
{
	switch (v) {
	case STATS_RISING:
		return "rising";
	case STATS_FALLING:
		return "falling";
	case STATS_NO_CHANGE:
		return "no clear change";
	case STATS_TOO_FEW:
		break;
	}
	return "too few responses to tell";
}

int
stats_nps(const long long counts[11], double *nps)
{
	long long total = 0, pro = 0, det = 0;
	int i;

	for (i = 0; i <= 10; i++) {
		total += counts[i];
		if (i >= 9)
			pro += counts[i];
		else if (i <= 6)
			det += counts[i];
	}
	if (total == 0)
		return -1;
	*nps = 100.0 * (double)(pro - det) / (double)total;
	return 0;
}

int
stats_suppress(const long long *n, size_t rows, size_t cols, long long k,
    int *hide, int *hide_total)
{
	size_t r, c;
	int changed = 0;

	for (r = 0; r < rows; r++) {
		long long total = 0;
		size_t hidden = 0, best = cols;

		for (c = 0; c < cols; c++) {
			long long v = n[r * cols + c];
			int *h = &hide[r * cols + c];

			total += v;
			if (v > 0 && v < k && !*h) {
				*h = 1;
				changed = 1;
			}
			hidden += (size_t)(v > 0 && *h);
		}
		if (total > 0 && total < k && !hide_total[r]) {
			hide_total[r] = 1;
			changed = 1;
		}
		if (hidden != 1 || hide_total[r])
			continue;
		/* One hidden cell and a shown total: hide a second one. */
		for (c = 0; c < cols; c++) {
			long long v = n[r * cols + c];

			if (v == 0 || hide[r * cols + c])
				continue;
			if (best == cols || v < n[r * cols + best])
				best = c;
		}
		if (best < cols)
			hide[r * cols + best] = 1;
		else
			hide_total[r] = 1;
		changed = 1;
	}
	return changed;
}

double
stats_normalise(int is_grade, long long min, long long max, double v)
{
	if (is_grade)
		return v;
	if (max <= min)
		return NAN;
	return (v - (double)min) * 10.0 / (double)(max - min);
}
