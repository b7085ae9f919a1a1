/*
 * http.c — libmicrohttpd, the route table and the one dispatcher that turns
 * a handler's status into a response.
 *
 * Two libmicrohttpd habits shape this file.  A response queued on the very
 * first call for a request costs keep-alive, so every request first stores
 * its state and answers on a later call.  One epoll thread can stall with
 * many connections, so the daemon runs a small thread pool.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <zlib.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth.h"
#include "dashboard.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define HTTP_MAX_HEADERS	8
#define RATE_SLOTS		4096
#define KB_NROUTES		40	/* at least KB_NELEM(routes) */
#define KB_NBUCKETS		10
#define RATE_PROBE		8
#define HTTP_DISCARD_MAX	(1024 * 1024)

struct rate_slot {
	uint64_t	key;
	double		tokens;
	double		last;
};

struct http {
	struct MHD_Daemon	*daemon;
	struct app		*app;
	unsigned		 port;
	int			 tls;
	char			*cert, *key;
	char			*trusted_proxy;
	unsigned		 rate_per_min;
	unsigned char		 rate_secret[crypto_shorthash_KEYBYTES];
	pthread_mutex_t		 rate_mtx;
	struct rate_slot	*rate;

	pthread_mutex_t		 mtx;
	pthread_cond_t		 idle;
	unsigned		 inflight;
	int			 closing;

	/* Counters for /metrics, updated with atomic adds. */
	unsigned long long	 count[KB_NROUTES + 1][5];	/* by 1xx..5xx */
	unsigned long long	 hist[KB_NBUCKETS + 1];
	unsigned long long	 dur_us;
};

typedef int (*http_handler)(struct app *, struct http_request *);

static int http_metrics(struct app *, struct http_request *);

/* Who may use a route: PUBLIC, or a set of roles. */
#define PUBLIC		0
#define ADMIN		AUTH_ROLE_ADMIN
#define VIEW		(AUTH_ROLE_ADMIN | AUTH_ROLE_VIEWER)
#define SEND		(AUTH_ROLE_ADMIN | AUTH_ROLE_SENDER)
#define ANYROLE		(AUTH_ROLE_ADMIN | AUTH_ROLE_VIEWER | AUTH_ROLE_SENDER)

/* How a route answers someone not logged in. */
enum route_kind {
	PAGE,		/* 303 to the login page; session cookie only */
	API		/* 401 JSON; a session or an API key */
};

struct route {
	const char	*method;
	const char	*path;
	int		 prefix;	/* path is a prefix; the rest is the tail */
	int		 roles;
	enum route_kind	 kind;
	http_handler	 handler;
	http_handler	 finish;	/* after a suspended handler resumes */
};

static const struct route routes[] = {
	{ "GET",  "/healthz",		0, PUBLIC, API, api_healthz, NULL },
	{ "GET",  "/metrics",		0, PUBLIC, API, http_metrics, NULL },
	{ "GET",  "/api/surveys",	0, PUBLIC, API, api_surveys_list,
	    NULL },
	{ "GET",  "/api/surveys/",	1, PUBLIC, API, api_survey_get, NULL },
	{ "POST", "/api/responses",	0, PUBLIC, API, api_response_post,
	    api_response_finish },
	{ "GET",  "/s/",		1, PUBLIC, PAGE, web_phone_page, NULL },
	{ "GET",  "/kiosk/",		1, PUBLIC, PAGE, web_kiosk_page, NULL },
	{ "GET",  "/i/",		1, PUBLIC, PAGE, web_invite_page, NULL },
	{ "GET",  "/assets/",		1, PUBLIC, PAGE, web_asset, NULL },

	{ "GET",  "/admin/login",	0, PUBLIC, PAGE, admin_login_page,
	    NULL },
	{ "POST", "/admin/login",	0, PUBLIC, PAGE, admin_login, NULL },
	{ "GET",  "/admin/admin.css",	0, PUBLIC, PAGE, admin_css, NULL },
	{ "POST", "/admin/logout",	0, ANYROLE, PAGE, admin_logout, NULL },
	{ "GET",  "/admin/",		0, ANYROLE, PAGE, admin_home, NULL },
	{ "GET",  "/admin/users",	0, ADMIN, PAGE, admin_users, NULL },
	{ "GET",  "/admin/audit",	0, ADMIN, PAGE, admin_audit, NULL },
	{ "GET",  "/admin/api/whoami",	0, ANYROLE, API, admin_api_whoami,
	    NULL },
	{ "GET",  "/admin/api/stats",	0, VIEW, API, admin_api_stats, NULL },
	{ "GET",  "/admin/export.csv",	0, VIEW, API, admin_export_csv, NULL },
	{ "GET",  "/admin/yousaid",	0, ADMIN, PAGE, admin_yousaid, NULL },
	{ "POST", "/admin/comments/hide", 0, ADMIN, PAGE,
	    dashboard_comment_hide, NULL },
	{ "POST", "/admin/yousaid",	0, ADMIN, PAGE, admin_yousaid_post,
	    NULL },
	{ "POST", "/admin/api/invitations", 0, SEND, API, sms_api_invite,
	    NULL },
	{ "POST", "/sms/status",	0, PUBLIC, API, sms_api_status, NULL },
	{ "POST", "/sms/inbound",	0, PUBLIC, API, sms_api_inbound, NULL },
	{ "POST", "/api/optout",	0, PUBLIC, API, sms_api_optout, NULL },
	{ "GET",  "/admin/qr.svg",	0, VIEW, API, admin_qr_svg, NULL },
	{ "GET",  "/admin/qr.png",	0, VIEW, API, admin_qr_png, NULL },
	{ "GET",  "/admin/poster",	0, VIEW, PAGE, admin_poster, NULL },
	{ "GET",  "/admin/poster.css",	0, PUBLIC, PAGE, admin_poster_css,
	    NULL },
};

