/*
 * store_export.h — the rows of the anonymised microdata export
 * (store_export.c).
 */
#ifndef KB_STORE_EXPORT_H
#define KB_STORE_EXPORT_H

#include "store.h"

/*
 * Every released response of a survey, in random-id order, for the
 * microdata export (store_export.c): fn gets version, channel, location,
 * language, ISO week and the answers JSON.  Returns 0, or -1 when the
 * database could not be read.
 */
int	 store_export_responses(struct store *st, const char *survey,
	    void (*fn)(long long version, const char *channel,
	    const char *location, const char *lang, const char *week,
	    const char *answers, void *arg), void *arg)
	    __attribute__((warn_unused_result));

#endif
