/*
 * http.c — the libmicrohttpd daemon: starting and stopping it, the
 * request and completion callbacks, and counting requests in flight so a
 * stop lets them finish.  The rest of the folder is mapped in
 * http_priv.h.
 *
 * Two libmicrohttpd habits shape this file.  A response queued on the very
 * first call for a request costs keep-alive, so every request first stores
 * its state and answers on a later call.  One epoll thread can stall with
 * many connections, so the daemon runs a small thread pool.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_priv.h"

#define HTTP_POOL_BYTES	(32 * 1024)
#include "log.h"
#include "util.h"

/* Counts a request as in flight unless the server is closing. */
static int
inflight_enter(struct http *h)
{
	int ok;

	pthread_mutex_lock(&h->mtx);
	ok = !h->closing;
	if (ok)
		h->inflight++;
	pthread_mutex_unlock(&h->mtx);
	return ok;
}

static void
inflight_leave(struct http *h)
{
	pthread_mutex_lock(&h->mtx);
	if (--h->inflight == 0)
		pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->mtx);
}

/* Counts a request in the current reload epoch until it completes. */
static void
epoch_enter(struct http *h, struct http_request *r)
{
	pthread_mutex_lock(&h->mtx);
	r->epoch = h->epoch & 1;
	h->inflight_epoch[r->epoch]++;
	pthread_mutex_unlock(&h->mtx);
}

static void
epoch_leave(struct http *h, struct http_request *r)
{
	pthread_mutex_lock(&h->mtx);
	if (--h->inflight_epoch[r->epoch] == 0)
		pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->mtx);
}

int
http_reload_wait(struct http *h, unsigned wait_ms)
{
	struct timespec deadline;
	unsigned old;
	int rc = 0;

	deadline_in(&deadline, (long)wait_ms);
	pthread_mutex_lock(&h->mtx);
	old = h->epoch & 1;
	h->epoch++;
	while (h->inflight_epoch[old] > 0)
		if (pthread_cond_timedwait(&h->idle, &h->mtx,
		    &deadline) == ETIMEDOUT) {
			rc = -1;
			break;
		}
	pthread_mutex_unlock(&h->mtx);
	return rc;
}

/*
 * Decodes %XX in the path and query like libmicrohttpd's own, except %00:
 * a NUL would cut "/assets/app.js%00.html" to "/assets/app.js".  Left
 * encoded, such a path matches nothing and such a value no id.
 */
