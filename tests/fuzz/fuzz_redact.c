/*
 * fuzz_redact.c — redact_text on any bytes.  Besides ASan and UBSan it
 * checks what the stored comment relies on: the result is a C string with
 * no byte lost to an embedded NUL, valid UTF-8 whenever the input was, the
 * input unchanged when it holds nothing a rule could match, no run of 9
 * to 20 digits standing alone left (a phone number or BSN), and the
 * result stable when redacted again (nothing that looks like a phone
 * number, e-mail address, postcode or BSN is left over or made by
 * joining the pieces).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Checks for bugs already reported can be turned off while fuzzing for
 * new ones (KB_FUZZ_KNOWN=email-glued,digits-glued); replay keeps them all on.
 */
static int
known(const char *name)
{
	const char *k = getenv("KB_FUZZ_KNOWN");

	return k != NULL && strstr(k, name) != NULL;
}

static size_t
occurrences(const char *s, const char *what)
{
	size_t n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s += strlen(what);
	}
	return n;
}

/*
 * The bugs reported: an address glued to the end of a redacted one
 * ("a@b.nl+c@d.nl") is left whole, and a number followed by a word that
 * starts with digits ("0612345678 3x") is not redacted, though the pieces
 * left over are found by a second pass.  Is the second pass's change
 * explained by those alone?
 */
static int
explained_by_known(const char *out, const char *again)
{
	static const struct {
		const char	*marker;
		const char	*bug;
	} kinds[] = {
		{ "[e-mail]", "email-glued" },
		{ "[telefoon]", "digits-glued" },
		{ "[bsn]", "digits-glued" },
		{ "[postcode]", NULL },
		{ "[iban]", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t before = occurrences(out, kinds[i].marker);
		size_t after = occurrences(again, kinds[i].marker);

		if (after != before &&
		    (kinds[i].bug == NULL || !known(kinds[i].bug)))
			return 0;
	}
	return 1;
}

/* The redactor's own notion of a word character. */
static int
word_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/*
 * A run of 9 to 20 digits standing alone ("bel 0612345678 3x") is a phone
 * number or BSN whatever follows it; none may survive.  Returns its start,
 * or NULL.
 */
static const char *
bare_number(const char *s)
{
	size_t i = 0, k;

	while (s[i] != '\0') {
		if (!(s[i] >= '0' && s[i] <= '9') ||
		    (i > 0 && word_char((unsigned char)s[i - 1]))) {
			i++;
			continue;
		}
		for (k = i; s[k] >= '0' && s[k] <= '9'; k++)
			;
		if (k - i >= 9 && k - i <= 20 &&
		    !word_char((unsigned char)s[k]))
			return s + i;
		i = k;
	}
	return NULL;
}

static void
fail(const char *what, const char *in, size_t n, const char *out)
{
	fprintf(stderr, "fuzz_redact: %s\n  input (%zu bytes): \"", what, n);
	fwrite(in, 1, n, stderr);
	fprintf(stderr, "\"\n  output: \"%s\"\n", out ? out : "(null)");
	abort();
}

/*
 * Could a rule start anywhere in these bytes?  A digit or '@' of any
 * script (so any non-ASCII byte), or the word "at" of an address written
 * out ("jan at example punt nl").
 */
static int
has_candidate(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((s[i] >= '0' && s[i] <= '9') || s[i] == '@' ||
		    (unsigned char)s[i] >= 0x80)
			return 1;
		if (i + 1 < n && (s[i] == 'a' || s[i] == 'A') &&
		    (s[i + 1] == 't' || s[i + 1] == 'T'))
			return 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *clean, *out, *again;
	size_t n = 0, i, outlen;
	int count = -1, count2 = -1;

	/* The input with its NULs dropped, as the contract promises. */
	clean = xmalloc(size + 1);
	for (i = 0; i < size; i++)
		if (in[i] != '\0')
			clean[n++] = in[i];
	clean[n] = '\0';

	out = redact_text(in, size, &count);
	if (out == NULL)
		fail("NULL result", in, size, NULL);
	if (count < 0)
		fail("negative count", in, size, out);
	outlen = strlen(out);
	/* Every marker is at most 10 bytes and replaces at least 5. */
	if (outlen > 2 * n + 16)
		fail("result far longer than the input", in, size, out);
	if (!has_candidate(clean, n)) {
		if (count != 0 || outlen != n || memcmp(out, clean, n) != 0)
			fail("text without digits or '@' changed (a NUL "
			    "inside the result cuts it short?)", in, size, out);
	}
	if (count == 0 && (outlen != n || memcmp(out, clean, n) != 0))
		fail("nothing counted, yet the text changed", in, size, out);
	if (utf8_length(clean, n) >= 0 && utf8_length(out, outlen) < 0)
		fail("valid UTF-8 in, invalid UTF-8 out", in, size, out);

	if (bare_number(out) != NULL && !known("digits-glued"))
		fail("a phone number or BSN standing alone survived", in,
		    size, out);

	/* Redacting the stored text again finds nothing new. */
	again = redact_text(out, outlen, &count2);
	if ((strcmp(again, out) != 0 || count2 != 0) &&
	    !explained_by_known(out, again)) {
		fprintf(stderr, "second pass: \"%s\" (%d)\n", again, count2);
		fail("a second pass still redacts something: a match was "
		    "left over or made up of the pieces", in, size, out);
	}
	free(again);
	free(out);
	free(clean);
	return 0;
}
