/*
 * store_protect.h — the protected table sets as published, one per survey
 * and K (store_protect.c); team/protect.c builds and reads them.
 */
#ifndef KB_STORE_PROTECT_H
#define KB_STORE_PROTECT_H

#include "store.h"

/*
 * The stored set of survey with threshold k built up to through from data
 * with this hash: 1 with *data (free it), 0 when none matches, -1.
 */
int	 store_protect_load(struct store *st, const char *survey, long long k,
	    const char *through, unsigned long long hash, char **data)
	    __attribute__((warn_unused_result));
/* Keeps data as the set of survey and k, in place of the one before. */
int	 store_protect_save(struct store *st, const char *survey, long long k,
	    const char *through, unsigned long long hash, const char *data)
	    __attribute__((warn_unused_result));

#endif
