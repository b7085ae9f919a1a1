/*
 * sms.h — sending invitations through an SMS gateway and understanding
 * what the gateway calls back with.  Only server/sms/ knows libcurl and
 * nettle.  A background thread sends what the invitations table says is
 * due, a few at a time, never in quiet hours, retrying network errors,
 * 429 and 5xx (honouring Retry-After) and treating the provider's other
 * 4xx answers as final.  docs/sms-providers.md has the facts per provider.
 */
#ifndef KB_SMS_H
#define KB_SMS_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "store.h"

enum sms_provider {
	SMS_NONE,
	SMS_GENERIC,		/* JSON POST {to, from, message, reference} */
	SMS_TWILIO,		/* form POST To, From, Body; Basic auth */
	SMS_CM,			/* CM.com JSON with a product token */
	SMS_MESSAGEBIRD		/* JSON with an AccessKey header */
};

struct invite_keys;
struct survey_set;

struct sms_config {
	enum sms_provider	 provider;
	const char		*url;
	const char		*sender;
	const char		*key;		/* never logged */
	const char		*signing_key;	/* callbacks' signatures, or NULL */
	const char		*callback_secret;	/* shared, or NULL */
	int			 quiet_from;	/* minutes after midnight, or -1 */
	int			 quiet_to;
	unsigned		 rate;		/* messages per second */
	unsigned		 concurrency;
	unsigned		 max_tries;
	long			 timeout;	/* seconds for one request */
	long long		 retry_base;	/* first back-off, seconds */
	long long		 reminder_after;	/* seconds; 0: none */
	long long		 expiry;		/* seconds */
	const char		*base_url;
	json_t			*templates;	/* {"nl": "...{location}...{link}"} */
	const struct survey_set	*surveys;	/* for the locations' names */
};

/* An outgoing request, built without touching the network. */
struct sms_request {
	char	*url;
	char	*body;
	char	*content_type;
	char	*auth_header;	/* "Authorization: ...", or NULL */
	char	*userpwd;	/* for Basic auth, or NULL */
};

/* "generic" -> SMS_GENERIC; -1 when unknown. */
int	 sms_provider_parse(const char *name);
const char *sms_provider_name(enum sms_provider p);
/* "21:00-09:00" or "off"; 0 or -1. */
int	 sms_quiet_parse(const char *s, int *from, int *to);
/*
 * 0 when a message may go now; else the seconds until it may (quiet hours
 * are local time, which main sets to Europe/Amsterdam).
 */
long	 sms_quiet_wait(const struct sms_config *c, time_t now);

/*
 * The request that sends text to e164 ("+316...") with reference ref, in
 * the provider's dialect: its number format, auth and, where it takes one,
 * the callback URL.  0, or -1 (no provider or URL).
 */
int	 sms_request_build(const struct sms_config *c, const char *e164,
	    const char *text, const char *ref, struct sms_request *out)
	    __attribute__((warn_unused_result));
void	 sms_request_clear(struct sms_request *r);
/* The gateway's message id from its answer, into out ("" if none). */
void	 sms_response_id(enum sms_provider p, const char *body, char *out,
	    size_t outlen);
/*
 * Seconds a Retry-After value asks for (seconds or an HTTP date), capped
 * at cap; -1 when there is none or it cannot be read.
 */
long	 sms_retry_after(const char *value, time_t now, long cap);

/*
 * Loads the message templates (surveys/sms-templates.json): an object
 * {"templates": {"LL": "text with {location} and {link}"}}.  Returns 0
 * with *out set, or -1 with err filled ("path: ...").
 */
