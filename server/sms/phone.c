/*
 * phone.c — numbers and GSM-7.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "phone.h"
#include "util.h"

int
phone_normalise(const char *in, char out[PHONE_MAX], char *err,
    size_t errlen)
{
	char digits[32];
	const char *rest;
	size_t n = 0;
	int plus = 0;
	const char *p;

	for (p = in; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n == sizeof(digits) - 1)
				goto bad;
			digits[n++] = *p;
		} else if (*p == '+' && n == 0 && !plus) {
			plus = 1;
		} else if (strchr(" -.()/", *p) == NULL) {
			goto bad;
		}
	}
	digits[n] = '\0';
	rest = digits;
	if (!plus && rest[0] == '0' && rest[1] == '0') {
		rest += 2;
		plus = 1;
	}
	if (plus) {
		/* +31 6 12345678, also written +31 (0)6 12345678. */
		if (strncmp(rest, "31", 2) != 0)
			goto bad;
		rest += 2;
		if (*rest == '0')
			rest++;
	} else if (n == 11 && strncmp(rest, "316", 3) == 0) {
		rest += 2;		/* 31612345678, as some gateways write */
	} else if (n == 10 && rest[0] == '0') {
		rest++;			/* 06 12345678 */
	} else if (n != 9) {
		goto bad;		/* 6 12345678 is the only other */
	}
	if (strlen(rest) != 9 || rest[0] != '6')
		goto bad;
	snprintf(out, PHONE_MAX, "+31%.9s", rest);
	return 0;
bad:
	snprintf(err, errlen, "not a Dutch mobile number: use 06 12345678 "
	    "(landlines and numbers abroad cannot be invited)");
	return -1;
}

/* GSM 03.38: the characters of the basic set beyond ASCII. */
static const uint32_t gsm_extra[] = {
	0x00a3, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, 0x00f2, 0x00c7,
	0x00d8, 0x00f8, 0x00c5, 0x00e5, 0x0394, 0x03a6, 0x0393, 0x039b,
	0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e, 0x00c6, 0x00e6,
	0x00df, 0x00c9, 0x00a4, 0x00a1, 0x00c4, 0x00d6, 0x00d1, 0x00dc,
	0x00a7, 0x00bf, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

long
phone_gsm7_length(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	long len = 0;
	size_t i;

	while (*p != '\0') {
		uint32_t cp;
		int k, extra;

		if (*p < 0x80) {
			cp = *p++;
		} else {
			extra = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ?
			    2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
			if (extra < 0)
				return -1;
			cp = *p & (0x3f >> extra);
			for (p++, k = 0; k < extra; k++, p++) {
				if ((*p & 0xc0) != 0x80)
					return -1;
				cp = (cp << 6) | (*p & 0x3f);
			}
		}
		if (cp == '`')
			return -1;
		if (cp == '\n' || cp == '\r' || (cp >= 0x20 && cp < 0x7f)) {
			/* The escape table costs two septets each. */
			len += strchr("^{}\\[~]|", (int)cp) != NULL ? 2 : 1;
			continue;
		}
		if (cp == 0x20ac) {	/* the euro sign */
			len += 2;
			continue;
		}
		for (i = 0; i < KB_NELEM(gsm_extra); i++)
			if (gsm_extra[i] == cp)
				break;
		if (i == KB_NELEM(gsm_extra))
			return -1;
		len++;
	}
	return len;
}

int
phone_is_stop_word(const char *text)
{
	static const char *const words[] = { "stop", "stoppen", "afmelden",
	    "uitschrijven", "unsubscribe", "stop all", "stopall", "stop alles",
	    "cancel", "end", "quit" };
	char w[32];
	size_t n = 0, i;
	int gap = 0;

	/* Letters only, lower case, one space between words: "Stop!" */
	for (; *text != '\0'; text++) {
		unsigned char c = (unsigned char)*text;

		if (isalpha(c) && c < 0x80) {
			if (gap && n > 0) {
				if (n + 1 >= sizeof(w))
					return 0;
				w[n++] = ' ';
			}
			if (n + 1 >= sizeof(w))
				return 0;
			w[n++] = (char)tolower(c);
			gap = 0;
		} else {
			gap = 1;
		}
	}
	w[n] = '\0';
	for (i = 0; i < KB_NELEM(words); i++)
		if (strcmp(w, words[i]) == 0)
			return 1;
	return 0;
}
