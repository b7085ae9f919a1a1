/*
 * sms_generic.c — Klankbord's own dialect for in-house gateways: JSON POST
 * {to, from, message, reference, callback_url}, a Bearer key; reports and
 * replies with flat fields in JSON, a form or the query.
 */
#include <string.h>
#include <strings.h>

#include "sms_priv.h"

static int
generic_build(const struct sms_config *c, const char *e164,
    const char *text, const char *ref, const char *callback,
    struct sms_request *out)
{
	struct buf b;
	json_t *j;

	j = json_pack("{s:s, s:s, s:s, s:s}", "to", e164, "from",
	    c->sender ? c->sender : "Klankbord", "message", text,
	    "reference", ref);
	if (j == NULL)
		return -1;
	if (callback != NULL)
		json_object_set_new(j, "callback_url", json_string(callback));
	out->body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	out->content_type = xstrdup("Content-Type: application/json");
	if (c->key != NULL) {
		buf_init(&b, 4096);
		buf_printf(&b, "Authorization: Bearer %s", c->key);
		out->auth_header = buf_release(&b, NULL);
	}
	return out->body ? 0 : -1;
}

static void
generic_response_id(json_t *j, char *out, size_t outlen)
{
	char num[32];

	sms_copy(out, outlen, sms_json_path(j, "id", num, sizeof(num)));
}

static int
generic_report(const struct sms_cb *cb, struct sms_report *r)
{
	static const char *const bad[] = { "failed", "undelivered",
	    "rejected", "expired", "delivery_failed", NULL };
	const char *ref = sms_cb_field_nocase(cb, "reference");
	const char *st = sms_cb_field_nocase(cb, "status");
	size_t i;

	if (ref == NULL)
		ref = sms_cb_field_nocase(cb, "id");
	if (ref == NULL || st == NULL)
		return -1;
	sms_copy(r->ref, sizeof(r->ref), ref);
	r->state = strcasecmp(st, "delivered") == 0 ? SMS_STATE_DELIVERED :
	    SMS_STATE_PROGRESS;
	for (i = 0; bad[i] != NULL; i++)
		if (strcasecmp(st, bad[i]) == 0)
			r->state = SMS_STATE_FAILED;
	return 0;
}

static int
generic_reply(const struct sms_cb *cb, struct sms_reply *r)
{
	static const char *const texts[] = { "body", "text", "message", NULL };
	const char *from = sms_cb_field_nocase(cb, "from"), *text = NULL;
	size_t i;

	for (i = 0; text == NULL && texts[i] != NULL; i++)
		text = sms_cb_field_nocase(cb, texts[i]);
	if (from == NULL || text == NULL)
		return -1;
	sms_copy(r->from, sizeof(r->from), from);
	sms_copy(r->text, sizeof(r->text), text);
	return 0;
}

static int
generic_verify(const struct sms_config *c, const struct sms_cb *cb)
{
	(void)c;
	(void)cb;
	return -1;
}

const struct sms_dialect sms_dialect_generic = {
	generic_build, generic_response_id, generic_report, generic_reply,
	generic_verify
};
