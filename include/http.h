/*
 * http.h — the HTTP server.  http.c owns libmicrohttpd and the route table;
 * handlers see only struct http_request and return an HTTP status, or
 * HTTP_SUSPENDED after handing the request to another thread.
 */
#ifndef KB_HTTP_H
#define KB_HTTP_H

#include <jansson.h>
#include <stddef.h>

#define HTTP_BODY_MAX		(64 * 1024)
#define HTTP_SUSPENDED		0

struct app;
struct http;
struct http_request;

struct http_options {
	const char	*bind;		/* address to listen on */
	unsigned	 port;		/* 0: any free port */
	const char	*tls_cert;	/* PEM file paths, or NULL */
	const char	*tls_key;
	const char	*trusted_proxy;	/* address whose X-Forwarded-For counts */
	unsigned	 rate_per_min;	/* submissions per address; 0: off */
	unsigned	 per_address;	/* open connections per address; 0: any */
	unsigned	 threads;
};

/*
 * Starts listening.  Returns 0 with *out set, or -1 with err filled (bad
 * address, port in use, unreadable certificate).
 */
int	 http_start(const struct http_options *o, struct app *app,
	    struct http **out, char *err, size_t errlen)
	    __attribute__((warn_unused_result));
unsigned http_port(const struct http *h);
/*
 * Refuses new requests (503, connection closed), lets requests in flight
 * finish (at most wait_ms), then closes every connection and frees h.
 */
void	 http_stop(struct http *h, unsigned wait_ms);

/*
 * For a reload: starts a new epoch and waits (at most wait_ms) until every
 * request that began before it has completed, its reply sent.  Then what
 * those requests could point at may be freed.  Returns 0, or -1 when some
 * are still running (keep the old data then).  One caller at a time.
 */
int	 http_reload_wait(struct http *h, unsigned wait_ms)
	    __attribute__((warn_unused_result));

const char *http_request_method(const struct http_request *r);
const char *http_request_path(const struct http_request *r);
/* The query parameter, or NULL. */
const char *http_request_query(const struct http_request *r, const char *key);
const char *http_request_header(const struct http_request *r,
	    const char *name);
const char *http_request_body(const struct http_request *r, size_t *len);
/* The path segment after prefix (e.g. "/api/surveys/"), or NULL. */
const char *http_request_tail(const struct http_request *r);
int	 http_request_is_tls(const struct http_request *r);

/* What a rate limit counts, per client address. */
enum http_bucket {
	HTTP_BUCKET_SUBMIT,	/* every POST of a response: --rate-limit */
	HTTP_BUCKET_KIOSK,	/* kiosk responses: 3 at once, then 1 per 5 s */
	HTTP_BUCKET_OPTOUT	/* opt-outs by link: 5 at once, then 1 per 10 s */
};

/*
 * Takes one from the client address's bucket (held in memory only; off
 * with --rate-limit off).  Returns 0, or the seconds to wait.
 */
unsigned http_request_throttle(struct http_request *r,
	    enum http_bucket bucket);
/* 429 with Retry-After: wait and message; returns the status. */
int	 http_reply_too_many(struct http_request *r, unsigned wait,
	    const char *message);

/* Who is asking, once the dispatcher has checked the route's roles. */
struct http_auth {
	char	user[64];	/* user or API key name; "" if nobody */
	int	role;		/* AUTH_ROLE_*, 0 for nobody */
	int	via_key;	/* Authorization: Bearer */
	char	csrf[64];	/* the session's CSRF token, "" for keys */
};

const struct http_auth *http_request_auth(const struct http_request *r);
/* A field of an application/x-www-form-urlencoded body, or NULL. */
const char *http_request_form(struct http_request *r, const char *key);
/*
 * Every field of a form body, or of the query (decoded, in order): key,
 * value, ...; NULL-ended; valid until the request ends.
 */
const char *const *http_request_form_all(struct http_request *r);
const char *const *http_request_query_all(struct http_request *r);
const char *http_request_cookie(const struct http_request *r,
	    const char *name);
/* The client's address as text, for in-memory throttling only. */
void	 http_request_client(struct http_request *r, char *out, size_t outlen);

/* Per-request state of a handler, freed with fn when the request ends. */
void	 http_request_set_state(struct http_request *r, void *state,
	    void (*fn)(void *));
void	*http_request_state(const struct http_request *r);
/*
 * Parks the request: the handler returns HTTP_SUSPENDED and some other
 * thread calls http_request_resume once; then the route's finish handler
 * runs on a server thread to make the reply.
 */
void	 http_request_suspend(struct http_request *r);
void	 http_request_resume(struct http_request *r);

/*
 * A fixed body served from memory: its gzip form (when smaller) and an
 * ETag are made once, so each request costs a header lookup.
 */
struct http_blob {
	const char	*data;		/* borrowed */
	size_t		 len;
	char		*gz;		/* owned, or NULL */
	size_t		 gzlen;
	char		 etag[24];
};

void	 http_blob_init(struct http_blob *b, const char *data, size_t len);
void	 http_blob_free(struct http_blob *b);
/*
 * Replies with the blob: 304 when If-None-Match holds its ETag, gzip when
 * the client accepts it.  Returns the status to hand back.
 */
int	 http_reply_blob(struct http_request *r, const char *content_type,
	    const struct http_blob *b);

/* Replies.  The last call wins; the handler returns the status. */
void	 http_reply_data(struct http_request *r, const char *content_type,
	    const void *data, size_t len, int copy);
void	 http_reply_text(struct http_request *r, const char *content_type,
	    char *data, size_t len);		/* takes ownership */
/* Serialises obj (and drops the caller's reference). */
void	 http_reply_json(struct http_request *r, json_t *obj);
/* {"error": code, "message": message, "field": field?} */
int	 http_reply_error(struct http_request *r, int status, const char *code,
	    const char *field, const char *message);
void	 http_reply_header(struct http_request *r, const char *name,
	    const char *value);

#endif
