/*
 * participants.h — client participation: the separate, non-anonymous
 * sign-up of volunteers, on a versioned consent (surveys/consent.json),
 * their name and contact sealed with a key file of their own, expiring
 * after --participants-keep-months unless renewed, withdrawable through a
 * link in every message.  Nothing of it refers to a response.
 */
#ifndef KB_PARTICIPANTS_H
#define KB_PARTICIPANTS_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "store.h"
#include "store_participants.h"
#include "util.h"

#define PARTICIPANTS_KEY_BYTES	32
#define PARTICIPANTS_NAME_MAX	40	/* characters */
#define PARTICIPANTS_EMAIL_MAX	254	/* bytes */
#define PARTICIPANTS_TOKEN_MAX	24	/* base62 of 96 bits, and NUL */
#define PARTICIPANTS_CONTACT_MAX 256

/* Keys derived from the participants key file's one secret. */
struct participants_keys {
	unsigned char	seal[32];	/* secretbox of name and contact */
	unsigned char	contact[32];	/* keyed hash of the contact */
	unsigned char	token[32];	/* withdraw and renew tokens */
};

/*
 * Reads the key file at path, making it (32 random bytes, mode 0600) when
 * missing.  Returns 0, or -1 with err filled: unreadable, another length
 * than 32 bytes, all zero, or readable by others.
 */
int	 participants_keys_load(const char *path,
	    struct participants_keys *out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));

/* The consent file: its version, texts and the choices it offers. */
struct participants_consent;

/*
 * Parses and validates consent.json held in text (path for messages):
 * a version, every text in every language listed, ways, topics and
 * spoken languages with ids and texts.  Returns the consent (free with
 * participants_consent_free), or NULL with "path:line:col: what" lines
 * appended to errors.
 */
struct participants_consent *participants_consent_parse(const char *path,
	    const char *text, size_t len, struct buf *errors);
/* Reads dir/consent.json and parses it; NULL with errors appended. */
struct participants_consent *participants_consent_load(const char *dir,
	    struct buf *errors);
void	 participants_consent_free(struct participants_consent *c);
long long participants_consent_version(const struct participants_consent *c);

/* A validated sign-up, ready to seal; contact is E.164 or an e-mail. */
struct participants_signup {
	char	name[PARTICIPANTS_NAME_MAX * 4 + 1];
	char	contact[PARTICIPANTS_CONTACT_MAX];
	char	kind[6];		/* "sms" or "email" */
	char	lang[4];
	char	ways[128], topics[512], languages[128];
	long long consent_version;
};

struct participants_error {
	int	 status;		/* 400 or 422 */
	char	 code[32];
	char	 field[32];
	char	 message[200];
};

/*
 * Validates a POST /api/participants body against the consent.  Returns 0
 * with out filled, or -1 with e filled (e->field names the bad field).
 */
int	 participants_signup_parse(const struct participants_consent *c,
	    const char *body, size_t len, struct participants_signup *out,
	    struct participants_error *e) __attribute__((warn_unused_result));

/* Is s a plausible e-mail address (local@domain.tld, no spaces)? */
int	 participants_email_valid(const char *s);

/*
 * Seals name and contact into out (at most STORE_PART_SEALED_MAX bytes,
 * padded so the length tells nothing): 0, or -1 when too long.
 */
int	 participants_seal(const struct participants_keys *k, const char *name,
	    const char *contact, unsigned char *out, size_t *outlen)
	    __attribute__((warn_unused_result));
/* Opens what participants_seal made: 0, or -1 when forged or damaged. */
int	 participants_unseal(const struct participants_keys *k,
	    const unsigned char *in, size_t inlen, char *name, size_t namelen,
	    char *contact, size_t contactlen)
	    __attribute__((warn_unused_result));
/* The keyed hash of a contact ("sms:+316..." or "email:a@b.nl"). */
void	 participants_contact_hash(const struct participants_keys *k,
	    const char *kind, const char *contact,
	    unsigned char out[STORE_PART_HASH]);
/* The withdraw ('w') or renew ('r') token of a sign-up's nonce. */
void	 participants_token(const struct participants_keys *k, char which,
	    const unsigned char nonce[STORE_PART_NONCE],
	    char out[PARTICIPANTS_TOKEN_MAX]);
