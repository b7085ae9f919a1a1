/*
 * smsapi.c — the SMS side of the HTTP interface: the team's invitations,
 * the gateway's delivery reports and replies, and opting out by token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "auth.h"
#include "invite.h"
#include "log.h"
#include "phone.h"
#include "sms_priv.h"
#include "store_invite.h"
#include "store_team.h"
#include "util.h"

/* The callback's shared secret, in a header or the query: 1 when right. */
static int
secret_ok(struct app *app, struct http_request *r)
{
	const char *got = http_request_header(r, "X-Klankbord-Secret");

	if (got == NULL)
		got = http_request_query(r, "secret");
	return app->sms_secret != NULL && *app->sms_secret != '\0' &&
	    got != NULL && auth_equal(got, app->sms_secret);
}

static const char *
header_of(void *arg, const char *name)
{
	return http_request_header(arg, name);
}

/* The URL as the gateway called it: --base-url, the path, the query. */
static char *
called_url(struct app *app, struct http_request *r, int plus)
{
	const char *const *q = http_request_query_all(r);
	struct buf b;
	size_t i;

	buf_init(&b, 16384);
	buf_puts(&b, app->smscfg.base_url ? app->smscfg.base_url :
	    app->base_url ? app->base_url : "");
	buf_puts(&b, http_request_path(r));
	for (i = 0; q[i] != NULL; i += 2) {
		buf_putc(&b, i == 0 ? '?' : '&');
		sms_form_escape(&b, q[i], plus);
		buf_putc(&b, '=');
		sms_form_escape(&b, q[i + 1], plus);
	}
	return buf_release(&b, NULL);
}

/*
 * Reads the callback in whatever shape it came (GET query, form, JSON,
 * XML) and checks the secret and the provider's signature.  0, or the
 * status already replied (400, 401).
 */
static int
callback_open(struct app *app, struct http_request *r, struct sms_cb *cb,
    char **url)
{
	const char *ct = http_request_header(r, "Content-Type");
	int plus;

	memset(cb, 0, sizeof(*cb));
	*url = NULL;
	cb->method = http_request_method(r);
	cb->ctype = ct ? ct : "";
	cb->body = http_request_body(r, &cb->bodylen);
	cb->query = http_request_query_all(r);
	cb->header = header_of;
	cb->harg = r;
	cb->now = time(NULL);
	if (!secret_ok(app, r))
		return http_reply_error(r, 401, "unauthorized", NULL,
		    "wrong or missing callback secret");
	if (strcmp(cb->method, "POST") == 0) {
		if (ct != NULL && strncasecmp(ct,
		    "application/x-www-form-urlencoded", 33) == 0)
			cb->form = http_request_form_all(r);
		else if (cb->bodylen > 0 &&
		    cb->body[strspn(cb->body, " \t\r\n")] != '<') {
			cb->json = json_loadb(cb->body, cb->bodylen,
			    JSON_REJECT_DUPLICATES, NULL);
			if (!json_is_object(cb->json)) {
				json_decref(cb->json);
				cb->json = NULL;
				return http_reply_error(r, 400, "bad_request",
				    NULL, "send JSON, XML, a form or a query");
			}
		}
	}
	/* Spaces in the query may have been written either way. */
	for (plus = 1; plus >= 0; plus--) {
		free(*url);
		*url = called_url(app, r, plus);
		cb->url = *url;
		if (sms_callback_signed(&app->smscfg, cb))
			return 0;
	}
	log_warnx("sms: a callback with a missing or wrong signature was "
	    "refused");
	return http_reply_error(r, 401, "unauthorized", NULL,
	    "wrong or missing signature");
}

static void
callback_close(struct sms_cb *cb, char *url)
{
	json_decref(cb->json);
	free(url);
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
	struct sms_report rep;
	struct sms_cb cb;
	char state[12], *url;
	long long id;
	size_t n;
	int rc;

	rc = callback_open(app, r, &cb, &url);
	if (rc != 0)
		goto out;
	if (sms_callback_report(&app->smscfg, &cb, &rep) == -1) {
		rc = http_reply_error(r, 400, "bad_request", NULL,
		    "a delivery report needs a reference and a status");
		goto out;
	}
	rc = store_invite_by_ref(app->store, rep.ref, &id, state,
	    sizeof(state));
	/* The reminder's reference is the first one's with "r2". */
	n = strlen(rep.ref);
	if (rc == 0 && n > 2 && strcmp(rep.ref + n - 2, "r2") == 0) {
		rep.ref[n - 2] = '\0';
		rc = store_invite_by_ref(app->store, rep.ref, &id, state,
		    sizeof(state));
	}
	if (rc == 1 && rep.state == SMS_STATE_DELIVERED) {
		if (store_invite_delivered(app->store, id) == 1)
			sms_count_delivered();
	} else if (rc == 1 && rep.state == SMS_STATE_FAILED) {
		/* A final failure: the number goes. */
		if (store_invite_final(app->store, id, "failed") == 1)
			sms_count_failed();
	}
	if (rc == -1) {
		rc = http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
		goto out;
	}
	/* 200 even when unknown: the gateway would retry for days. */
	http_reply_json(r, json_pack("{s:s}", "result", rc == 1 ? "recorded" :
	    "unknown reference"));
	rc = 200;
out:
	callback_close(&cb, url);
	return rc;
}

