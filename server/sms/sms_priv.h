/*
 * sms_priv.h — the SMS module's own map: one dialect per provider
 * (sms_twilio.c, sms_cm.c, sms_messagebird.c, sms_generic.c) and the
 * helpers they share (sms_common.c).
 */
#ifndef KB_SMS_PRIV_H
#define KB_SMS_PRIV_H

#include <stddef.h>

#include "sms.h"
#include "util.h"

struct sms_dialect {
	/* Fills body, content type and auth; url is set by the caller. */
	int	(*build)(const struct sms_config *, const char *e164,
		    const char *text, const char *ref, const char *callback,
		    struct sms_request *);
	void	(*response_id)(json_t *answer, char *out, size_t outlen);
	int	(*report)(const struct sms_cb *, struct sms_report *);
	int	(*reply)(const struct sms_cb *, struct sms_reply *);
	/* 1 signed and right; 0 wrong or missing; -1 no signature scheme. */
	int	(*verify)(const struct sms_config *, const struct sms_cb *);
};

extern const struct sms_dialect sms_dialect_twilio;
extern const struct sms_dialect sms_dialect_cm;
extern const struct sms_dialect sms_dialect_messagebird;
extern const struct sms_dialect sms_dialect_generic;

/* Form encoding: unreserved bytes kept, space as '+' or "%20". */
void	 sms_form_escape(struct buf *b, const char *s, int plus);
/* A field of the callback: form, then query, then the JSON body's top. */
const char *sms_cb_field(const struct sms_cb *cb, const char *name);
/* The same, ignoring case in the name. */
const char *sms_cb_field_nocase(const struct sms_cb *cb, const char *name);
/* The JSON string or number at a dotted path ("messages.msg.reference"). */
const char *sms_json_path(json_t *j, const char *path, char *num,
	    size_t numlen);
/* The text of the first XML element named tag (no nesting); into out. */
int	 sms_xml_text(const char *xml, size_t len, const char *tag, char *out,
	    size_t outlen);
/* Copies s into out, truncating; "" for NULL. */
void	 sms_copy(char *out, size_t outlen, const char *s);
/* Hex SHA-256 of data, into out[65]. */
void	 sms_sha256_hex(const void *data, size_t len, char out[65]);
int	 sms_ctype_is(const struct sms_cb *cb, const char *type);

#endif
