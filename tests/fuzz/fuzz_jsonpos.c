/*
 * fuzz_jsonpos.c — jsonpos_locate with a path taken from the input's first
 * line (segments separated by '/', at most 8, as deep as survey.c goes)
 * and the rest as the JSON text:
 *
 *     questions/3/text
 *     {"questions": [...]}
 *
 * Besides ASan and UBSan it checks that line and column are within the
 * text, and, when the text is valid JSON that jansson reads (without
 * escapes or deep nesting, where raw keys and jansson's keys could
 * differ), that the position is exactly the start of the value jansson
 * finds along the same path (or of the deepest one it reaches): the value
 * parsed from there equals jansson's.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

#define MAX_SEGS	8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what, const char *text, size_t len, int line, int col)
{
	fprintf(stderr, "fuzz_jsonpos: %s (got %d:%d)\n  text: ", what, line,
	    col);
	fwrite(text, 1, len, stderr);
	fputc('\n', stderr);
	abort();
}

/* The byte offset of 1-based line:col (columns in characters), or -1. */
static long
offset_of(const char *t, size_t n, int line, int col)
{
	size_t i = 0;
	int l = 1, c = 1;

	while (i < n && l < line) {
		if (t[i++] == '\n')
			l++;
	}
	if (l != line)
		return -1;
	while (i < n && c < col) {
		if (t[i] == '\n')
			return -1;
		i++;
		while (i < n && ((unsigned char)t[i] & 0xc0) == 0x80)
			i++;
		c++;
	}
	return c == col ? (long)i : -1;
}

/* A canonical array index: "0" or digits without a leading zero. */
static int
canonical_index(const char *s, size_t *out)
{
	size_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 9)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return 1;
}

static int
plain_enough(const char *t, size_t n)
{
	size_t i;
	int depth = 0, max = 0;

	for (i = 0; i < n; i++) {
		if (t[i] == '\\' || t[i] == '\0')
			return 0;
		if (t[i] == '[' || t[i] == '{') {
			if (++depth > max)
				max = depth;
		} else if (t[i] == ']' || t[i] == '}') {
			depth--;
		}
	}
	/* Brackets inside strings only make this stricter. */
	return max < 60;
}

static void
oracle(const char *text, size_t len, char **segs, size_t nsegs, int line,
    int col)
{
	json_t *root, *v, *next, *got;
	json_error_t e;
	size_t d, idx;
	long off;

	if (!plain_enough(text, len))
		return;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &e);
	if (root == NULL)
		return;
	v = root;
	for (d = 0; d < nsegs; d++) {
		next = NULL;
		if (json_is_object(v)) {
			next = json_object_get(v, segs[d]);
		} else if (json_is_array(v)) {
			/*
			 * jsonpos reads an index with strtol ("", "+1" and
			 * " 1" count too); survey.c only passes plain ones.
			 */
			if (!canonical_index(segs[d], &idx)) {
				json_decref(root);
				return;
			}
			next = json_array_get(v, idx);
		}
		if (next == NULL)
			break;
		v = next;
	}
	off = offset_of(text, len, line, col);
	if (off < 0)
		fail("position outside the text", text, len, line, col);
	got = json_loadb(text + off, len - (size_t)off,
	    JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &e);
	if (got == NULL || !json_equal(got, v))
		fail("position is not the start of the value jansson finds",
		    text, len, line, col);
	json_decref(got);
	json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	const char *text, *p;
	char *head, *segs[MAX_SEGS];
	size_t hlen, len, nsegs = 0, i, lines = 1;
	int line = -1, col = -1;

	if (nl == NULL)
		return 0;
	hlen = (size_t)(nl - (const char *)data);
	head = malloc(hlen + 1);
	memcpy(head, data, hlen);
	head[hlen] = '\0';
	text = nl + 1;
	len = size - hlen - 1;
	if (hlen > 0) {
		p = head;
		for (;;) {
			char *slash = strchr(p, '/');

			segs[nsegs++] = (char *)p;
			if (slash == NULL || nsegs == MAX_SEGS)
				break;
			*slash = '\0';
			p = slash + 1;
		}
	}
	/* An exact-size copy, so ASan sees any read past the end. */
	{
		char *copy = malloc(len ? len : 1);

		memcpy(copy, text, len);
		jsonpos_locate(copy, len, (const char *const *)segs, nsegs,
		    &line, &col);
		for (i = 0; i < len; i++)
			if (copy[i] == '\n')
				lines++;
		if (line < 1 || col < 1 || (size_t)line > lines ||
		    (size_t)col > len + 1)
			fail("line or column outside the text", copy, len, line,
			    col);
		oracle(copy, len, segs, nsegs, line, col);
		free(copy);
	}
	free(head);
	return 0;
}
