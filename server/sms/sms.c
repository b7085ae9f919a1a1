/*
 * sms.c — the gateway formats and the sender thread (libcurl multi).
 */
#define _XOPEN_SOURCE 700	/* strptime */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "invite_keys.h"
#include "log.h"
#include "phone.h"
#include "sms.h"
#include "sms_priv.h"
#include "store_invite.h"
#include "util.h"

#define SMS_CONNECT_TIMEOUT	5L
#define SMS_REPLY_MAX		(64 * 1024)
#define SMS_TICK_MS		1000
#define SMS_BACKOFF_MAX		3600	/* seconds */
#define SMS_EXPIRE_EVERY	5	/* seconds between expiry sweeps */

static const char *const provider_names[] = {
	"none", "generic", "twilio", "cm", "messagebird"
};

int
sms_provider_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < KB_NELEM(provider_names); i++)
		if (strcmp(name, provider_names[i]) == 0)
			return (int)i;
	return -1;
}

int
sms_quiet_parse(const char *s, int *from, int *to)
{
	int h1, m1, h2, m2;
	char tail;

	if (strcmp(s, "off") == 0) {
		*from = *to = -1;
		return 0;
	}
	if (strlen(s) != 11 || sscanf(s, "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2,
	    &m2, &tail) != 4 || h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 ||
	    h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0)
		return -1;
	*from = h1 * 60 + m1;
	*to = h2 * 60 + m2;
	return 0;
}

long
sms_quiet_wait(const struct sms_config *c, time_t now)
{
	struct tm tm;
	int m, quiet;

	if (c->quiet_from < 0 || c->quiet_from == c->quiet_to)
		return 0;
	localtime_r(&now, &tm);
	m = tm.tm_hour * 60 + tm.tm_min;
	if (c->quiet_from < c->quiet_to)
		quiet = m >= c->quiet_from && m < c->quiet_to;
	else
		quiet = m >= c->quiet_from || m < c->quiet_to;
	if (!quiet)
		return 0;
	/* Minutes until the quiet period ends, less the seconds gone. */
	return (long)(((c->quiet_to - m + 1440) % 1440) * 60 - tm.tm_sec);
}

static const struct sms_dialect *
dialect_of(enum sms_provider p)
{
	switch (p) {
	case SMS_TWILIO:
		return &sms_dialect_twilio;
	case SMS_CM:
		return &sms_dialect_cm;
	case SMS_MESSAGEBIRD:
		return &sms_dialect_messagebird;
	case SMS_GENERIC:
		return &sms_dialect_generic;
	case SMS_NONE:
		break;
	}
	return NULL;
}

const char *
sms_provider_name(enum sms_provider p)
{
	return (size_t)p < KB_NELEM(provider_names) ? provider_names[p] :
	    "none";
}

/* The status callback URL with the shared secret, or NULL. */
static char *
callback_url(const struct sms_config *c)
{
	struct buf b;

	if (c->base_url == NULL)
		return NULL;
	buf_init(&b, 8192);
	buf_printf(&b, "%s/sms/status", c->base_url);
	if (c->callback_secret != NULL && *c->callback_secret != '\0') {
		buf_puts(&b, "?secret=");
		sms_form_escape(&b, c->callback_secret, 1);
	}
	return buf_release(&b, NULL);
}

int
sms_request_build(const struct sms_config *c, const char *e164,
    const char *text, const char *ref, struct sms_request *out)
{
	const struct sms_dialect *d = dialect_of(c->provider);
	char *cb;
	int rc;

	memset(out, 0, sizeof(*out));
	if (c->url == NULL || d == NULL)
		return -1;
	out->url = xstrdup(c->url);
	cb = callback_url(c);
	rc = d->build(c, e164, text, ref, cb, out);
	free(cb);
	if (rc == -1 || out->body == NULL) {
		sms_request_clear(out);
		return -1;
	}
	return 0;
}

