/*
 * sms.c — the gateway formats and the sender thread (libcurl multi).
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "invite.h"
#include "log.h"
#include "phone.h"
#include "sms.h"
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

static char *
dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static char *
form_escape(const char *s)
{
	struct buf b;

	buf_init(&b, 8192);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c) != NULL)
			buf_putc(&b, (char)c);
		else
			buf_printf(&b, "%%%02X", c);
	}
	return buf_release(&b, NULL);
}

int
sms_request_build(const struct sms_config *c, const char *to,
    const char *text, const char *ref, struct sms_request *out)
{
	const char *from = c->sender ? c->sender : "Klankbord";
	struct buf b;

	memset(out, 0, sizeof(*out));
	if (c->url == NULL)
		return -1;
	out->url = xstrdup(c->url);
	out->content_type = xstrdup("Content-Type: application/json");
	switch (c->provider) {
	case SMS_GENERIC:
		out->body = dump(json_pack("{s:s, s:s, s:s, s:s}", "to", to,
		    "from", from, "message", text, "reference", ref));
		if (c->key != NULL) {
			buf_init(&b, 4096);
			buf_printf(&b, "Authorization: Bearer %s", c->key);
			out->auth_header = buf_release(&b, NULL);
		}
		break;
	case SMS_TWILIO: {
		char *t = form_escape(to), *f = form_escape(from),
		    *m = form_escape(text);

		buf_init(&b, 8192);
		buf_printf(&b, "To=%s&From=%s&Body=%s", t, f, m);
		out->body = buf_release(&b, NULL);
		free(t);
		free(f);
		free(m);
		free(out->content_type);
		out->content_type = xstrdup("Content-Type: "
		    "application/x-www-form-urlencoded");
		/* The key is "ACCOUNT_SID:AUTH_TOKEN". */
		out->userpwd = c->key ? xstrdup(c->key) : NULL;
		break;
	}
	case SMS_CM:
		out->body = dump(json_pack("{s:{s:{s:s}, s:[{s:s, s:[{s:s}], "
		    "s:{s:s, s:s}, s:s}]}}", "messages", "authentication",
		    "producttoken", c->key ? c->key : "", "msg", "from", from,
		    "to", "number", to, "body", "type", "auto", "content", text,
		    "reference", ref));
		break;
	case SMS_MESSAGEBIRD:
		out->body = dump(json_pack("{s:s, s:[s], s:s, s:s}",
		    "originator", from, "recipients", to, "body", text,
		    "reference", ref));
		buf_init(&b, 4096);
		buf_printf(&b, "Authorization: AccessKey %s",
		    c->key ? c->key : "");
		out->auth_header = buf_release(&b, NULL);
		break;
	case SMS_NONE:
		sms_request_clear(out);
		return -1;
	}
	if (out->body == NULL) {
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
	json_t *j = json_loads(body, 0, NULL), *v = NULL;

	out[0] = '\0';
	if (j == NULL)
		return;
	if (p == SMS_TWILIO)
		v = json_object_get(j, "sid");
	else if (p == SMS_CM)
		v = json_object_get(json_array_get(json_object_get(j,
		    "messages"), 0), "messageId");
	else
		v = json_object_get(j, "id");
	if (json_is_string(v))
		snprintf(out, outlen, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
	json_decref(j);
}

int
sms_message(const struct sms_config *c, const char *lang, const char *link,
    char *out, size_t outlen, char *err, size_t errlen)
{
	const char *t = c->templates[lang != NULL && strcmp(lang, "nl") == 0 ?
	    0 : 1];
	const char *mark = strstr(t, "{link}");
	long n;

	if (mark == NULL) {
		snprintf(err, errlen, "the SMS template has no {link}");
		return -1;
	}
	if ((size_t)snprintf(out, outlen, "%.*s%s%s", (int)(mark - t), t, link,
	    mark + 6) >= outlen) {
		snprintf(err, errlen, "the SMS message is too long");
		return -1;
	}
	n = phone_gsm7_length(out);
	if (n < 0) {
		snprintf(err, errlen, "the SMS message has a character that "
		    "GSM-7 cannot send");
		return -1;
	}
	if (n > 160) {
		snprintf(err, errlen, "the SMS message is %ld characters; one "
		    "SMS holds 160", n);
		return -1;
	}
	return 0;
}

struct transfer {
	long long	 id;
	int		 reminder;
	int		 tries;
	struct buf	 reply;
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
	int				 erased;	/* since the last purge */
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	buf_append(b, p, size * n);
	return buf_failed(b) ? 0 : size * n;
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
	char token[INVITE_TOKEN_MAX], text[400], err[128];
	struct buf link;
	CURL *e;

	if (is_inflight(s, d->id) || s->ninflight >= s->c.concurrency ||
	    s->tokens < 1.0)
		return;
	invite_token(s->keys, d->nonce, token);
	buf_init(&link, 2048);
	buf_printf(&link, "%s/i/%s", s->c.base_url, token);
	sodium_memzero(token, sizeof(token));
	if (sms_message(&s->c, d->lang, buf_cstr(&link), text, sizeof(text),
	    err, sizeof(err)) == -1) {
		log_warnx("sms: invitation %016llx: %s", d->id, err);
		(void)store_invite_final(s->st, d->id, "failed");
		s->erased++;
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
	if (sms_request_build(&s->c, d->phone, text, d->ref, &t->req) == -1) {
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
			s->erased++;
		log_info("sms: invitation %016llx %s", t->id, t->reminder ?
		    "reminder sent" : "sent");
	} else if (res == CURLE_OK && code >= 400 && code < 500) {
		log_warnx("sms: invitation %016llx refused by the gateway "
		    "(HTTP %ld); not retried", t->id, code);
		(void)store_invite_final(s->st, t->id, "failed");
		s->erased++;
	} else if ((unsigned)t->tries + 1 >= s->c.max_tries) {
		log_warnx("sms: invitation %016llx failed after %u tries",
		    t->id, s->c.max_tries);
		(void)store_invite_final(s->st, t->id, "failed");
		s->erased++;
	} else {
		long long wait = backoff(s->c.retry_base, t->tries + 1);

		if (res != CURLE_OK)
			log_warnx("sms: gateway unreachable (%s); retry in "
			    "%lld s", t->errbuf[0] ? t->errbuf :
			    curl_easy_strerror(res), wait);
		else
			log_warnx("sms: gateway answered HTTP %ld; retry in "
			    "%lld s", code, wait);
		(void)store_invite_retry(s->st, t->id, t->tries + 1,
		    (long long)now + wait);
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
				s->erased += n;
			}
			last_expire = now;
		}
		if (!stopping && sms_quiet_wait(&s->c, now) == 0) {
			refill(s);
			(void)store_invite_due(s->st, now,
			    (int)s->c.concurrency, start_one, s);
		}
		if (s->erased > 0 && running == 0 &&
		    store_purge_erased(s->st) == 0)
			s->erased = 0;
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

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += SMS_TICK_MS * 1000000L;
			while (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			(void)pthread_cond_timedwait(&s->cond, &s->mtx, &ts);
		}
		pthread_mutex_unlock(&s->mtx);
	}
	if (s->erased > 0)
		(void)store_purge_erased(s->st);
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
