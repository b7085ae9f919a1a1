/*
 * reply.c — what a handler writes: a body, headers, an error, a blob
 * served from memory; and http_send_reply, which adds the headers every
 * answer carries, queues it and logs the request once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "http_priv.h"
#include "log.h"
#include "util.h"

static const char csp[] = "default-src 'self'; img-src 'self' data:; "
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void
http_reply_clear(struct http_request *r)
{
	if (!r->persistent)
		free(r->data);
	r->data = NULL;
	r->len = 0;
}

void
http_reply_data(struct http_request *r, const char *ctype, const void *data,
    size_t len, int copy)
{
	http_reply_clear(r);
	r->ctype = ctype;
	r->persistent = !copy;
	r->data = copy ? xstrndup(data, len) : (char *)(uintptr_t)data;
	r->len = len;
}

void
http_reply_text(struct http_request *r, const char *ctype, char *data,
    size_t len)
{
	http_reply_clear(r);
	r->ctype = ctype;
	r->persistent = 0;
	r->data = data;
	r->len = len;
}

void
http_reply_json(struct http_request *r, json_t *obj)
{
	char *s = json_dumps(obj, JSON_COMPACT);

	json_decref(obj);
	if (s == NULL)
		s = xstrdup("{}");
	http_reply_text(r, "application/json; charset=utf-8", s, strlen(s));
}

int
http_reply_error(struct http_request *r, int status, const char *code,
    const char *field, const char *message)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", message);

	if (o == NULL)
		o = json_pack("{s:s, s:s}", "error", code, "message",
		    "(unprintable message)");
	if (field != NULL && *field != '\0')
		json_object_set_new(o, "field", json_string(field));
	http_reply_json(r, o);
	return status;
}

void
http_blob_init(struct http_blob *b, const char *data, size_t len)
{
	unsigned char h[8];
	z_stream z;
	uLong bound;

	memset(b, 0, sizeof(*b));
	b->data = data;
	b->len = len;
	crypto_generichash(h, sizeof(h), (const unsigned char *)data, len,
	    NULL, 0);
	b->etag[0] = '"';
	hex_encode(h, sizeof(h), b->etag + 1);
	b->etag[17] = '"';
	b->etag[18] = '\0';
	/* windowBits 15 + 16: a gzip wrapper, as browsers expect. */
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	bound = deflateBound(&z, (uLong)len);
	b->gz = xmalloc(bound);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)b->gz;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < len) {
		b->gzlen = z.total_out;
	} else {
		free(b->gz);
		b->gz = NULL;
	}
	deflateEnd(&z);
}

void
http_blob_free(struct http_blob *b)
{
	free(b->gz);
	b->gz = NULL;
}

/* Does the header list tokens (comma-separated) hold token? */
static int
has_token(const char *list, const char *token)
{
	size_t n = strlen(token);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, token, n) == 0 && (p[n] == '\0' ||
		    p[n] == ',' || p[n] == ';' || p[n] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

int
http_reply_blob(struct http_request *r, const char *ctype,
    const struct http_blob *b)
{
	const char *inm = http_request_header(r, "If-None-Match");
	const char *ae = http_request_header(r, "Accept-Encoding");

	http_reply_header(r, "ETag", b->etag);
	http_reply_header(r, "Vary", "Accept-Encoding");
	if (inm != NULL && (strstr(inm, b->etag) != NULL ||
	    strcmp(inm, "*") == 0)) {
		http_reply_data(r, ctype, "", 0, 0);
		return 304;
	}
	if (b->gz != NULL && ae != NULL && has_token(ae, "gzip")) {
		http_reply_data(r, ctype, b->gz, b->gzlen, 0);
		http_reply_header(r, "Content-Encoding", "gzip");
		return 200;
	}
	http_reply_data(r, ctype, b->data, b->len, 0);
	return 200;
}

void
http_reply_header(struct http_request *r, const char *name, const char *value)
{
	if (r->nheaders == HTTP_MAX_HEADERS)
		return;
	r->hname[r->nheaders] = name;
	r->hvalue[r->nheaders++] = xstrdup(value);
}

/* The client's address as text; through a trusted proxy, its XFF entry. */

static const char *
reason(int status)
{
	const char *s = MHD_get_reason_phrase_for((unsigned)status);

	return s ? s : "";
}


enum MHD_Result
http_send_reply(struct http_request *r, int status)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *ctype = r->ctype;
	size_t i;

	if (r->data == NULL) {
		http_reply_error(r, status, status == 404 ? "not_found" :
		    "error", NULL, reason(status));
		ctype = r->ctype;
	}
	resp = MHD_create_response_from_buffer(r->len, r->data,
	    r->persistent ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	if (!r->persistent)
		r->data = NULL;	/* the response owns it now */
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	if (strncmp(ctype, "text/html", 9) == 0) {
		/* unless the handler set its own (the respondent app's
		 * pages allow their inline script and style by hash) */
		for (i = 0; i < r->nheaders; i++)
			if (strcmp(r->hname[i], "Content-Security-Policy") == 0)
				break;
		if (i == r->nheaders)
			MHD_add_response_header(resp,
			    "Content-Security-Policy", csp);
		MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	}
	if (strncmp(r->url, "/admin", 6) == 0)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (r->h->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security",
		    "max-age=31536000");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->hname[i], r->hvalue[i]);
	ret = MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	http_metrics_record(r, status);
	if (status >= 500)
		log_warnx("%s %s: %d", r->method, r->route ? r->route->path :
		    "(no route)", status);
	else
		log_debug("%s %s: %d", r->method, r->route ? r->route->path :
		    "(no route)", status);
	return ret;
}