void
sms_request_clear(struct sms_request *r)
{
	free(r->url);
	free(r->body);
	free(r->content_type);
	if (r->auth_header != NULL)
		sodium_memzero(r->auth_header, strlen(r->auth_header));
	free(r->auth_header);
	if (r->userpwd != NULL)
		sodium_memzero(r->userpwd, strlen(r->userpwd));
	free(r->userpwd);
	memset(r, 0, sizeof(*r));
}

void
sms_response_id(enum sms_provider p, const char *body, char *out,
    size_t outlen)
{
	const struct sms_dialect *d = dialect_of(p);
	json_t *j = json_loads(body, 0, NULL);

	out[0] = '\0';
	if (j != NULL && d != NULL)
		d->response_id(j, out, outlen);
	json_decref(j);
}

long
sms_retry_after(const char *value, time_t now, long cap)
{
	long long n;
	struct tm tm;
	const char *end;
	time_t t;

	if (value == NULL)
		return -1;
	while (*value == ' ')
		value++;
	if (num_parse(value, 0, 1LL << 40, &n) == 0)
		return n > cap ? cap : (long)n;
	/* An HTTP date: "Sun, 06 Nov 1994 08:49:37 GMT". */
	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL)
		return -1;
	t = timegm(&tm);
	if (t <= now)
		return 0;
	return t - now > cap ? cap : (long)(t - now);
}

int
sms_callback_signed(const struct sms_config *c, const struct sms_cb *cb)
{
	const struct sms_dialect *d = dialect_of(c->provider);
	int v;

	if (d == NULL)
		return 0;
	v = d->verify(c, cb);
	return v == -1 ? 1 : v;
}

int
sms_callback_report(const struct sms_config *c, const struct sms_cb *cb,
    struct sms_report *out)
{
	const struct sms_dialect *d = dialect_of(c->provider);

	memset(out, 0, sizeof(*out));
	return d != NULL ? d->report(cb, out) : -1;
}

int
sms_callback_reply(const struct sms_config *c, const struct sms_cb *cb,
    struct sms_reply *out)
{
	const struct sms_dialect *d = dialect_of(c->provider);

	memset(out, 0, sizeof(*out));
	return d != NULL ? d->reply(cb, out) : -1;
}

static struct {
	pthread_mutex_t		mtx;
	struct sms_tally	n;
} counts = { PTHREAD_MUTEX_INITIALIZER, { 0, 0, 0, 0 } };

static void
count(unsigned long long *which)
{
	pthread_mutex_lock(&counts.mtx);
	(*which)++;
	pthread_mutex_unlock(&counts.mtx);
}

void
sms_count_delivered(void)
{
	count(&counts.n.delivered);
}

void
sms_count_failed(void)
{
	count(&counts.n.failed);
}

void
sms_metrics(struct buf *b, const struct sms_config *c, struct store *st)
{
	static const struct {
		const char	*name, *help;
		size_t		 off;
	} lines[] = {
		{ "sent", "SMS messages the gateway accepted.",
		    offsetof(struct sms_tally, sent) },
		{ "delivered", "SMS messages reported delivered.",
		    offsetof(struct sms_tally, delivered) },
		{ "failed", "SMS messages that failed for good.",
		    offsetof(struct sms_tally, failed) },
		{ "retried", "SMS sends to be tried again (429, 5xx, network).",
		    offsetof(struct sms_tally, retried) },
	};
	const char *p = sms_provider_name(c->provider);
	struct sms_tally t;
	long long queued;
	size_t i;

	sms_tally_get(&t);
	for (i = 0; i < KB_NELEM(lines); i++)
		buf_printf(b, "# HELP klankbord_sms_%s_total %s\n"
		    "# TYPE klankbord_sms_%s_total counter\n"
		    "klankbord_sms_%s_total{provider=\"%s\"} %llu\n",
		    lines[i].name, lines[i].help, lines[i].name, lines[i].name,
		    p, *(const unsigned long long *)(const void *)
		    ((const char *)&t + lines[i].off));
	if (st != NULL)
		buf_printf(b, "# HELP klankbord_invitation_erasures_total "
		    "Checkpoints that took erased numbers out of the "
		    "write-ahead log (batched).\n# TYPE "
		    "klankbord_invitation_erasures_total counter\n"
		    "klankbord_invitation_erasures_total %llu\n",
		    store_erasures(st));
	queued = st != NULL ? store_invite_queued(st) : 0;
	buf_printf(b, "# HELP klankbord_sms_queued Invitations waiting for "
	    "their first SMS.\n# TYPE klankbord_sms_queued gauge\n"
	    "klankbord_sms_queued{provider=\"%s\"} %lld\n", p,
	    queued < 0 ? 0 : queued);
}

