/*
 * invite.c — creating an invitation: validating the request, making its
 * token and link, and queueing it for the sender.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "invite.h"
#include "phone.h"
#include "store_invite.h"
#include "util.h"

int
invite_create(struct store *st, const struct survey_set *set,
    const struct invite_keys *k, const struct sms_config *c,
    const struct invite_request *req, time_t now, char id[17],
    const char **field, char *err, size_t errlen)
{
	const struct survey *s;
	struct store_invite in;
	char phone[PHONE_MAX], ref[40], token[INVITE_TOKEN_MAX];
	char text[1024], link[1024];
	unsigned char r[12];
	int rc;

	*field = NULL;
	s = req->survey ? survey_set_find(set, req->survey, 0) : NULL;
	if (s == NULL) {
		*field = "survey";
		snprintf(err, errlen, "there is no such survey");
		return 422;
	}
	if (req->location == NULL ||
	    survey_set_location(set, req->location) == NULL) {
		*field = "location";
		snprintf(err, errlen, "there is no such location");
		return 422;
	}
	if (req->lang != NULL && !survey_has_language(s, req->lang)) {
		*field = "lang";
		snprintf(err, errlen, "the survey has no such language");
		return 422;
	}
	if (req->phone == NULL || phone_normalise(req->phone, phone, err,
	    errlen) == -1) {
		*field = "phone";
		if (req->phone == NULL)
			snprintf(err, errlen, "a phone number is needed");
		return 422;
	}
	memset(&in, 0, sizeof(in));
	in.survey = s->id;
	in.location = req->location;
	in.lang = req->lang ? req->lang : s->languages[0];
	in.phone = phone;
	invite_phone_hash(k, phone, in.phone_hash);
	randombytes_buf(in.nonce, sizeof(in.nonce));
	invite_token(k, in.nonce, token);
	invite_token_hash(token, in.token_hash);
	in.sealedlen = invite_link_seal(token, in.phone_hash, in.sealed);
	invite_recent_hashes(k, phone, s->id, now, in.recent);
	/* The message must fit before anything is queued. */
	snprintf(link, sizeof(link), "%s/i/%s", c->base_url, token);
	sodium_memzero(token, sizeof(token));
	rc = sms_message(c, in.lang, sms_location_name(set, req->location,
	    in.lang), link, text, sizeof(text), err, errlen);
	sodium_memzero(link, sizeof(link));
	sodium_memzero(text, sizeof(text));
	if (rc == -1) {
		*field = "lang";
		return 422;
	}
	/* The gateway's reference is random too: never the token. */
	randombytes_buf(r, sizeof(r));
	hex_encode(r, sizeof(r), ref);
	in.ref = ref;
	in.expires = (long long)now + c->expiry;
	in.remind_at = c->reminder_after > 0 ?
	    (long long)now + c->reminder_after : 0;
	in.send_at = (long long)now;
	rc = store_invite_add(st, &in, now);
	sodium_memzero(phone, sizeof(phone));
	switch (rc) {
	case STORE_INVITE_QUEUED:
		snprintf(id, 17, "%s", in.id);
		return 202;
	case STORE_INVITE_OPTED_OUT:
		*field = "phone";
		snprintf(err, errlen, "this number asked for no more messages");
		return 409;
	case STORE_INVITE_RECENT:
		*field = "phone";
		snprintf(err, errlen, "this number was invited to this survey "
		    "in the last 30 days");
		return 409;
	default:
		snprintf(err, errlen, "the invitation could not be stored");
		return 503;
	}
}
