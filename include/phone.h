/*
 * phone.h — phone numbers and SMS text: normalising a number to E.164 and
 * checking that a message is one GSM-7 segment.
 */
#ifndef KB_PHONE_H
#define KB_PHONE_H

#include <stddef.h>

#define PHONE_MAX	17	/* "+" and at most 15 digits, and NUL */

/*
 * Normalises a Dutch mobile (06..., +316..., 00316..., with spaces, dashes,
 * dots or brackets) or another E.164 number to "+<digits>".  Returns 0, or
 * -1 with err filled when it is not a number an SMS can reach.
 */
int	 phone_normalise(const char *in, char out[PHONE_MAX], char *err,
	    size_t errlen) __attribute__((warn_unused_result));

/*
 * The GSM-7 length of a UTF-8 text (extension characters count twice), or
 * -1 when it holds a character GSM-7 cannot send.
 */
long	 phone_gsm7_length(const char *text);

/* Is text (trimmed, any case) a STOP word: stop, stoppen, afmelden...? */
int	 phone_is_stop_word(const char *text);

#endif