void
sms_tally_get(struct sms_tally *out)
{
	pthread_mutex_lock(&counts.mtx);
	*out = counts.n;
	pthread_mutex_unlock(&counts.mtx);
}

struct transfer {
	long long	 id;
	int		 reminder;
	int		 tries;
	struct buf	 reply;
	char		 retry_after[64];	/* the answer's header */
	struct sms_request req;
	struct curl_slist *headers;
	char		 errbuf[CURL_ERROR_SIZE];
};

struct sms {
	struct sms_config		 c;
	struct store			*st;
	const struct invite_keys	*keys;
	pthread_t			 thread;
	pthread_mutex_t			 mtx;
	pthread_cond_t			 cond;
	int				 stopping, woken;
	CURLM				*multi;
	long long			*inflight;	/* ids being sent */
	size_t				 ninflight;
	double				 tokens;	/* rate limit bucket */
	struct timespec			 last_refill;
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, p, size * n);
	return buf_failed(b) ? 0 : size * n;
}

/* Keeps the Retry-After header of a 429 or 503. */
static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n, k = strlen("Retry-After:");

	if (len > k && strncasecmp(p, "Retry-After:", k) == 0) {
		size_t v = len - k;

		while (v > 0 && (p[k + v - 1] == '\r' || p[k + v - 1] == '\n'))
			v--;
		if (v >= sizeof(t->retry_after))
			v = sizeof(t->retry_after) - 1;
		memcpy(t->retry_after, p + k, v);
		t->retry_after[v] = '\0';
	}
	return len;
}

static int
is_inflight(struct sms *s, long long id)
{
	size_t i;

	for (i = 0; i < s->ninflight; i++)
		if (s->inflight[i] == id)
			return 1;
	return 0;
}

static void
inflight_remove(struct sms *s, long long id)
{
	size_t i;

	for (i = 0; i < s->ninflight; i++) {
		if (s->inflight[i] == id) {
			s->inflight[i] = s->inflight[--s->ninflight];
			return;
		}
	}
}

static void
refill(struct sms *s)
{
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - s->last_refill.tv_sec) +
	    (double)(now.tv_nsec - s->last_refill.tv_nsec) / 1e9;
	s->last_refill = now;
	s->tokens += dt * (double)s->c.rate;
	if (s->tokens > (double)s->c.rate)
		s->tokens = (double)s->c.rate;
}