_Static_assert(KB_NELEM(routes) <= KB_NROUTES, "raise KB_NROUTES");

struct http_request {
	struct http		*h;
	struct MHD_Connection	*conn;
	const struct route	*route;
	const char		*method;
	const char		*url;
	const char		*tail;
	struct buf		 body;
	int			 too_large;
	size_t			 discarded;	/* body bytes seen */
	int			 counted;	/* in h->inflight */
	int			 suspended;
	int			 resumed;
	struct timespec		 start;

	void			*state;
	void			(*state_free)(void *);
	struct http_auth	 auth;
	char			**form;		/* key, value, ...; NULL-ended */
	int			 form_parsed;

	int			 status;
	const char		*ctype;
	char			*data;
	size_t			 len;
	int			 persistent;	/* data is not ours */
	const char		*hname[HTTP_MAX_HEADERS];
	char			*hvalue[HTTP_MAX_HEADERS];
	size_t			 nheaders;
};

static const char csp[] = "default-src 'self'; img-src 'self' data:; "
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

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

static int
hexval(char c)
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
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
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

static void
reply_clear(struct http_request *r)
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
	reply_clear(r);
	r->ctype = ctype;
	r->persistent = !copy;
	r->data = copy ? xstrndup(data, len) : (char *)(uintptr_t)data;
	r->len = len;
}

