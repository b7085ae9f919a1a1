/*
 * response.h — turns a POST /api/responses body into the row the store
 * keeps: validated against its survey, free text redacted, nothing kept
 * that could identify the respondent.
 */
#ifndef KB_RESPONSE_H
#define KB_RESPONSE_H

#include <stddef.h>
#include <time.h>

#include "store.h"
#include "survey.h"

struct response_error {
	int		 status;	/* 400, 404, 422; 500 internal */
	const char	*code;		/* "bad_json", "unknown_survey", ... */
	char		 message[256];
	char		 field[64];	/* "" when no single field is at fault */
};

/*
 * Validates body and fills out (out->answers is allocated; release with
 * response_clear).  now gives the ISO week stored (local time).  Returns 0,
 * or -1 with e filled and out untouched.
 */
int	 response_prepare(const struct survey_set *set, const char *body,
	    size_t len, time_t now, struct store_response *out,
	    struct response_error *e) __attribute__((warn_unused_result));
void	 response_clear(struct store_response *r);

/*
 * Validates one line of `klankbord import`: a response in the shape of
 * POST /api/responses plus its "week" ("2022-W05"), checked and redacted
 * exactly like a live one (an SMS answer needs no token).  Returns 0 with
 * out filled (release with response_clear), or -1 with e filled.
 */
int	 response_prepare_import(const struct survey_set *set,
	    const char *line, size_t len, struct store_response *out,
	    struct response_error *e) __attribute__((warn_unused_result));

/*
 * Fills the rollup fields of a stored row (survey, version, week and the
 * answers JSON set) for a rebuild.  -1 when its survey version is unknown
 * or the answers unreadable.  The caller frees r->tallies.
 */
int	 response_rollup_row(const struct survey_set *set,
	    struct store_response *r) __attribute__((warn_unused_result));

/* The ISO 8601 week of t in local time, "2026-W47" (9 bytes with NUL). */
void	 response_week(time_t t, char out[9]);

#endif