/* Starts sending one due invitation. */
static void
start_one(const struct store_due *d, void *arg)
{
	struct sms *s = arg;
	struct transfer *t;
	char token[INVITE_TOKEN_MAX], text[1024], err[256], ref[48];
	struct buf link;
	CURL *e;

	if (is_inflight(s, d->id) || s->ninflight >= s->c.concurrency ||
	    s->tokens < 1.0)
		return;
	invite_token(s->keys, d->nonce, token);
	buf_init(&link, 2048);
	buf_printf(&link, "%s/i/%s", s->c.base_url, token);
	sodium_memzero(token, sizeof(token));
	if (sms_message(&s->c, d->lang, sms_location_name(s->c.surveys, d->location,
	    d->lang), buf_cstr(&link), text, sizeof(text), err,
	    sizeof(err)) == -1) {
		log_warnx("sms: invitation %016llx: %s", d->id, err);
		(void)store_invite_final(s->st, d->id, "failed");
		buf_free(&link);
		return;
	}
	sodium_memzero(link.data, link.len);
	buf_free(&link);
	t = xcalloc(1, sizeof(*t));
	t->id = d->id;
	t->reminder = strcmp(d->state, "queued") != 0;
	t->tries = d->tries;
	buf_init(&t->reply, SMS_REPLY_MAX);
	/* The reminder has a reference of its own. */
	snprintf(ref, sizeof(ref), "%s%s", d->ref, t->reminder ? "r2" : "");
	if (sms_request_build(&s->c, d->phone, text, ref, &t->req) == -1) {
		sodium_memzero(text, sizeof(text));
		buf_free(&t->reply);
		free(t);
		return;
	}
	sodium_memzero(text, sizeof(text));
	t->headers = curl_slist_append(NULL, t->req.content_type);
	if (t->req.auth_header != NULL)
		t->headers = curl_slist_append(t->headers, t->req.auth_header);
	e = curl_easy_init();
	if (e == NULL) {
		curl_slist_free_all(t->headers);
		sms_request_clear(&t->req);
		buf_free(&t->reply);
		free(t);
		return;
	}
	curl_easy_setopt(e, CURLOPT_URL, t->req.url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
	if (t->req.userpwd != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERPWD, t->req.userpwd);
	}
	curl_easy_setopt(e, CURLOPT_TIMEOUT, s->c.timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, s->c.timeout <
	    SMS_CONNECT_TIMEOUT ? s->c.timeout : SMS_CONNECT_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->reply);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_multi_add_handle(s->multi, e);
	s->inflight = xrealloc(s->inflight, (s->ninflight + 1) *
	    sizeof(*s->inflight));
	s->inflight[s->ninflight++] = d->id;
	s->tokens -= 1.0;
}

/* The wait before try number tries: base, doubling, at most an hour. */
static long long
backoff(long long base, int tries)
{
	long long d = base;
	int i;

	for (i = 1; i < tries && d < SMS_BACKOFF_MAX; i++)
		d *= 2;
	if (d > SMS_BACKOFF_MAX)
		d = SMS_BACKOFF_MAX;
	/* Up to a quarter more, so retries do not arrive in step. */
	return d + (long long)randombytes_uniform((uint32_t)(d / 4 + 1));
}

static void
finish_one(struct sms *s, CURL *e, CURLcode res)
{
	struct transfer *t = NULL;
	char id[128];
	long code = 0;
	time_t now = time(NULL);

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&t);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK && code >= 200 && code < 300) {
		sms_response_id(s->c.provider, buf_cstr(&t->reply), id,
		    sizeof(id));
		/* After the first message comes at most one reminder. */
		if (store_invite_sent(s->st, t->id, id, t->reminder,
		    t->reminder || s->c.reminder_after <= 0 ? 0 :
		    (long long)now + s->c.reminder_after) == -1)
			log_warnx("sms: could not record invitation "
			    "%016llx as sent", t->id);
		if (t->reminder || s->c.reminder_after <= 0)
		log_info("sms: invitation %016llx %s", t->id, t->reminder ?
		    "reminder sent" : "sent");
		count(&counts.n.sent);
	} else if (res == CURLE_OK && code >= 400 && code < 500 &&
	    code != 408 && code != 429) {
		/* The provider's definitive answer: bad number, bad key. */
		log_warnx("sms: invitation %016llx refused by the gateway "
		    "(HTTP %ld); not retried", t->id, code);
		(void)store_invite_final(s->st, t->id, "failed");
		count(&counts.n.failed);
	} else {
		/*
		 * 429, 5xx, timeouts and network errors are never final: the
		 * same message goes again after Retry-After (capped) or the
		 * back-off, until the invitation expires.
		 */
		long ra = res == CURLE_OK ? sms_retry_after(t->retry_after,
		    now, SMS_BACKOFF_MAX) : -1;
		long long wait = ra >= 0 ? (ra > 0 ? ra : 1) :
		    backoff(s->c.retry_base, t->tries + 1);

		if (res != CURLE_OK)
			log_warnx("sms: gateway unreachable (%s); retry in "
			    "%lld s", t->errbuf[0] ? t->errbuf :
			    curl_easy_strerror(res), wait);
		else
			log_warnx("sms: gateway answered HTTP %ld; retry in "
			    "%lld s", code, wait);
		(void)store_invite_retry(s->st, t->id, t->tries + 1,
		    (long long)now + wait);
		count(&counts.n.retried);
	}
	inflight_remove(s, t->id);
	curl_multi_remove_handle(s->multi, e);
	curl_easy_cleanup(e);
	curl_slist_free_all(t->headers);
	sms_request_clear(&t->req);
	buf_free(&t->reply);
	free(t);
}

