/*
 * quickjson.c — the fast path of quickjson.h.  jansson reads a response
 * body character by character through a stream and a string buffer; for
 * the plain JSON a survey app sends this recursive descent is several
 * times faster, and it gives up (NULL) at the first thing it does not
 * handle, leaving every error and every escape to jansson.
 */
#include <string.h>

#include "quickjson.h"

#define QUICK_DEPTH	8	/* a response is two levels deep */
#define QUICK_DIGITS	18	/* fits a long long, no overflow check */

struct quick {
	const char	*p, *end;
	int		 depth;
};

static json_t *value(struct quick *q);

static void
skip_ws(struct quick *q)
{
	while (q->p < q->end && (*q->p == ' ' || *q->p == '\t' ||
	    *q->p == '\n' || *q->p == '\r'))
		q->p++;
}

/* A string of printable ASCII without escapes: 0 with s, n; -1. */
static int
string(struct quick *q, const char **s, size_t *n)
{
	const char *b;

	if (q->p >= q->end || *q->p != '"')
		return -1;
	b = ++q->p;
	while (q->p < q->end) {
		unsigned char c = (unsigned char)*q->p;

		if (c == '"') {
			*s = b;
			*n = (size_t)(q->p - b);
			q->p++;
			return 0;
		}
		if (c < 0x20 || c > 0x7e || c == '\\')
			return -1;
		q->p++;
	}
	return -1;
}

/* Is the next character one that may end a number or a literal? */
static int
at_delimiter(const struct quick *q)
{
	return q->p == q->end || *q->p == ',' || *q->p == '}' ||
	    *q->p == ']' || *q->p == ' ' || *q->p == '\t' || *q->p == '\n' ||
	    *q->p == '\r';
}

static json_t *
integer(struct quick *q)
{
	long long v = 0;
	int neg = 0, digits = 0;

	if (*q->p == '-') {
		neg = 1;
		q->p++;
	}
	if (q->p >= q->end || *q->p < '0' || *q->p > '9')
		return NULL;
	/* A leading zero before another digit is an error: jansson's. */
	if (*q->p == '0' && q->p + 1 < q->end && q->p[1] >= '0' &&
	    q->p[1] <= '9')
		return NULL;
	while (q->p < q->end && *q->p >= '0' && *q->p <= '9') {
		if (++digits > QUICK_DIGITS)
			return NULL;
		v = v * 10 + (*q->p - '0');
		q->p++;
	}
	if (!at_delimiter(q))
		return NULL;	/* a fraction, an exponent, or junk */
	return json_integer(neg ? -v : v);
}

static json_t *
literal(struct quick *q, const char *word, json_t *v)
{
	size_t n = strlen(word);

	if ((size_t)(q->end - q->p) < n || memcmp(q->p, word, n) != 0)
		return NULL;
	q->p += n;
	return at_delimiter(q) ? v : NULL;
}

static json_t *
object(struct quick *q)
{
	json_t *o = json_object();
	const char *k;
	size_t kn;

	q->p++;		/* { */
	skip_ws(q);
	if (q->p < q->end && *q->p == '}') {
		q->p++;
		return o;
	}
	while (o != NULL) {
		json_t *v;

		if (string(q, &k, &kn) == -1)
			break;
		skip_ws(q);
		if (q->p >= q->end || *q->p != ':')
			break;
		q->p++;
		skip_ws(q);
		/* A repeated key is refused: jansson words the error. */
		if (json_object_getn(o, k, kn) != NULL ||
		    (v = value(q)) == NULL)
			break;
		if (json_object_setn_new_nocheck(o, k, kn, v) == -1)
			break;
		skip_ws(q);
		if (q->p < q->end && *q->p == '}') {
			q->p++;
			return o;
		}
		if (q->p >= q->end || *q->p != ',')
			break;
		q->p++;
		skip_ws(q);
	}
	json_decref(o);
	return NULL;
}

static json_t *
array(struct quick *q)
{
	json_t *a = json_array();

	q->p++;		/* [ */
	skip_ws(q);
	if (q->p < q->end && *q->p == ']') {
		q->p++;
		return a;
	}
	while (a != NULL) {
		json_t *v = value(q);

		if (v == NULL || json_array_append_new(a, v) == -1)
			break;
		skip_ws(q);
		if (q->p < q->end && *q->p == ']') {
			q->p++;
			return a;
		}
		if (q->p >= q->end || *q->p != ',')
			break;
		q->p++;
		skip_ws(q);
	}
	json_decref(a);
	return NULL;
}

static json_t *
value(struct quick *q)
{
	const char *s;
	size_t n;
	json_t *v = NULL;

	if (q->p >= q->end || q->depth >= QUICK_DEPTH)
		return NULL;
	switch (*q->p) {
	case '{':
		q->depth++;
		v = object(q);
		q->depth--;
		return v;
	case '[':
		q->depth++;
		v = array(q);
		q->depth--;
		return v;
	case '"':
		return string(q, &s, &n) == 0 ? json_stringn_nocheck(s, n) :
		    NULL;
	case 't':
		return literal(q, "true", json_true());
	case 'f':
		return literal(q, "false", json_false());
	case 'n':
		return literal(q, "null", json_null());
	default:
		return integer(q);
	}
}

json_t *
quickjson_object(const char *s, size_t n)
{
	struct quick q = { s, s + n, 0 };
	json_t *o;

	skip_ws(&q);
	if (q.p >= q.end || *q.p != '{')
		return NULL;
	o = value(&q);
	if (o == NULL)
		return NULL;
	skip_ws(&q);
	if (q.p != q.end) {
		json_decref(o);
		return NULL;
	}
	return o;
}
