/*
 * sms_cm.c — CM.com: JSON with a product token, numbers as 00316...; the
 * report webhook (JSON, XML, or the legacy GET/form) is set in CM's portal,
 * not per message; replies as JSON (from.number, message.text) or legacy
 * flat fields.  CM signs nothing: the shared secret is the only check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sms_priv.h"

static int
cm_build(const struct sms_config *c, const char *e164, const char *text,
    const char *ref, const char *callback, struct sms_request *out)
{
	char number[24];
	struct buf b;
	json_t *j;

	(void)callback;	/* CM's report URL lives in its portal */
	snprintf(number, sizeof(number), "00%s", e164 + (e164[0] == '+'));
	j = json_pack("{s:{s:{s:s}, s:[{s:s, s:[{s:s}], s:{s:s, s:s}, s:s, "
	    "s:i, s:i, s:[s]}]}}", "messages", "authentication",
	    "producttoken", c->key ? c->key : "", "msg", "from",
	    c->sender ? c->sender : "Klankbord", "to", "number", number,
	    "body", "type", "auto", "content", text, "reference", ref,
	    "minimumNumberOfMessageParts", 1, "maximumNumberOfMessageParts",
	    2, "allowedChannels", "SMS");
	if (j == NULL)
		return -1;
	out->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	out->content_type = xstrdup("Content-Type: application/json");
	buf_init(&b, 4096);
	buf_printf(&b, "X-CM-PRODUCTTOKEN: %s", c->key ? c->key : "");
	out->auth_header = buf_release(&b, NULL);
	return out->body ? 0 : -1;
}

static void
cm_response_id(json_t *j, char *out, size_t outlen)
{
	/* CM answers with no message id: the reference is the handle. */
	sms_copy(out, outlen, sms_json_path(j, "messages.reference", NULL,
	    0));
}

static enum sms_state
cm_state(const char *code)
{
	long long n;

	if (code == NULL || num_parse(code, 0, 1000, &n) == -1)
		return SMS_STATE_PROGRESS;
	switch (n) {
	case 2:		/* delivered */
	case 4:		/* read (other channels) */
		return SMS_STATE_DELIVERED;
	case 1:		/* rejected */
	case 3:		/* failed */
		return SMS_STATE_FAILED;
	default:	/* 0: accepted by the operator */
		return SMS_STATE_PROGRESS;
	}
}

static int
cm_report(const struct sms_cb *cb, struct sms_report *r)
{
	char num[32], code[16];
	const char *ref = NULL, *st = NULL;

	if (cb->json != NULL) {
		ref = sms_json_path(cb->json, "messages.msg.reference", NULL,
		    0);
		st = sms_json_path(cb->json, "messages.msg.status.code", num,
		    sizeof(num));
	} else if (cb->body != NULL && cb->bodylen > 0 &&
	    cb->body[strspn(cb->body, " \t\r\n")] == '<') {
		if (sms_xml_text(cb->body, cb->bodylen, "REFERENCE", r->ref,
		    sizeof(r->ref)) == -1 || sms_xml_text(cb->body,
		    cb->bodylen, "CODE", code, sizeof(code)) == -1)
			return -1;
		r->state = cm_state(code);
		return r->ref[0] ? 0 : -1;
	} else {
		ref = sms_cb_field_nocase(cb, "reference");
		st = sms_cb_field_nocase(cb, "statuscode");
	}
	if (ref == NULL || st == NULL || *ref == '\0')
		return -1;
	sms_copy(r->ref, sizeof(r->ref), ref);
	r->state = cm_state(st);
	return 0;
}

static int
cm_reply(const struct sms_cb *cb, struct sms_reply *r)
{
	static const char *const froms[] = { "from", "sender", "originator",
	    "msisdn", NULL };
	static const char *const texts[] = { "message", "body", "text",
	    "content", NULL };
	const char *from = NULL, *text = NULL;
	size_t i;

	if (cb->json != NULL) {
		from = sms_json_path(cb->json, "from.number", NULL, 0);
		text = sms_json_path(cb->json, "message.text", NULL, 0);
	}
	for (i = 0; from == NULL && froms[i] != NULL; i++)
		from = sms_cb_field_nocase(cb, froms[i]);
	for (i = 0; text == NULL && texts[i] != NULL; i++)
		text = sms_cb_field_nocase(cb, texts[i]);
	if (from == NULL || text == NULL)
		return -1;
	sms_copy(r->from, sizeof(r->from), from);
	sms_copy(r->text, sizeof(r->text), text);
	return 0;
}

static int
cm_verify(const struct sms_config *c, const struct sms_cb *cb)
{
	(void)c;
	(void)cb;
	return -1;
}

const struct sms_dialect sms_dialect_cm = {
	cm_build, cm_response_id, cm_report, cm_reply, cm_verify
};