static void *
sender_main(void *arg)
{
	struct sms *s = arg;
	time_t last_expire = 0;
	int running = 0, stopping = 0, batch;

	for (;;) {
		time_t now = time(NULL);
		CURLMsg *msg;
		int left;

		pthread_mutex_lock(&s->mtx);
		stopping = s->stopping;
		s->woken = 0;
		pthread_mutex_unlock(&s->mtx);
		if (stopping && running == 0)
			break;
		if (now - last_expire >= SMS_EXPIRE_EVERY) {
			int n = store_invite_expire(s->st, now);

			if (n > 0) {
				log_info("sms: %d invitations expired", n);
			}
			last_expire = now;
		}
		if (!stopping && sms_quiet_wait(&s->c, now) == 0) {
			refill(s);
			(void)store_invite_due(s->st, now,
			    (int)s->c.concurrency, start_one, s);
		}
		/* The store batches the erasure of what ended (eraser). */
		curl_multi_perform(s->multi, &running);
		/* What finished now is recorded in one transaction. */
		batch = 0;
		while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			if (!batch)
				batch = store_batch_begin(s->st) == 0;
			finish_one(s, msg->easy_handle, msg->data.result);
		}
		if (batch)
			(void)store_batch_end(s->st);
		if (running > 0 || s->ninflight > 0) {
			curl_multi_poll(s->multi, NULL, 0, 100, NULL);
			continue;
		}
		/* Nothing in flight: sleep until woken or the next tick. */
		pthread_mutex_lock(&s->mtx);
		if (!s->stopping && !s->woken) {
			struct timespec ts;

			deadline_in(&ts, SMS_TICK_MS);
			(void)pthread_cond_timedwait(&s->cond, &s->mtx, &ts);
		}
		pthread_mutex_unlock(&s->mtx);
	}
	return NULL;
}

int
sms_start(const struct sms_config *c, struct store *st,
    const struct invite_keys *keys, struct sms **out, char *err,
    size_t errlen)
{
	struct sms *s;
	int e;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl failed to initialise");
		return -1;
	}
	s = xcalloc(1, sizeof(*s));
	s->c = *c;
	s->st = st;
	s->keys = keys;
	s->tokens = c->rate;
	clock_gettime(CLOCK_MONOTONIC, &s->last_refill);
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->multi = curl_multi_init();
	if (s->multi == NULL) {
		snprintf(err, errlen, "libcurl failed to initialise");
		goto fail;
	}
	curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)c->concurrency);
	e = pthread_create(&s->thread, NULL, sender_main, s);
	if (e != 0) {
		snprintf(err, errlen, "cannot start the SMS sender: %s",
		    strerror(e));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->multi != NULL)
		curl_multi_cleanup(s->multi);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->cond);
	free(s);
	curl_global_cleanup();
	return -1;
}

void
sms_wake(struct sms *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mtx);
	s->woken = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mtx);
}

void
sms_stop(struct sms *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mtx);
	s->stopping = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->mtx);
	pthread_join(s->thread, NULL);
	curl_multi_cleanup(s->multi);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->cond);
	free(s->inflight);
	free(s);
	curl_global_cleanup();
}