int
sms_api_inbound(struct app *app, struct http_request *r)
{
	static const char twiml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<Response></Response>";
	unsigned char h[STORE_PHONE_HASH];
	char phone[PHONE_MAX], err[128], *url;
	struct sms_reply rep;
	struct sms_cb cb;
	int rc, stop;

	rc = callback_open(app, r, &cb, &url);
	if (rc != 0)
		goto out;
	if (sms_callback_reply(&app->smscfg, &cb, &rep) == -1) {
		rc = http_reply_error(r, 400, "bad_request", NULL,
		    "a reply needs a sender number and a text");
		goto out;
	}
	/* A number Klankbord cannot invite has nothing to opt out of. */
	stop = phone_is_stop_word(rep.text) &&
	    phone_normalise(rep.from, phone, err, sizeof(err)) == 0;
	sodium_memzero(&rep, sizeof(rep));
	if (stop) {
		invite_phone_hash(&app->keys, phone, h);
		sodium_memzero(phone, sizeof(phone));
		rc = store_optout(app->store, h);
		if (rc == -1) {
			rc = http_reply_error(r, 503, "unavailable", NULL,
			    "the database is not available");
			goto out;
		}
		if (rc == 1)
			log_info("sms: a number opted out by reply");
	}
	sodium_memzero(phone, sizeof(phone));
	if (app->smscfg.provider == SMS_TWILIO)
		http_reply_data(r, "text/xml; charset=utf-8", twiml,
		    sizeof(twiml) - 1, 0);
	else
		http_reply_json(r, json_pack("{s:b}", "opted_out", stop));
	rc = 200;
out:
	callback_close(&cb, url);
	return rc;
}

int
sms_api_optout(struct app *app, struct http_request *r)
{
	struct store_invite_view v;
	unsigned char th[STORE_TOKEN_HASH], ph[STORE_PHONE_HASH];
	unsigned char sealed[STORE_SEALED_MAX];
	const char *b, *token;
	char wait_s[16];
	size_t len, sl = 0;
	unsigned wait;
	json_t *j;
	int rc;

	wait = http_request_throttle(r, HTTP_BUCKET_OPTOUT);
	if (wait > 0) {
		snprintf(wait_s, sizeof(wait_s), "%u", wait);
		http_reply_header(r, "Retry-After", wait_s);
		return http_reply_error(r, 429, "too_many_requests", NULL,
		    "too many requests from this address; try again later");
	}
	b = http_request_body(r, &len);
	j = json_loadb(b, len, JSON_REJECT_DUPLICATES, NULL);
	token = json_string_value(json_object_get(j, "token"));
	if (token == NULL || !invite_token_valid(token)) {
		json_decref(j);
		return http_reply_error(r, 400, "bad_request", "token",
		    "send {\"token\": ...} from the SMS link");
	}
	invite_token_hash(token, th);
	/*
	 * A pending invitation has the number's hash; a final one only its
	 * link, sealed with the token, until the link would have expired:
	 * either way the answer is the same, answered or not.
	 */
	rc = store_invite_by_token(app->store, th, &v);
	if (rc == 1) {
		memcpy(ph, v.phone_hash, sizeof(ph));
	} else if (rc == 0) {
		rc = store_invite_link(app->store, th, (long long)time(NULL),
		    sealed, &sl);
		if (rc == 1 && invite_link_open(token, sealed, sl, ph) == -1)
			rc = 0;
	}
	json_decref(j);
	if (rc == 0)
		return http_reply_error(r, 404, "unknown_token", "token",
		    "this link is not known");
	if (rc == -1 || (rc = store_optout(app->store, ph)) == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	sodium_memzero(ph, sizeof(ph));
	/* Once per number: repeating the call changes and logs nothing. */
	if (rc == 1)
		log_info("sms: a number opted out through its link");
	http_reply_data(r, "text/plain; charset=utf-8", "", 0, 0);
	return 204;
}