void
http_reply_text(struct http_request *r, const char *ctype, char *data,
    size_t len)
{
	reply_clear(r);
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

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned
http_request_throttle(struct http_request *r, enum http_bucket bucket)
{
	struct http *h = r->h;
	char addr[INET6_ADDRSTRLEN + 2];
	unsigned char key[crypto_shorthash_BYTES];
	double now, rate, cap;
	struct rate_slot *slot = NULL, *oldest = NULL;
	uint64_t k;
	unsigned wait = 0;
	size_t i, n;

	if (h->rate_per_min == 0)
		return 0;
	if (bucket == HTTP_BUCKET_KIOSK) {
		/* Three at once (a queue flushing), then one per 5 s. */
		cap = 3;
		rate = 1.0 / 5.0;
	} else {
		cap = h->rate_per_min;
		rate = cap / 60.0;
	}
	http_request_client(r, addr, sizeof(addr) - 1);
	n = strlen(addr);
	addr[n++] = (char)('0' + bucket);
	/* A keyed hash: the table never holds an address itself. */
	crypto_shorthash(key, (const unsigned char *)addr, n, h->rate_secret);
	memcpy(&k, key, sizeof(k));
	k |= 1;
	now = now_seconds();
	pthread_mutex_lock(&h->rate_mtx);
	for (i = 0; i < RATE_PROBE; i++) {
		struct rate_slot *s = &h->rate[(k + i) % RATE_SLOTS];

		if (s->key == k) {
			slot = s;
			break;
		}
		if (oldest == NULL || s->last < oldest->last)
			oldest = s;
	}
	if (slot == NULL) {
		slot = oldest;
		slot->key = k;
		slot->tokens = cap;
		slot->last = now;
	}
	slot->tokens += (now - slot->last) * rate;
	if (slot->tokens > cap)
		slot->tokens = cap;
	slot->last = now;
	if (slot->tokens >= 1.0)
		slot->tokens -= 1.0;
	else
		wait = (unsigned)((1.0 - slot->tokens) / rate) + 1;
	pthread_mutex_unlock(&h->rate_mtx);
	return wait;
}

static const char *
reason(int status)
{
	const char *s = MHD_get_reason_phrase_for((unsigned)status);

	return s ? s : "";
}

/* Upper bounds of the latency histogram, in microseconds. */
static const unsigned long long buckets_us[KB_NBUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000
};

static void
metrics_record(struct http_request *r, int status)
{
	struct http *h = r->h;
	struct timespec now;
	unsigned long long us;
	size_t route = KB_NROUTES, cls, b;

	if (r->route != NULL)
		route = (size_t)(r->route - routes);
	cls = status >= 100 && status < 600 ? (size_t)(status / 100 - 1) : 4;
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (unsigned long long)(now.tv_sec - r->start.tv_sec) * 1000000ULL +
	    (unsigned long long)((now.tv_nsec - r->start.tv_nsec) / 1000);
	for (b = 0; b < KB_NBUCKETS && us > buckets_us[b]; b++)
		;
	__atomic_fetch_add(&h->count[route][cls], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->hist[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->dur_us, us, __ATOMIC_RELAXED);
}

static int
is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	    strncmp(addr, "::ffff:127.", 11) == 0;
}

/*
 * Prometheus text: counts per route and status class, a latency
 * histogram, and the store's counters.  No addresses, nothing of a
 * respondent.  Only from this machine, or with an API key.
 */
static int
http_metrics(struct app *app, struct http_request *r)
{
	struct http *h = r->h;
	const char *authz = http_request_header(r, "Authorization");
	char addr[64], name[64], role[8];
	unsigned long long cum = 0, rows, batches;
	struct buf b;
	size_t i, c;
	char *text;
	size_t len;
	int ok;

	/* Through a trusted proxy this is the client's address, not its own. */
	http_request_client(r, addr, sizeof(addr));
	ok = is_loopback(addr);
	if (!ok && authz != NULL && strncmp(authz, "Bearer ", 7) == 0) {
		unsigned char kh[AUTH_TOKEN_HASH];

		auth_token_hash(authz + 7, kh);
		ok = store_apikey_find(app->store, kh, sizeof(kh), name,
		    sizeof(name), role, sizeof(role)) == 1;
	}
	if (!ok)
		return http_reply_error(r, 403, "forbidden", NULL,
		    "metrics are for this machine or an API key");
	buf_init(&b, 256 * 1024);
	buf_puts(&b, "# HELP klankbord_http_requests_total Requests answered, "
	    "by route and status class.\n# TYPE klankbord_http_requests_total "
	    "counter\n");
	for (i = 0; i <= KB_NROUTES; i++) {
		for (c = 0; c < 5; c++) {
			unsigned long long n = __atomic_load_n(&h->count[i][c],
			    __ATOMIC_RELAXED);

			if (n == 0)
				continue;
			buf_printf(&b, "klankbord_http_requests_total{method="
			    "\"%s\",route=\"%s\",code=\"%zuxx\"} %llu\n",
			    i < KB_NELEM(routes) ? routes[i].method : "",
			    i < KB_NELEM(routes) ? routes[i].path : "none",
			    c + 1, n);
		}
	}
	buf_puts(&b, "# HELP klankbord_http_request_duration_seconds Time from "
	    "a request's first byte to its answer.\n# TYPE "
	    "klankbord_http_request_duration_seconds histogram\n");
	for (i = 0; i <= KB_NBUCKETS; i++) {
		cum += __atomic_load_n(&h->hist[i], __ATOMIC_RELAXED);
		if (i < KB_NBUCKETS)
			buf_printf(&b, "klankbord_http_request_duration_seconds_"
			    "bucket{le=\"%g\"} %llu\n",
			    (double)buckets_us[i] / 1e6, cum);
		else
			buf_printf(&b, "klankbord_http_request_duration_seconds_"
			    "bucket{le=\"+Inf\"} %llu\n", cum);
	}
	buf_printf(&b, "klankbord_http_request_duration_seconds_sum %.6f\n"
	    "klankbord_http_request_duration_seconds_count %llu\n",
	    (double)__atomic_load_n(&h->dur_us, __ATOMIC_RELAXED) / 1e6, cum);
	store_counters(app->store, &rows, &batches);
	buf_printf(&b, "# HELP klankbord_responses_stored_total Responses "
	    "committed to disk.\n# TYPE klankbord_responses_stored_total "
	    "counter\nklankbord_responses_stored_total %llu\n"
	    "# HELP klankbord_commits_total Transactions of the response "
	    "writer (group commits).\n# TYPE klankbord_commits_total counter\n"
	    "klankbord_commits_total %llu\n", rows, batches);
	buf_printf(&b, "# HELP klankbord_store_pages_written_total Database "
	    "pages the response writer wrote.\n# TYPE "
	    "klankbord_store_pages_written_total counter\n"
	    "klankbord_store_pages_written_total %llu\n",
	    store_pages_written(app->store));
	if (buf_failed(&b)) {
		buf_free(&b);
		return http_reply_error(r, 500, "internal", NULL, "too large");
	}
	text = buf_release(&b, &len);
	http_reply_text(r, "text/plain; version=0.0.4; charset=utf-8", text,
	    len);
	return 200;
}

static enum MHD_Result
send_reply(struct http_request *r, int status)
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
		MHD_add_response_header(resp, "Content-Security-Policy", csp);
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
	metrics_record(r, status);
	if (status >= 500)
		log_warnx("%s %s: %d", r->method, r->route ? r->route->path :
		    "(no route)", status);
	else
		log_debug("%s %s: %d", r->method, r->route ? r->route->path :
		    "(no route)", status);
	return ret;
}

