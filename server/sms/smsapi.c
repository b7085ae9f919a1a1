/*
 * smsapi.c — the SMS side of the HTTP interface: the team's invitations,
 * the gateway's delivery reports and replies, and opting out by token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "auth.h"
#include "invite.h"
#include "log.h"
#include "phone.h"
#include "util.h"

/* The first of names present, in a JSON body or else a form body. */
static const char *
field_of(struct http_request *r, json_t *body, const char *const *names)
{
	const char *v;

	for (; *names != NULL; names++) {
		if (body != NULL) {
			v = json_string_value(json_object_get(body, *names));
			if (v != NULL)
				return v;
		} else {
			v = http_request_form(r, *names);
			if (v != NULL)
				return v;
		}
	}
	return NULL;
}

/* The callback's shared secret, in a header or the query. 0 or a status. */
static int
check_secret(struct app *app, struct http_request *r)
{
	const char *got = http_request_header(r, "X-Klankbord-Secret");

	if (got == NULL)
		got = http_request_query(r, "secret");
	if (app->sms_secret == NULL || *app->sms_secret == '\0' ||
	    got == NULL || !auth_equal(got, app->sms_secret))
		return http_reply_error(r, 401, "unauthorized", NULL,
		    "wrong or missing callback secret");
	return 0;
}

/* JSON when the body looks like JSON, else NULL (a form). */
static json_t *
body_json(struct http_request *r, int *bad)
{
	const char *ct = http_request_header(r, "Content-Type");
	const char *b;
	size_t len;
	json_t *j;

	*bad = 0;
	b = http_request_body(r, &len);
	if (ct != NULL && strncmp(ct, "application/x-www-form-urlencoded",
	    33) == 0)
		return NULL;
	j = json_loadb(b, len, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		*bad = 1;
		return NULL;
	}
	return j;
}

int
sms_api_invite(struct app *app, struct http_request *r)
{
	struct invite_request req;
	const char *field, *b;
	char id[17], err[256], detail[128];
	json_error_t jerr;
	json_t *j;
	size_t len;
	int rc;

	if (app->sms == NULL)
		return http_reply_error(r, 503, "sms_disabled", NULL,
		    "SMS is not set up on this server (--sms-provider)");
	b = http_request_body(r, &len);
	j = json_loadb(b, len, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return http_reply_error(r, 400, "bad_json", NULL,
		    "send {\"phone\", \"survey\", \"location\", \"lang\"}");
	}
	memset(&req, 0, sizeof(req));
	req.phone = json_string_value(json_object_get(j, "phone"));
	req.survey = json_string_value(json_object_get(j, "survey"));
	req.location = json_string_value(json_object_get(j, "location"));
	req.lang = json_string_value(json_object_get(j, "lang"));
	rc = invite_create(app->store, app->surveys, &app->keys, &app->smscfg,
	    &req, time(NULL), id, &field, err, sizeof(err));
	if (rc != 202) {
		json_decref(j);
		return http_reply_error(r, rc, rc == 409 ? "conflict" :
		    rc == 422 ? "invalid" : "unavailable", field, err);
	}
	snprintf(detail, sizeof(detail), "%s/%s", req.survey, req.location);
	(void)store_audit_add(app->store, http_request_auth(r)->user,
	    "invitation", detail);
	json_decref(j);
	sms_wake(app->sms);
	http_reply_json(r, json_pack("{s:s}", "id", id));
	return 202;
}

int
sms_api_status(struct app *app, struct http_request *r)
{
	static const char *const refs[] = { "reference", "ref", "messageId",
	    "MessageSid", "id", NULL };
	static const char *const states[] = { "status", "MessageStatus",
	    "statusDescription", NULL };
	const char *ref, *status;
	char state[12];
	long long id;
	json_t *j;
	int rc, bad;

	rc = check_secret(app, r);
	if (rc != 0)
		return rc;
	j = body_json(r, &bad);
	if (bad)
		return http_reply_error(r, 400, "bad_request", NULL,
		    "send JSON or a form");
	ref = field_of(r, j, refs);
	status = field_of(r, j, states);
	if (ref == NULL || status == NULL) {
		json_decref(j);
		return http_reply_error(r, 400, "bad_request", NULL,
		    "a delivery report needs a reference and a status");
	}
	rc = store_invite_by_ref(app->store, ref, &id, state, sizeof(state));
	if (rc == 1) {
		if (strcasecmp(status, "delivered") == 0)
			(void)store_invite_delivered(app->store, id);
		else if (strcasecmp(status, "failed") == 0 ||
		    strcasecmp(status, "undelivered") == 0 ||
		    strcasecmp(status, "rejected") == 0 ||
		    strcasecmp(status, "expired") == 0 ||
		    strcasecmp(status, "delivery_failed") == 0) {
			/* A final failure: the number goes. */
			if (store_invite_final(app->store, id, "failed") == 1)
				(void)store_purge_erased(app->store);
		}
	}
	json_decref(j);
	if (rc == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	http_reply_json(r, json_pack("{s:s}", "result", rc == 1 ? "recorded" :
	    "unknown reference"));
	return 200;
}

int
sms_api_inbound(struct app *app, struct http_request *r)
{
	static const char *const froms[] = { "from", "From", "originator",
	    "sender", "msisdn", NULL };
	static const char *const texts[] = { "body", "Body", "text", "message",
	    "content", NULL };
	unsigned char h[STORE_PHONE_HASH];
	char phone[PHONE_MAX], err[128];
	const char *from, *text;
	json_t *j;
	int rc, bad, stop;

	rc = check_secret(app, r);
	if (rc != 0)
		return rc;
	j = body_json(r, &bad);
	if (bad)
		return http_reply_error(r, 400, "bad_request", NULL,
		    "send JSON or a form");
	from = field_of(r, j, froms);
	text = field_of(r, j, texts);
	if (from == NULL || text == NULL ||
	    phone_normalise(from, phone, err, sizeof(err)) == -1) {
		json_decref(j);
		return http_reply_error(r, 400, "bad_request", NULL,
		    "a reply needs a sender number and a text");
	}
	stop = phone_is_stop_word(text);
	json_decref(j);
	if (stop) {
		invite_phone_hash(&app->keys, phone, h);
		if (store_optout(app->store, h) == -1)
			return http_reply_error(r, 503, "unavailable", NULL,
			    "the database is not available");
		(void)store_purge_erased(app->store);
		log_info("sms: a number opted out by reply");
	}
	http_reply_json(r, json_pack("{s:b}", "opted_out", stop));
	return 200;
}

int
sms_api_optout(struct app *app, struct http_request *r)
{
	struct store_invite_view v;
	unsigned char th[STORE_TOKEN_HASH];
	const char *b, *token;
	json_t *j;
	size_t len;
	int rc;

	b = http_request_body(r, &len);
	j = json_loadb(b, len, JSON_REJECT_DUPLICATES, NULL);
	token = json_string_value(json_object_get(j, "token"));
	if (token == NULL || !invite_token_valid(token)) {
		json_decref(j);
		return http_reply_error(r, 400, "bad_request", "token",
		    "send {\"token\": ...} from the SMS link");
	}
	invite_token_hash(token, th);
	json_decref(j);
	rc = store_invite_by_token(app->store, th, &v);
	if (rc == 0)
		return http_reply_error(r, 404, "unknown_token", "token",
		    "this link is not known");
	if (rc == -1 || store_optout(app->store, v.phone_hash) == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	(void)store_purge_erased(app->store);
	log_info("sms: a number opted out through its link");
	http_reply_data(r, "text/plain; charset=utf-8", "", 0, 0);
	return 204;
}