int	 sms_templates_load(const char *path, json_t **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/*
 * Checks that every template fits, with every location's name and the
 * longest link a token makes: one GSM-7 segment (160) or, for a text that
 * needs UCS-2, two segments (134).  0, or -1 with err naming the template
 * and the location.
 */
int	 sms_templates_check(const struct sms_config *c,
	    const struct survey_set *set, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
/*
 * The message for lang (else Dutch) with location (its name in that
 * language) and link put in.  0, or -1 with err filled when it does not
 * fit (see sms_templates_check).
 */
int	 sms_message(const struct sms_config *c, const char *lang,
	    const char *location, const char *link, char *out, size_t outlen,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
/* The name of location id in lang (else Dutch, else its id). */
const char *sms_location_name(const struct survey_set *set, const char *id,
	    const char *lang);
/* Its length in SMS terms: GSM-7 septets, or UTF-16 units if ucs2. */
long	 sms_text_length(const char *text, int *ucs2);

/* A callback from the gateway, as /sms/status and /sms/inbound saw it. */
struct sms_cb {
	const char	 *method;	/* "GET" or "POST" */
	const char	 *url;		/* base URL + path + query, as called */
	const char	 *ctype;	/* Content-Type, or "" */
	const char	 *body;
	size_t		  bodylen;
	const char *const *query;	/* key, value, ...; NULL-ended */
	const char *const *form;	/* the same for a form body */
	json_t		 *json;		/* a JSON body, or NULL */
	const char	*(*header)(void *arg, const char *name);
	void		 *harg;
	time_t		  now;
};

enum sms_state {
	SMS_STATE_PROGRESS,	/* accepted, queued, sent, buffered... */
	SMS_STATE_DELIVERED,
	SMS_STATE_FAILED	/* final: the number goes */
};

struct sms_report {
	char		ref[160];	/* the reference, or the provider id */
	enum sms_state	state;
};

struct sms_reply {
	char	from[64];
	char	text[512];
};

/*
 * Whether the callback carries the provider's signature made with the
 * signing key (the part of --sms-key after ':' for Twilio, when no
 * --sms-signing-key).  1 when it does or the provider signs nothing and
 * no key is set; 0 otherwise.
 */
int	 sms_callback_signed(const struct sms_config *c,
	    const struct sms_cb *cb);
/* A delivery report's reference and state: 0, or -1 when it is none. */
int	 sms_callback_report(const struct sms_config *c,
	    const struct sms_cb *cb, struct sms_report *out);
/* A reply's sender and text: 0, or -1 when it is none. */
int	 sms_callback_reply(const struct sms_config *c,
	    const struct sms_cb *cb, struct sms_reply *out);

/* Signature checks, exposed for tests with the providers' vectors. */
int	 sms_twilio_signature_ok(const char *key, const char *url,
	    const char *const *params, const char *body, size_t bodylen,
	    const char *signature);
int	 sms_messagebird_jwt_ok(const char *key, const char *jwt,
	    const char *url, const char *body, size_t bodylen, time_t now);
int	 sms_messagebird_legacy_ok(const char *key, const char *signature,
	    const char *timestamp, const char *const *query, const char *body,
	    size_t bodylen, time_t now, long max_age);

/* SMS tallies for /metrics, by provider. */
struct sms_tally {
	unsigned long long	sent, delivered, failed, retried;
};
void	 sms_count_delivered(void);
void	 sms_count_failed(void);
void	 sms_tally_get(struct sms_tally *out);
struct buf;
/* Appends the SMS lines of /metrics (Prometheus text) to b. */
void	 sms_metrics(struct buf *b, const struct sms_config *c,
	    struct store *st);

/*
 * Sends text (one ready segment) to e164 with reference ref at once, on
 * the caller's thread (never a request thread), bounded by the configured
 * timeout: 0 when the gateway took it, 1 to try later (network, 429,
 * 5xx), -1 when refused for good.
 */
int	 sms_send_text(const struct sms_config *c, const char *e164,
	    const char *text, const char *ref);

struct sms;

/* Starts the sender thread.  0, or -1 with err filled. */
int	 sms_start(const struct sms_config *c, struct store *st,
	    const struct invite_keys *keys, struct sms **out, char *err,
	    size_t errlen) __attribute__((warn_unused_result));
/* Something may be due now: look without waiting for the next tick. */
void	 sms_wake(struct sms *s);
/* Lets messages in flight finish (bounded by their timeouts); frees s. */
void	 sms_stop(struct sms *s);

#endif
