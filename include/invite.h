/*
 * invite.h — creating an SMS invitation (its keys and tokens are in
 * invite_keys.h; the sender, which needs only those, in sms.h).
 */
#ifndef KB_INVITE_H
#define KB_INVITE_H

#include <stddef.h>
#include <time.h>

#include "invite_keys.h"
#include "sms.h"
#include "store.h"
#include "store_invite.h"
#include "survey.h"

struct invite_request {
	const char	*phone;
	const char	*survey;
	const char	*location;
	const char	*lang;		/* NULL: the survey's first */
};

/*
 * Validates and queues an invitation.  Returns 202 with id filled; or 422
 * (bad number, survey, location or language: err says which, field names
 * it), 409 (opted out, or invited to this survey in the last 30 days), 503.
 */
int	 invite_create(struct store *st, const struct survey_set *set,
	    const struct invite_keys *k, const struct sms_config *c,
	    const struct invite_request *req, time_t now, char id[17],
	    const char **field, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

#endif
