/*
 * jsonpos.c — a forgiving JSON scanner that follows a path to a value.
 */
#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"

struct scan {
	const char	*s;
	size_t		 n;
	size_t		 i;
	int		 depth;
};

#define SCAN_MAX_DEPTH	64

static void
scan_ws(struct scan *sc)
{
	while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
	    sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
		sc->i++;
}

/* Skips a string; *start and *len give its raw contents. */
static int
scan_string(struct scan *sc, const char **start, size_t *len)
{
	size_t b;

	if (sc->i >= sc->n || sc->s[sc->i] != '"')
		return -1;
	b = ++sc->i;
	while (sc->i < sc->n && sc->s[sc->i] != '"') {
		if (sc->s[sc->i] == '\\')
			sc->i++;
		sc->i++;
	}
	if (sc->i >= sc->n)
		return -1;
	*start = sc->s + b;
	*len = sc->i - b;
	sc->i++;
	return 0;
}

static int scan_value(struct scan *);

static int
scan_container(struct scan *sc, char open, char close)
{
	const char *k;
	size_t kl;

	if (++sc->depth > SCAN_MAX_DEPTH)
		return -1;
	sc->i++;
	scan_ws(sc);
	if (sc->i < sc->n && sc->s[sc->i] == close) {
		sc->i++;
		sc->depth--;
		return 0;
	}
	for (;;) {
		scan_ws(sc);
		if (open == '{') {
			if (scan_string(sc, &k, &kl) == -1)
				return -1;
			scan_ws(sc);
			if (sc->i >= sc->n || sc->s[sc->i] != ':')
				return -1;
			sc->i++;
		}
		if (scan_value(sc) == -1)
			return -1;
		scan_ws(sc);
		if (sc->i >= sc->n)
			return -1;
		if (sc->s[sc->i] == close) {
			sc->i++;
			sc->depth--;
			return 0;
		}
		if (sc->s[sc->i] != ',')
			return -1;
		sc->i++;
	}
}

static int
scan_value(struct scan *sc)
{
	const char *p;
	size_t l, b;

	scan_ws(sc);
	if (sc->i >= sc->n)
		return -1;
	switch (sc->s[sc->i]) {
	case '"':
		return scan_string(sc, &p, &l);
	case '{':
		return scan_container(sc, '{', '}');
	case '[':
		return scan_container(sc, '[', ']');
	default:
		b = sc->i;
		while (sc->i < sc->n && strchr(",]} \t\r\n", sc->s[sc->i]) == NULL)
			sc->i++;
		/* strchr matches a NUL byte too: stuck on one, give up. */
		return sc->i > b ? 0 : -1;
	}
}

/* With sc at a container, moves to the value of one segment; -1 if absent. */
static int
scan_enter(struct scan *sc, const char *seg)
{
	char open;
	long want = -1, idx = 0;
	char *end;

	scan_ws(sc);
	if (sc->i >= sc->n)
		return -1;
	open = sc->s[sc->i];
	if (open != '{' && open != '[')
		return -1;
	if (open == '[') {
		want = strtol(seg, &end, 10);
		if (*end != '\0' || want < 0)
			return -1;
	}
	sc->i++;
	for (;;) {
		scan_ws(sc);
		if (sc->i >= sc->n || sc->s[sc->i] == '}' || sc->s[sc->i] == ']')
			return -1;
		if (open == '{') {
			const char *k;
			size_t kl;

			if (scan_string(sc, &k, &kl) == -1)
				return -1;
			scan_ws(sc);
			if (sc->i >= sc->n || sc->s[sc->i] != ':')
				return -1;
			sc->i++;
			scan_ws(sc);
			if (kl == strlen(seg) && memcmp(k, seg, kl) == 0)
				return 0;
		} else if (idx++ == want) {
			return 0;
		}
		if (scan_value(sc) == -1)
			return -1;
		scan_ws(sc);
		if (sc->i < sc->n && sc->s[sc->i] == ',')
			sc->i++;
	}
}

void
jsonpos_locate(const char *text, size_t len, const char *const *path,
    size_t depth, int *line, int *col)
{
	struct scan sc = { text, len, 0, 0 };
	size_t d, found = 0, i;

	scan_ws(&sc);
	found = sc.i;
	for (d = 0; d < depth; d++) {
		if (scan_enter(&sc, path[d]) == -1)
			break;
		scan_ws(&sc);
		found = sc.i;
	}
	*line = 1;
	*col = 1;
	for (i = 0; i < found && i < len; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}
