/*
 * store_participants.h — the volunteers who signed up to take part, kept
 * apart from every response.  A row holds the ISO week of its sign-up (or
 * renewal) and no other time; name and contact only sealed (encrypted by
 * participants.c), the contact also as a keyed hash to find repeats and
 * withdrawals.  Nothing here can be joined to a response.
 */
#ifndef KB_STORE_PARTICIPANTS_H
#define KB_STORE_PARTICIPANTS_H

#include <stddef.h>

#include "store.h"

#define STORE_PART_HASH		32
#define STORE_PART_NONCE	16
#define STORE_PART_SEALED_MAX	1024

struct store_participant {
	long long	 id;
	char		 week[9];		/* "2026-W47" */
	long long	 consent_version;
	char		 lang[4];
	char		 kind[6];		/* "sms" or "email" */
	char		 ways[128];		/* comma-separated ids */
	char		 topics[512];
	char		 languages[128];
	unsigned char	 sealed[STORE_PART_SEALED_MAX];
	size_t		 sealed_len;
	unsigned char	 contact_hash[STORE_PART_HASH];
	unsigned char	 token_nonce[STORE_PART_NONCE];
	unsigned char	 withdraw_hash[STORE_PART_HASH];
	unsigned char	 renew_hash[STORE_PART_HASH];
};

/*
 * Stores a sign-up with a new random id (into p->id), replacing an earlier
 * one with the same contact and lifting that contact's withdrawal block: a
 * new sign-up is a new consent.  0 or -1.
 */
int	 store_participant_add(struct store *st, struct store_participant *p)
	    __attribute__((warn_unused_result));
/* Calls fn for every sign-up, in id order (random).  0 or -1. */
int	 store_participant_list(struct store *st,
	    void (*fn)(const struct store_participant *, void *), void *arg);
/* 1 with *out filled, 0 when there is no such id, -1. */
int	 store_participant_get(struct store *st, long long id,
	    struct store_participant *out) __attribute__((warn_unused_result));
/*
 * Erases a sign-up from the file (secure delete, the log truncated).
 * 1 erased, 0 no such id, -1.
 */
int	 store_participant_delete(struct store *st, long long id);
/*
 * Withdraws the sign-up whose withdraw token hashes to h: erased as above,
 * its contact hash kept as a block; lang gets its language.  1 erased,
 * 0 unknown, -1.
 */
int	 store_participant_withdraw(struct store *st,
	    const unsigned char h[STORE_PART_HASH], char lang[4]);
/* Moves the sign-up whose renew token hashes to h to week.  1, 0, -1. */
int	 store_participant_renew(struct store *st,
	    const unsigned char h[STORE_PART_HASH], const char *week);
/* Erases every sign-up of cutoff_week or before: the count, or -1. */
int	 store_participant_expire(struct store *st, const char *cutoff_week);
/* 1 when the contact withdrew (and did not sign up again), 0, -1. */
int	 store_participant_blocked(struct store *st,
	    const unsigned char contact_hash[STORE_PART_HASH]);

/*
 * The outbox of SMS messages to volunteers: the admin's text per volunteer,
 * its link added when sent; a row goes when its message is final, and with
 * its volunteer.  queue: 0 or -1.
 */
int	 store_panel_queue(struct store *st, long long participant,
	    const char *text, int renew) __attribute__((warn_unused_result));
/* Messages waiting, or -1. */
int	 store_panel_pending(struct store *st);
/* Up to limit waiting messages with their volunteer (fn may not call the
 * store); 0 or -1. */
int	 store_panel_due(struct store *st, int limit,
	    void (*fn)(long long id, const char *text, int renew, int tries,
	    const struct store_participant *p, void *arg), void *arg);
/* Ends a message (sent or failed): 1, 0, -1. */
int	 store_panel_done(struct store *st, long long id);
/* Counts a failed try: 0 or -1. */
int	 store_panel_retry(struct store *st, long long id);
/* 1 when the number opted out of SMS (the SMS sender's keyed hash), 0, -1. */
int	 store_participant_sms_optedout(struct store *st,
	    const unsigned char phone_hash[32]);

#endif
