/*
 * microdata.h — the anonymised one-row-per-response export for
 * evaluators: released responses of closed quarters, no free text, the
 * period as a quarter, and no combination of quarter, location, channel
 * and language with fewer than K responses (such rows are counted under
 * location "other", or left out when that is still under K).  Written as
 * a zip of CSV and codebook, or with ReadStat as SPSS .sav or Stata .dta
 * carrying variable and value labels.  Only microdata.c includes
 * <readstat.h>.
 */
#ifndef KB_MICRODATA_H
#define KB_MICRODATA_H

#include <stddef.h>
#include <time.h>

#include "store.h"
#include "survey.h"

enum microdata_format {
	MICRODATA_CSV,		/* a zip: data.csv and codebook.csv */
	MICRODATA_SAV,
	MICRODATA_DTA
};

struct microdata_counts {
	long long	read;		/* released responses of the survey */
	long long	open;		/* left out: quarter not closed yet */
	long long	generalised;	/* location written as "other" */
	long long	dropped;	/* left out: still under K */
	long long	rows;		/* written */
};

/* "csv", "sav", "dta"; -1 when unknown. */
int	 microdata_format_parse(const char *s);
/* The file name ending and content type of a format. */
const char *microdata_format_ext(enum microdata_format f);
const char *microdata_format_type(enum microdata_format f);

/*
 * Builds the export of one survey.  A quarter is closed once its last
 * month is published at now (publish_latest_month with lag_days).  Returns 0 with *out (free it) and *outlen
 * set, or an HTTP status with err filled: 404 unknown survey, 503 the
 * database failed, 500 the file could not be written.
 */
int	 microdata_build(struct store *st, const struct survey_set *set,
	    const char *survey, long long k, enum microdata_format fmt,
	    time_t now, int lag_days, char **out, size_t *outlen,
	    struct microdata_counts *counts, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

#endif
