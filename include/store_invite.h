/*
 * store_invite.h — SMS invitations, opt-outs and the eraser that keeps
 * erased numbers out of the write-ahead log (store_invite.c).
 */
#ifndef KB_STORE_INVITE_H
#define KB_STORE_INVITE_H

#include <stddef.h>

#include "store.h"

/*
 * SMS invitations.  The invitations table is the durable outbox: next_at
 * says when the next message (first or reminder) is due.  phone and nonce
 * are erased when the invitation is final (answered, expired, failed,
 * opted out) or its last message is sent.
 */
#define STORE_PHONE_HASH	32
#define STORE_TOKEN_HASH	32
#define STORE_NONCE		16

enum store_invite_result {
	STORE_INVITE_QUEUED = 1,
	STORE_INVITE_OPTED_OUT,
	STORE_INVITE_RECENT	/* same number and survey in 30 days */
};

#define STORE_RECENT_WEEKS	5	/* ISO weeks a 30-day span can touch */
#define STORE_SEALED_MAX	96

struct store_invite {
	const char	*survey, *location, *lang, *phone, *ref;
	unsigned char	 phone_hash[STORE_PHONE_HASH];
	unsigned char	 token_hash[STORE_TOKEN_HASH];
	unsigned char	 nonce[STORE_NONCE];
	/*
	 * Keyed hashes of the number, the survey and an ISO week: [0] of the
	 * week it is sent in (kept 30 days for the 30-day rule), [1..] of the
	 * weeks before, to look for an earlier invitation.
	 */
	unsigned char	 recent[STORE_RECENT_WEEKS][STORE_PHONE_HASH];
	/* The number's hash sealed with the token: the opt-out link. */
	unsigned char	 sealed[STORE_SEALED_MAX];
	size_t		 sealedlen;
	long long	 expires, remind_at, send_at;
	char		 id[17];		/* out */
};

struct store_due {
	long long	id;
	char		survey[49], location[49], lang[4];
	char		phone[20];
	unsigned char	nonce[STORE_NONCE];
	char		ref[40];
	int		reminded, tries;
	char		state[12];	/* queued: the first message is due */
};

struct store_invite_view {
	long long	id;
	char		survey[49], location[49], lang[4], state[12];
	long long	expires;
	unsigned char	phone_hash[STORE_PHONE_HASH];
};

/* A store_invite_result, or -1. */
int	 store_invite_add(struct store *st, struct store_invite *in,
	    long long now) __attribute__((warn_unused_result));
int	 store_invite_due(struct store *st, long long now, int limit,
	    void (*fn)(const struct store_due *, void *), void *arg);
/* Sent: next_at is the reminder's time, or 0 when this was the last. */
int	 store_invite_sent(struct store *st, long long id,
	    const char *provider_id, int reminder, long long next_at);
int	 store_invite_retry(struct store *st, long long id, int tries,
	    long long next_at);
/*
 * Ends a pending invitation (failed): deletes its row, number and all.
 * 1 when ended now, 0 when it was not pending, -1.
 */
int	 store_invite_final(struct store *st, long long id, const char *state);
/* Ends the invitations past their expiry, and forgets old markers. */
int	 store_invite_expire(struct store *st, long long now);
int	 store_invite_delivered(struct store *st, long long id);
/* A pending invitation by its token: 1 found, 0 not, -1. */
int	 store_invite_by_token(struct store *st,
	    const unsigned char *token_hash, struct store_invite_view *out)
	    __attribute__((warn_unused_result));
/*
 * A link that may still be answered although its invitation ended by an
 * opt-out (state "optedout"; no number): 1 found, 0 not, -1.
 */
int	 store_invite_open(struct store *st, const unsigned char *token_hash,
	    struct store_invite_view *out) __attribute__((warn_unused_result));
/*
 * The opt-out link of an invitation, pending or final, until the link
 * would have expired: 1 with sealed filled, 0 unknown, -1.  Says nothing
 * about whether it was answered.
 */
int	 store_invite_link(struct store *st, const unsigned char *token_hash,
	    long long now, unsigned char *sealed, size_t *sealedlen)
	    __attribute__((warn_unused_result));
/* By our reference or the gateway's id: 1 found, 0 not, -1. */
int	 store_invite_by_ref(struct store *st, const char *ref, long long *id,
	    char *state, size_t statelen) __attribute__((warn_unused_result));
/*
 * Records the opt-out and ends the number's pending invitations.
 * 1 when the number was not opted out before, 0 when it was, -1.
 */
int	 store_optout(struct store *st, const unsigned char *phone_hash);
/*
 * Invitations sent and answered per location and month ("2026-11") of a
 * survey, for the dashboard (which applies the anonymity rules).  The
 * month is that of the ISO week (its Thursday, local time) in which the
 * message went out or the answer came, as a response's month is.
 */
int	 store_invite_tally(struct store *st, const char *survey,
	    void (*fn)(const char *location, const char *month,
	    long long sent, long long answered, void *), void *arg);
/* Invitations waiting for their first message (for /metrics). */
long long store_invite_queued(struct store *st);
/*
 * Asks for the erased numbers to leave the WAL and the file: a TRUNCATE
 * checkpoint within a few seconds, batched (at most one per interval).
 */
void	 store_erase_request(struct store *st);
/* TRUNCATE checkpoints the eraser has run (for /metrics). */
unsigned long long store_erasures(struct store *st);
/* Leaves no copy of erased data in the write-ahead log. */
int	 store_purge_erased(struct store *st);

#endif