static const struct route *
route_find(const char *method, const char *url, int *method_ok)
{
	size_t i;

	*method_ok = 0;
	for (i = 0; i < KB_NELEM(routes); i++) {
		const struct route *rt = &routes[i];
		size_t n = strlen(rt->path);

		if (rt->prefix ? strncmp(url, rt->path, n) != 0 :
		    strcmp(url, rt->path) != 0)
			continue;
		if (strcmp(method, rt->method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		    strcmp(rt->method, "GET") == 0)) {
			*method_ok = 1;
			return rt;
		}
		*method_ok = -1;
	}
	return NULL;
}

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

/*
 * Fills r->auth from a bearer key (API routes) or the session cookie.
 * Returns 0 when the route may run, else the status of the refusal.
 */
static int
authorize(struct http_request *r)
{
	const struct route *rt = r->route;
	struct store *st = r->h->app->store;
	const char *authz, *token;
	char role[8];
	int rc;

	if (rt->roles == PUBLIC)
		return 0;
	authz = http_request_header(r, "Authorization");
	if (authz != NULL && strncmp(authz, "Bearer ", 7) == 0) {
		unsigned char h[AUTH_TOKEN_HASH];

		if (rt->kind != API)
			return http_reply_error(r, 401, "unauthorized", NULL,
			    "API keys work only for /admin/api/ addresses");
		auth_token_hash(authz + 7, h);
		rc = store_apikey_find(st, h, sizeof(h), r->auth.user,
		    sizeof(r->auth.user), role, sizeof(role));
		if (rc != 1)
			return http_reply_error(r, rc == -1 ? 503 : 401,
			    "unauthorized", NULL, "unknown or revoked API key");
		r->auth.role = auth_role_parse(role);
		r->auth.via_key = 1;
	} else {
		struct store_session ss;

		token = http_request_cookie(r, "kb_session");
		rc = auth_session_check(st, token, time(NULL), &ss);
		if (rc == -1)
			return http_reply_error(r, 503, "unavailable", NULL,
			    "the database is not available");
		if (rc == 0) {
			if (rt->kind == API)
				return http_reply_error(r, 401,
				    "unauthorized", NULL, "log in first, or "
				    "send Authorization: Bearer KEY");
			http_reply_header(r, "Location", "/admin/login");
			return http_reply_error(r, 303, "login_required",
			    NULL, "log in first");
		}
		snprintf(r->auth.user, sizeof(r->auth.user), "%s", ss.user);
		snprintf(r->auth.csrf, sizeof(r->auth.csrf), "%s", ss.csrf);
		r->auth.role = auth_role_parse(ss.role);
	}
	if (!(r->auth.role & rt->roles))
		return http_reply_error(r, 403, "forbidden", NULL,
		    "your role may not do this");
	/* A session's state changes carry its CSRF token; keys need none. */
	if (!r->auth.via_key && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0) {
		const char *t = http_request_header(r, "X-CSRF-Token");

		if (t == NULL)
			t = http_request_form(r, "csrf");
		if (t == NULL || !auth_equal(t, r->auth.csrf))
			return http_reply_error(r, 403, "csrf", NULL,
			    "the form is out of date; reload the page and "
			    "try again");
	}
	return 0;
}

