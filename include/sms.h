/*
 * sms.h — sending invitations through an SMS gateway.  Only sms.c knows
 * libcurl.  A background thread sends what the invitations table says is
 * due, a few at a time, never in quiet hours, retrying network errors and
 * 5xx with back-off, treating 4xx as final.
 */
#ifndef KB_SMS_H
#define KB_SMS_H

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

struct sms_config {
	enum sms_provider	 provider;
	const char		*url;
	const char		*sender;
	const char		*key;		/* never logged */
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
	const char		*templates[2];	/* nl, en; "{link}" is replaced */
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
/* "21:00-09:00" or "off"; 0 or -1. */
int	 sms_quiet_parse(const char *s, int *from, int *to);
/*
 * 0 when a message may go now; else the seconds until it may (quiet hours
 * are local time, which main sets to Europe/Amsterdam).
 */
long	 sms_quiet_wait(const struct sms_config *c, time_t now);

int	 sms_request_build(const struct sms_config *c, const char *to,
	    const char *text, const char *ref, struct sms_request *out)
	    __attribute__((warn_unused_result));
void	 sms_request_clear(struct sms_request *r);
/* The gateway's message id from its answer, into out ("" if none). */
void	 sms_response_id(enum sms_provider p, const char *body, char *out,
	    size_t outlen);

/*
 * The message for lang with link put in: the template of that language
 * (English for other languages).  0, or -1 with err filled when it is not
 * one GSM-7 segment of at most 160 characters.
 */
int	 sms_message(const struct sms_config *c, const char *lang,
	    const char *link, char *out, size_t outlen, char *err,
	    size_t errlen) __attribute__((warn_unused_result));

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
