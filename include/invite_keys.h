/*
 * invite_keys.h — the invitations' keys (a file beside the database),
 * keyed phone hashes, tokens and the sealed opt-out link.  Used by the
 * sender and by invite creation alike, so it includes neither.
 */
#ifndef KB_INVITE_KEYS_H
#define KB_INVITE_KEYS_H

#include <stddef.h>
#include <time.h>

#include "store_invite.h"

#define INVITE_TOKEN_MAX	24	/* base62 of 96 bits, and NUL */

/*
 * Two keys derived from one secret kept in a file beside the database, so
 * the database alone (a backup, say) yields neither tokens nor a way to
 * test phone numbers against the opt-out hashes.
 */
struct invite_keys {
	unsigned char	phone[32];
	unsigned char	token[32];
};

/* Reads the key file, making it (mode 0600) when missing.  0 or -1. */
int	 invite_keys_load(const char *path, struct invite_keys *out,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
void	 invite_phone_hash(const struct invite_keys *k, const char *e164,
	    unsigned char out[STORE_PHONE_HASH]);
/*
 * The keyed hashes of number, survey and the ISO week of now (out[0]) and
 * of the weeks before it, for the 30-day rule.
 */
void	 invite_recent_hashes(const struct invite_keys *k, const char *e164,
	    const char *survey, time_t now,
	    unsigned char out[STORE_RECENT_WEEKS][STORE_PHONE_HASH]);
/*
 * The opt-out link: the number's keyed hash sealed with the token, so it
 * is of use only to whoever holds the link.  seal returns the length;
 * open returns 0 with phone_hash filled, or -1.
 */
size_t	 invite_link_seal(const char *token,
	    const unsigned char phone_hash[STORE_PHONE_HASH],
	    unsigned char out[STORE_SEALED_MAX]);
int	 invite_link_open(const char *token, const unsigned char *sealed,
	    size_t len, unsigned char phone_hash[STORE_PHONE_HASH]);
/* The token of an invitation's nonce. */
void	 invite_token(const struct invite_keys *k,
	    const unsigned char nonce[STORE_NONCE], char out[INVITE_TOKEN_MAX]);
void	 invite_token_hash(const char *token,
	    unsigned char out[STORE_TOKEN_HASH]);
/* A token's shape: 10 to 23 characters of [0-9A-Za-z]. */
int	 invite_token_valid(const char *token);

#endif