static int
dispatch(struct http_request *r)
{
	int method_ok, status;
	unsigned long long clen;
	const char *cl;

	r->route = route_find(r->method, r->url, &method_ok);
	if (r->route == NULL) {
		if (method_ok == -1) {
			http_reply_header(r, "Allow", "GET, HEAD, POST");
			return http_reply_error(r, 405, "method_not_allowed",
			    NULL, "this method is not allowed here");
		}
		return http_reply_error(r, 404, "not_found", NULL,
		    "there is nothing at this address");
	}
	if (r->too_large)
		return http_reply_error(r, 413, "too_large", NULL,
		    "the request body is larger than 64 KiB");
	cl = http_request_header(r, "Content-Length");
	if (cl != NULL && sscanf(cl, "%llu", &clen) == 1 &&
	    clen > HTTP_BODY_MAX)
		return http_reply_error(r, 413, "too_large", NULL,
		    "the request body is larger than 64 KiB");
	r->tail = r->url + strlen(r->route->path);
	if (r->route->prefix && (*r->tail == '\0' ||
	    strchr(r->tail, '/') != NULL))
		return http_reply_error(r, 404, "not_found", NULL,
		    "there is nothing at this address");
	status = authorize(r);
	if (status != 0)
		return status;
	return r->route->handler(r->h->app, r);
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

		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0 && (hi | lo) != 0) {
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
	if (r == NULL) {
		const char *cl;
		unsigned long long clen;

		r = xcalloc(1, sizeof(*r));
		r->h = h;
		r->conn = conn;
		r->method = method;
		r->url = url;
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		buf_init(&r->body, HTTP_BODY_MAX);
		r->counted = inflight_enter(h);
		*con_cls = r;
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
				return send_reply(r, status);
			}
		}
		/* Refuse an oversized body before reading any of it. */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Length");
		if (cl != NULL && sscanf(cl, "%llu", &clen) == 1 &&
		    clen > HTTP_BODY_MAX) {
			/*
			 * Answered before the body is read; the connection
			 * closes, which is what an oversized upload deserves.
			 */
			r->too_large = 1;
			status = http_reply_error(r, 413, "too_large", NULL,
			    "the request body is larger than 64 KiB");
			return send_reply(r, status);
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
	if (r->too_large) {
		r->tail = NULL;
		r->route = NULL;
		status = http_reply_error(r, 413, "too_large", NULL,
		    "the request body is larger than 64 KiB");
		return send_reply(r, status);
	}
	if (r->resumed) {
		r->resumed = 0;
		r->suspended = 0;
		status = r->route->finish(h->app, r);
		return send_reply(r, status);
	}
	if (r->suspended)
		return MHD_YES;
	if (!r->counted) {
		http_reply_header(r, "Connection", "close");
		status = http_reply_error(r, 503, "shutting_down", NULL,
		    "the server is restarting; try again in a moment");
		return send_reply(r, status);
	}
	status = dispatch(r);
	if (status == HTTP_SUSPENDED)
		return MHD_YES;
	return send_reply(r, status);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http *h = cls;
	struct http_request *r = *con_cls;
	size_t i;

	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	if (r->state_free != NULL)
		r->state_free(r->state);
	reply_clear(r);
	for (i = 0; i < r->nheaders; i++)
		free(r->hvalue[i]);
	for (i = 0; r->form != NULL && r->form[i] != NULL; i++)
		free(r->form[i]);
	free(r->form);
	buf_free(&r->body);
	if (r->counted)
		inflight_leave(h);
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
	log_warnx("http: %s", line);
}

static char *
slurp(const char *path, char *err, size_t errlen)
{
	char chunk[4096];
	struct buf b;
	FILE *fp;
	size_t n;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	if (buf_failed(&b) || b.len == 0) {
		snprintf(err, errlen, "%s: empty or larger than 1 MiB", path);
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, NULL);
}

int
http_start(const struct http_options *o, struct app *app, struct http **out,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *di;
	unsigned flags;
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
	h->rate_per_min = o->rate_per_min;
	h->rate = xcalloc(RATE_SLOTS, sizeof(*h->rate));
	crypto_shorthash_keygen(h->rate_secret);
	h->trusted_proxy = o->trusted_proxy ? xstrdup(o->trusted_proxy) : NULL;
	pthread_mutex_init(&h->rate_mtx, NULL);
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
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, o->threads ? o->threads : 2,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, h,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_address,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
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
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += wait_ms / 1000;
		deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
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
	pthread_mutex_destroy(&h->rate_mtx);
	pthread_mutex_destroy(&h->mtx);
	pthread_cond_destroy(&h->idle);
	free(h->rate);
	free(h->trusted_proxy);
	if (h->key != NULL)
		sodium_memzero(h->key, strlen(h->key));
	free(h->key);
	free(h->cert);
	free(h);
}