void	 participants_token_hash(const char *token,
	    unsigned char out[STORE_PART_HASH]);

/*
 * The ISO week before which sign-ups have expired: the week of now minus
 * keep_months (a sign-up of that week or earlier is erased).
 */
void	 participants_cutoff_week(time_t now, unsigned keep_months,
	    char out[9]);

/* The running service: consent, keys and the expiry sweeper. */
struct participants;

/*
 * Loads dir/consent.json and the key file, erases expired sign-ups, and
 * starts a thread that does so every hour.  Returns 0 with *out set (NULL
 * when dir has no consent.json: no sign-up is offered), or -1 with err
 * filled (a bad consent or key file).
 */
int	 participants_open(const char *dir, const char *key_path,
	    unsigned keep_months, struct store *st, struct participants **out,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
void	 participants_close(struct participants *p);
const struct participants_consent *participants_consent_of(
	    const struct participants *p);
const struct participants_keys *participants_keys_of(
	    const struct participants *p);
unsigned participants_keep_months(const struct participants *p);
/* Erases expired sign-ups now; their count, or -1. */
int	 participants_expire(struct participants *p, time_t now);

/* The label of a way, topic or spoken language in lang ("" if unknown). */
const char *participants_label(const struct participants_consent *c,
	    const char *list, const char *id, const char *lang);
/* The ids of list ("ways", "topics", "spoken"), in file order. */
size_t	 participants_ids(const struct participants_consent *c,
	    const char *list, const char **out, size_t max);
/* The consent's own text of key in lang, else Dutch; NULL if none. */
const char *participants_text_raw(const struct participants_consent *c,
	    const char *key, const char *lang);
/* The consent as JSON for the sign-up screen (borrowed). */
json_t	*participants_consent_json(const struct participants_consent *c);
/* A text of the consent file in lang (else Dutch), {months} filled in. */
void	 participants_text(const struct participants *p, const char *key,
	    const char *lang, struct buf *out);

/*
 * Sends one SMS: 0 when the gateway took it, 1 to try again later, -1 when
 * it failed for good.  ref is the message's own reference.
 */
typedef int	(*participants_send_fn)(void *arg, const char *to,
		    const char *text, const char *ref);

struct invite_keys;
struct sms_config;

/* The SMS to a volunteer: text, the withdraw link, maybe the renew link. */
int	 participants_sms_text(const char *base_url, const char *text,
	    const char *withdraw, const char *renew, const char *lang,
	    struct buf *out);
/*
 * Hands the waiting SMS messages to volunteers to send (nothing in quiet
 * hours).  Skips, and ends, messages to volunteers who withdrew or opted
 * out of SMS (invite keys' phone hash), or whose text is not one GSM-7
 * segment; after PARTICIPANTS_SMS_TRIES tries a message is dropped.
 * Returns the messages sent, or -1.
 */
#define PARTICIPANTS_SMS_TRIES	8
int	 participants_outbox_drain(struct participants *p,
	    const struct invite_keys *ik, const struct sms_config *c,
	    time_t now, participants_send_fn send, void *arg);

/*
 * Lets the service's thread send the outbox through send (arg, the SMS
 * invite keys for opt-outs and the SMS settings for quiet hours and links
 * must outlive p): at once, then every minute and whenever woken.  Until
 * it is called, messages wait.
 */
void	 participants_set_sender(struct participants *p,
	    participants_send_fn send, void *arg, const struct invite_keys *ik,
	    const struct sms_config *c);
/* Something was queued: look at the outbox now. */
void	 participants_wake(struct participants *p);

struct app;
struct http_request;

/* Handlers: participants.c (respondents) */
int	 participants_api_consent(struct app *, struct http_request *);
int	 participants_api_signup(struct app *, struct http_request *);
int	 participants_withdraw_page(struct app *, struct http_request *);
int	 participants_renew_page(struct app *, struct http_request *);

/* Handlers: panel.c (the project team) */
int	 panel_page(struct app *, struct http_request *);
int	 panel_api_list(struct app *, struct http_request *);
int	 panel_api_delete(struct app *, struct http_request *);
int	 panel_export_csv(struct app *, struct http_request *);
int	 panel_message(struct app *, struct http_request *);

#endif
