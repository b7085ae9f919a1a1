/*
 * redact.h — removes what looks like a phone number, an e-mail address, a
 * Dutch postcode or a citizen service number (BSN) from free text.
 */
#ifndef KB_REDACT_H
#define KB_REDACT_H

#include <stddef.h>

/*
 * Returns a newly allocated copy of the n bytes at text with every match
 * replaced by a marker such as "[telefoon]"; *count (if not NULL) is set
 * to the number of replacements.  Never fails; embedded NULs are dropped.
 */
char	*redact_text(const char *text, size_t n, int *count);

#endif