static size_t
on_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *r = s, *w = s;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		int hi, lo;

		if (r[0] == '%' && (hi = http_hexval(r[1])) >= 0 &&
		    (lo = http_hexval(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

struct header_count {
	unsigned	length;
	unsigned	chunked;
};

static enum MHD_Result
count_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct header_count *hc = cls;

	(void)kind;
	(void)value;
	if (strcasecmp(key, "Content-Length") == 0)
		hc->length++;
	else if (strcasecmp(key, "Transfer-Encoding") == 0)
		hc->chunked++;
	return MHD_YES;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct http *h = cls;
	struct http_request *r = *con_cls;
	int status;

	(void)version;
	if ((const void *)r == (const void *)limits_refused)
		return MHD_NO;	/* answered 414 already */
	if (r == NULL) {
		const char *cl;

		r = xcalloc(1, sizeof(*r));
		r->h = h;
		r->conn = conn;
		r->method = method;
		r->url = url;
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		buf_init(&r->body, HTTP_BODY_MAX);
		r->counted = inflight_enter(h);
		if (r->counted)
			epoch_enter(h, r);
		*con_cls = r;
		limits_request_begin(conn);
		if (MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND,
		    NULL, NULL) > HTTP_MAX_QUERY_ARGS) {
			http_reply_header(r, "Connection", "close");
			status = http_reply_error(r, 414, "uri_too_long", NULL,
			    "too many query parameters (at most 32)");
			return http_send_reply(r, status);
		}
		/* Two lengths, or a length and chunks: a smuggling attempt. */
		{
			struct header_count hc = { 0, 0 };

			MHD_get_connection_values(conn, MHD_HEADER_KIND,
			    count_header, &hc);
			if (hc.length > 1 || hc.chunked > 1 ||
			    (hc.length && hc.chunked)) {
				http_reply_header(r, "Connection", "close");
				status = http_reply_error(r, 400, "bad_request",
				    NULL, "conflicting Content-Length and "
				    "Transfer-Encoding headers");
				return http_send_reply(r, status);
			}
		}
		/* Refuse an oversized body before reading any of it. */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Length");
		if (cl != NULL && http_length_over(cl, HTTP_BODY_MAX)) {
			/*
			 * Answered before the body is read; the connection
			 * closes, which is what an oversized upload deserves.
			 */
			r->too_large = 1;
			status = http_reply_error(r, 413, "too_large", NULL,
			    "the request body is larger than 64 KiB");
			return http_send_reply(r, status);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* A chunked body has no length up front: count as it comes. */
		r->discarded += *upload_size;
		if (!r->too_large) {
			buf_append(&r->body, upload, *upload_size);
			if (buf_failed(&r->body)) {
				r->too_large = 1;
				buf_free(&r->body);
			}
		}
		*upload_size = 0;
		if (r->discarded > HTTP_DISCARD_MAX)
			return MHD_NO;
		return MHD_YES;
	}
	limits_request_received(conn);
	if (r->too_large) {
		r->tail = NULL;
		r->route = NULL;
		status = http_reply_error(r, 413, "too_large", NULL,
		    "the request body is larger than 64 KiB");
		return http_send_reply(r, status);
	}
	if (r->resumed) {
		r->resumed = 0;
		r->suspended = 0;
		pthread_rwlock_rdlock(&h->app->reload_lock);
		status = r->route->finish(h->app, r);
		pthread_rwlock_unlock(&h->app->reload_lock);
		return http_send_reply(r, status);
	}
	if (r->suspended)
		return MHD_YES;
	if (!r->counted) {
		http_reply_header(r, "Connection", "close");
		status = http_reply_error(r, 503, "shutting_down", NULL,
		    "the server is restarting; try again in a moment");
		return http_send_reply(r, status);
	}
	/* A reload swaps the surveys only between handlers (app.h). */
	pthread_rwlock_rdlock(&h->app->reload_lock);
	status = http_dispatch(r);
	pthread_rwlock_unlock(&h->app->reload_lock);
	if (status == HTTP_SUSPENDED)
		return MHD_YES;
	return http_send_reply(r, status);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct http_request *r = *con_cls;

	(void)toe;
	limits_request_done(conn);
	if (r == NULL || (const void *)r == (const void *)limits_refused)
		return;
	http_request_clear(r);
	if (r->counted) {
		epoch_leave(h, r);
		inflight_leave(h);
	}
	free(r);
	*con_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	/* A peer that went away, or one we cut off at its deadline. */
	if (strstr(line, "connection closure") != NULL ||
	    strstr(line, "Connection reset") != NULL) {
		log_debug("http: %s", line);
		return;
	}
	log_warnx("http: %s", line);
}

/* A PEM file: a regular file of 1 byte to 1 MiB. */
static char *
slurp(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *text;

	text = file_read_regular(path, 1024 * 1024, &len, err, errlen);
	if (text != NULL && len == 0) {
		snprintf(err, errlen, "%s: empty", path);
		free(text);
		return NULL;
	}
	return text;
}

int
http_start(const struct http_options *o, struct app *app, struct http **out,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *di;
	unsigned flags, max_conn = HTTP_MAX_CONNECTIONS, per_address;
	struct http *h;

	*out = NULL;
	memset(&ss, 0, sizeof(ss));
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (inet_pton(AF_INET, o->bind, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)o->port);
	} else if (inet_pton(AF_INET6, o->bind, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)o->port);
		flags |= MHD_USE_IPv6;
	} else {
		snprintf(err, errlen, "--bind: '%s' is not an IPv4 or IPv6 "
		    "address", o->bind);
		return -1;
	}
	h = xcalloc(1, sizeof(*h));
	h->app = app;
	h->rate = ratelimit_new(o->rate_per_min);
	h->trusted_proxy = o->trusted_proxy ? xstrdup(o->trusted_proxy) : NULL;
	pthread_mutex_init(&h->mtx, NULL);
	pthread_cond_init(&h->idle, NULL);
	if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		goto fail;
	}
	if (o->tls_cert != NULL) {
		h->cert = slurp(o->tls_cert, err, errlen);
		if (h->cert == NULL)
			goto fail;
		h->key = slurp(o->tls_key, err, errlen);
		if (h->key == NULL)
			goto fail;
		h->tls = 1;
		flags |= MHD_USE_TLS;
	}
	/* Without a proxy in front, one address is one client. */
	per_address = o->per_address;
	if (per_address == 0 && o->trusted_proxy == NULL)
		per_address = HTTP_PER_ADDRESS;
	h->limits = limits_new(&max_conn, HTTP_RECEIVE_SECONDS,
	    HTTP_IDLE_SECONDS);
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, o->threads ? o->threads : 2,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, h,
	    MHD_OPTION_NOTIFY_CONNECTION, limits_on_connection, h->limits,
	    MHD_OPTION_URI_LOG_CALLBACK, limits_on_uri, &h->tls,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_SECONDS,
	    MHD_OPTION_CONNECTION_LIMIT, max_conn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    /*
	     * libmicrohttpd clears a connection's pool between requests:
	     * 32 KiB (headers up to about 16 KiB and the read buffer;
	     * bodies go to our own buffer) costs half the 64 KiB it was.
	     */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_POOL_BYTES,
	    h->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, h->cert,
	    MHD_OPTION_HTTPS_MEM_KEY, h->key,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %u (in use, "
		    "not permitted, or a bad certificate)", o->bind, o->port);
		goto fail;
	}
	di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : o->port;
	*out = h;
	return 0;
fail:
	http_stop(h, 0);
	return -1;
}

unsigned
http_port(const struct http *h)
{
	return h->port;
}

void
http_stop(struct http *h, unsigned wait_ms)
{
	struct timespec deadline;

	if (h == NULL)
		return;
	if (h->daemon != NULL) {
		/*
		 * From now on a new request gets 503 and a closed connection
		 * (clients retry); requests already running, and those parked
		 * on the writer, finish.  MHD_quiesce_daemon is not used: with
		 * a thread pool on epoll it can race a worker and abort.
		 */
		deadline_in(&deadline, (long)wait_ms);
		pthread_mutex_lock(&h->mtx);
		h->closing = 1;
		while (h->inflight > 0)
			if (pthread_cond_timedwait(&h->idle, &h->mtx,
			    &deadline) == ETIMEDOUT)
				break;
		if (h->inflight > 0)
			log_warnx("http: %u requests still running at "
			    "shutdown", h->inflight);
		pthread_mutex_unlock(&h->mtx);
		MHD_stop_daemon(h->daemon);
	}
	limits_free(h->limits);
	pthread_mutex_destroy(&h->mtx);
	pthread_cond_destroy(&h->idle);
	ratelimit_free(h->rate);
	free(h->trusted_proxy);
	if (h->key != NULL)
		sodium_memzero(h->key, strlen(h->key));
	free(h->key);
	free(h->cert);
	free(h);
}
