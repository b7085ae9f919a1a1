/*
 * request.c — what a handler reads from a request: its method, path,
 * headers, query, body, urlencoded form and the client's address.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http_priv.h"
#include "util.h"

const char *
http_request_method(const struct http_request *r)
{
	return r->method;
}

const char *
http_request_path(const struct http_request *r)
{
	return r->url;
}

const char *
http_request_tail(const struct http_request *r)
{
	return r->tail;
}

const char *
http_request_query(const struct http_request *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    key);
}

const char *
http_request_header(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
http_request_body(const struct http_request *r, size_t *len)
{
	*len = r->body.len;
	return r->body.data ? r->body.data : "";
}

const struct http_auth *
http_request_auth(const struct http_request *r)
{
	return &r->auth;
}

const char *
http_request_cookie(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

int
http_length_over(const char *s, unsigned long long max)
{
	unsigned long long n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (max - (unsigned long long)(*s - '0')) / 10)
			return 1;
		n = n * 10 + (unsigned long long)(*s - '0');
	}
	return n > max;
}

int
http_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one urlencoded component of n bytes; NULL if malformed. */
static char *
form_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				goto bad;
			hi = http_hexval(s[i + 1]);
			lo = http_hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (utf8_length(out, o) < 0)
		goto bad;
	return out;
bad:
	free(out);
	return NULL;
}

static void
form_parse(struct http_request *r)
{
	const char *p, *end, *amp, *eq;
	size_t n = 0;

	r->form_parsed = 1;
	r->form = xcalloc(1, sizeof(char *));
	p = r->body.data;
	if (p == NULL)
		return;
	end = p + r->body.len;
	while (p < end) {
		char *k, *v;

		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		k = form_decode(p, (size_t)(eq - p));
		v = form_decode(eq < amp ? eq + 1 : eq,
		    eq < amp ? (size_t)(amp - eq - 1) : 0);
		if (k != NULL && v != NULL && n < 64) {
			r->form = xrealloc(r->form, (n + 3) * sizeof(char *));
			r->form[n++] = k;
			r->form[n++] = v;
			r->form[n] = NULL;
		} else {
			free(k);
			free(v);
		}
		p = amp + 1;
	}
}

const char *
http_request_form(struct http_request *r, const char *key)
{
	size_t i;

	if (!r->form_parsed)
		form_parse(r);
	for (i = 0; r->form[i] != NULL; i += 2)
		if (strcmp(r->form[i], key) == 0)
			return r->form[i + 1];
	return NULL;
}

const char *const *
http_request_form_all(struct http_request *r)
{
	if (!r->form_parsed)
		form_parse(r);
	return (const char *const *)r->form;
}

struct query_all {
	const char	**kv;
	size_t		  n;
};

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_all *q = cls;

	(void)kind;
	if (q->n >= 128)
		return MHD_NO;
	q->kv = xrealloc(q->kv, (q->n + 3) * sizeof(*q->kv));
	q->kv[q->n++] = key;
	q->kv[q->n++] = value ? value : "";
	q->kv[q->n] = NULL;
	return MHD_YES;
}

const char *const *
http_request_query_all(struct http_request *r)
{
	struct query_all q = { NULL, 0 };

	if (r->qall == NULL) {
		q.kv = xcalloc(1, sizeof(*q.kv));
		MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND,
		    collect_arg, &q);
		r->qall = q.kv;
	}
	return (const char *const *)r->qall;
}

int
http_request_is_tls(const struct http_request *r)
{
	return r->h->tls;
}

void
http_request_set_state(struct http_request *r, void *state,
    void (*fn)(void *))
{
	r->state = state;
	r->state_free = fn;
}

void *
http_request_state(const struct http_request *r)
{
	return r->state;
}

void
http_request_suspend(struct http_request *r)
{
	r->suspended = 1;
	MHD_suspend_connection(r->conn);
}

void
http_request_resume(struct http_request *r)
{
	r->resumed = 1;
	MHD_resume_connection(r->conn);
}


void
http_request_client(struct http_request *r, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const char *xff, *last;

	snprintf(out, outlen, "unknown");
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)outlen);
	if (r->h->trusted_proxy == NULL ||
	    strcmp(out, r->h->trusted_proxy) != 0)
		return;
	xff = http_request_header(r, "X-Forwarded-For");
	if (xff == NULL)
		return;
	last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ')
		last++;
	if (*last != '\0' && strlen(last) < outlen)
		snprintf(out, outlen, "%s", last);
}

void
http_request_clear(struct http_request *r)
{
	size_t i;

	if (r->state_free != NULL)
		r->state_free(r->state);
	r->state_free = NULL;
	http_reply_clear(r);
	for (i = 0; i < r->nheaders; i++)
		free(r->hvalue[i]);
	r->nheaders = 0;
	for (i = 0; r->form != NULL && r->form[i] != NULL; i++)
		free(r->form[i]);
	free(r->form);
	r->form = NULL;
	free(r->qall);
	r->qall = NULL;
	buf_free(&r->body);
}
