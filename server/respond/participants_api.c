/*
 * participants_api.c — the volunteers' sign-up as a service: the key file,
 * the consent, the hourly erasure of expired sign-ups, and the
 * respondent-facing routes (the consent, the sign-up, withdraw and renew
 * links).  The sign-up is a request of its own: it carries no survey, no
 * answer and no id of a response, and only its ISO week is kept.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "invite.h"
#include "phone.h"
#include "sms.h"
#include "log.h"
#include "participants.h"
#include "response.h"
#include "store_invite.h"
#include "store_participants.h"
#include "util.h"

#define SWEEP_SECONDS	3600
#define DRAIN_SECONDS	60

struct participants {
	struct participants_consent	*consent;
	struct participants_keys	 keys;
	unsigned			 keep_months;
	struct store			*st;
	pthread_t			 sweeper;
	int				 running;
	int				 stopping;
	pthread_mutex_t			 mtx;
	pthread_cond_t			 cond;
	int				 woken;

	/* Who sends SMS to volunteers (participants_set_sender), or NULL. */
	participants_send_fn		 send;
	void				*send_arg;
	const struct invite_keys	*ik;
	const struct sms_config		*smscfg;
};

int
participants_expire(struct participants *p, time_t now)
{
	char cutoff[9];
	int n;

	participants_cutoff_week(now, p->keep_months, cutoff);
	n = store_participant_expire(p->st, cutoff);
	if (n > 0)
		log_info("participants: %d expired sign-ups erased", n);
	return n;
}

/*
 * Erases expired sign-ups every hour and, once a sender is set, hands
 * waiting SMS to it every minute or when woken.  Runs on its own thread:
 * a gateway call never holds up a request.
 */
static void *
sweeper_main(void *arg)
{
	struct participants *p = arg;
	time_t last_expire = time(NULL);

	pthread_mutex_lock(&p->mtx);
	while (!p->stopping) {
		struct timespec ts;
		participants_send_fn send;
		time_t now;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += p->send != NULL ? DRAIN_SECONDS : SWEEP_SECONDS;
		while (!p->stopping && !p->woken && pthread_cond_timedwait(
		    &p->cond, &p->mtx, &ts) == 0)
			;
		p->woken = 0;
		if (p->stopping)
			break;
		send = p->send;
		pthread_mutex_unlock(&p->mtx);
		now = time(NULL);
		if (now - last_expire >= SWEEP_SECONDS) {
			(void)participants_expire(p, now);
			last_expire = now;
		}
		if (send != NULL)
			(void)participants_outbox_drain(p, p->ik, p->smscfg,
			    now, send, p->send_arg);
		pthread_mutex_lock(&p->mtx);
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

void
participants_set_sender(struct participants *p, participants_send_fn send,
    void *arg, const struct invite_keys *ik, const struct sms_config *c)
{
	pthread_mutex_lock(&p->mtx);
	p->send = send;
	p->send_arg = arg;
	p->ik = ik;
	p->smscfg = c;
	p->woken = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
}

void
participants_wake(struct participants *p)
{
	pthread_mutex_lock(&p->mtx);
	p->woken = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mtx);
}

int
participants_open(const char *dir, const char *key_path, unsigned keep_months,
    struct store *st, struct participants **out, char *err, size_t errlen)
{
	struct participants *p;
	struct buf errors;
	char path[4096];
	int e;

	*out = NULL;
	/* A folder without a consent offers no sign-up; a bad one stops. */
	snprintf(path, sizeof(path), "%s/consent.json", dir);
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		log_info("%s: no participation consent; the sign-up is not "
		    "offered", path);
		return 0;
	}
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->st = st;
	p->keep_months = keep_months;
	buf_init(&errors, 16 * 1024);
	p->consent = participants_consent_load(dir, &errors);
	if (p->consent == NULL) {
		snprintf(err, errlen, "%s", buf_cstr(&errors));
		if (errlen > 0 && strlen(err) > 0 && err[strlen(err) - 1] ==
		    '\n')
			err[strlen(err) - 1] = '\0';
		buf_free(&errors);
		goto fail;
	}
	buf_free(&errors);
	if (participants_keys_load(key_path, &p->keys, err, errlen) == -1)
		goto fail;
	if (participants_expire(p, time(NULL)) == -1) {
		snprintf(err, errlen, "participants: erasing expired sign-ups "
		    "failed");
		goto fail;
	}
	e = pthread_create(&p->sweeper, NULL, sweeper_main, p);
	if (e != 0) {
		snprintf(err, errlen, "cannot start a thread: %s",
		    strerror(e));
		goto fail;
	}
	p->running = 1;
	*out = p;
	return 0;
fail:
	participants_close(p);
	return -1;
}

void
participants_close(struct participants *p)
{
	if (p == NULL)
		return;
	if (p->running) {
		pthread_mutex_lock(&p->mtx);
		p->stopping = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->mtx);
		pthread_join(p->sweeper, NULL);
	}
	participants_consent_free(p->consent);
	sodium_memzero(&p->keys, sizeof(p->keys));
	pthread_mutex_destroy(&p->mtx);
	pthread_cond_destroy(&p->cond);
	free(p);
}

const struct participants_consent *
participants_consent_of(const struct participants *p)
{
	return p->consent;
}

const struct participants_keys *
participants_keys_of(const struct participants *p)
{
	return &p->keys;
}

unsigned
participants_keep_months(const struct participants *p)
{
	return p->keep_months;
}

void
participants_text(const struct participants *p, const char *key,
    const char *lang, struct buf *out)
{
	const char *t = participants_text_raw(p->consent, key, lang), *m;
	char months[16];

	if (t == NULL)
		return;
	snprintf(months, sizeof(months), "%u", p->keep_months);
	while ((m = strstr(t, "{months}")) != NULL) {
		buf_append(out, t, (size_t)(m - t));
		buf_puts(out, months);
		t = m + strlen("{months}");
	}
	buf_puts(out, t);
}


/* The consent with {months} filled in, for the sign-up screen. */
int
participants_api_consent(struct app *app, struct http_request *r)
{
	struct participants *p = app->participants;
	json_t *o, *texts, *t;
	const char *key, *lang;
	char months[16];

	if (p == NULL)
		return http_reply_error(r, 404, "not_found", NULL,
		    "sign-ups are not offered here");
	o = json_deep_copy(participants_consent_json(p->consent));
	snprintf(months, sizeof(months), "%u", p->keep_months);
	texts = json_object_get(o, "texts");
	json_object_foreach(texts, key, t) {
		json_t *v;

		json_object_foreach(t, lang, v) {
			struct buf b;

			buf_init(&b, 16 * 1024);
			participants_text(p, key, lang, &b);
			json_object_set_new(t, lang, json_string(buf_cstr(&b)));
			buf_free(&b);
		}
	}
	json_object_set_new(o, "keep_months", json_integer(p->keep_months));
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_json(r, o);
	return 200;
}

int
participants_api_signup(struct app *app, struct http_request *r)
{
	struct participants *p = app->participants;
	struct participants_signup s;
	struct participants_error e;
	struct store_participant *row = NULL;
	char token[PARTICIPANTS_TOKEN_MAX];
	const char *body;
	struct buf link;
	unsigned wait;
	size_t len;
	int status;

	if (p == NULL)
		return http_reply_error(r, 404, "not_found", NULL,
		    "sign-ups are not offered here");
	wait = http_request_throttle(r, HTTP_BUCKET_SUBMIT);
	if (wait > 0) {
		char secs[16];

		snprintf(secs, sizeof(secs), "%u", wait);
		http_reply_header(r, "Retry-After", secs);
		return http_reply_error(r, 429, "too_many_requests", NULL,
		    "too many requests from this address; try again later");
	}
	body = http_request_body(r, &len);
	if (participants_signup_parse(p->consent, body, len, &s, &e) == -1)
		return http_reply_error(r, e.status, e.code,
		    e.field[0] ? e.field : NULL, e.message);
	row = xcalloc(1, sizeof(*row));
	response_week(time(NULL), row->week);
	row->consent_version = s.consent_version;
	snprintf(row->lang, sizeof(row->lang), "%s", s.lang);
	snprintf(row->kind, sizeof(row->kind), "%s", s.kind);
	snprintf(row->ways, sizeof(row->ways), "%s", s.ways);
	snprintf(row->topics, sizeof(row->topics), "%s", s.topics);
	snprintf(row->languages, sizeof(row->languages), "%s", s.languages);
	if (participants_seal(&p->keys, s.name, s.contact, row->sealed,
	    &row->sealed_len) == -1) {
		status = http_reply_error(r, 422, "too_long", "name",
		    "the name and contact are too long");
		goto out;
	}
	participants_contact_hash(&p->keys, s.kind, s.contact,
	    row->contact_hash);
	randombytes_buf(row->token_nonce, sizeof(row->token_nonce));
	participants_token(&p->keys, 'r', row->token_nonce, token);
	participants_token_hash(token, row->renew_hash);
	participants_token(&p->keys, 'w', row->token_nonce, token);
	participants_token_hash(token, row->withdraw_hash);
	if (store_participant_add(app->store, row) == -1) {
		http_reply_header(r, "Retry-After", "30");
		status = http_reply_error(r, 503, "storage_unavailable", NULL,
		    "the sign-up could not be saved; try again later");
		goto out;
	}
	buf_init(&link, 4096);
	buf_printf(&link, "%s/w/%s", app->base_url, token);
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_json(r, json_pack("{s:s,s:s}", "status", "stored",
	    "withdraw", buf_cstr(&link)));
	buf_free(&link);
	status = 201;
out:
	sodium_memzero(token, sizeof(token));
	sodium_memzero(&s, sizeof(s));
	if (row != NULL)
		sodium_memzero(row, sizeof(*row));
	free(row);
	return status;
}

static int
rtl(const char *lang)
{
	return strcmp(lang, "ar") == 0;
}

/* A small page in the volunteer's language: title and one paragraph. */
static int
link_page(struct app *app, struct http_request *r, int status,
    const char *lang, const char *title_key, const char *text_key)
{
	struct participants *p = app->participants;
	struct buf b, t;
	char *html;
	size_t len;

	buf_init(&b, 64 * 1024);
	buf_init(&t, 16 * 1024);
	buf_puts(&b, "<!doctype html><html lang=\"");
	buf_html(&b, lang);
	buf_printf(&b, "\" dir=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\"><meta name=\"referrer\" content=\"no-referrer\">"
	    "<meta name=\"robots\" content=\"noindex, nofollow\"><title>",
	    rtl(lang) ? "rtl" : "ltr");
	participants_text(p, title_key, lang, &t);
	buf_html(&b, buf_cstr(&t));
	/* The policy allows no inline style: the sign-up's stylesheet. */
	buf_puts(&b, "</title><link rel=\"stylesheet\" "
	    "href=\"/assets/signup.css\"></head><body class=\"su-page\">"
	    "<main><h1>");
	buf_html(&b, buf_cstr(&t));
	buf_puts(&b, "</h1><p>");
	buf_reset(&t);
	participants_text(p, text_key, lang, &t);
	buf_html(&b, buf_cstr(&t));
	buf_puts(&b, "</p></main></body></html>");
	buf_free(&t);
	if (buf_failed(&b)) {
		buf_free(&b);
		return http_reply_error(r, 500, "internal", NULL,
		    "the page is too large");
	}
	html = buf_release(&b, &len);
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_text(r, "text/html; charset=utf-8", html, len);
	return status;
}

/* A token's shape: 17 characters of [0-9A-Za-z]. */
static int
token_shape_ok(const char *t)
{
	size_t i;

	for (i = 0; t[i] != '\0'; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'A' &&
		    t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return i == 17;
}

static const char *
page_lang(struct http_request *r)
{
	const char *l = http_request_query(r, "lang");

	return l != NULL && strlen(l) == 2 && ident_valid(l, 2, "") ? l : "nl";
}

int
participants_withdraw_page(struct app *app, struct http_request *r)
{
	const char *token = http_request_tail(r);
	unsigned char h[STORE_PART_HASH];
	char lang[4];
	int rc;

	if (app->participants == NULL || !token_shape_ok(token))
		return http_reply_error(r, 404, "not_found", NULL,
		    "there is nothing at this address");
	participants_token_hash(token, h);
	rc = store_participant_withdraw(app->store, h, lang);
	if (rc == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available; try again later");
	/* Erased now, or before: either way nothing of it is left. */
	if (rc == 0)
		return link_page(app, r, 410, page_lang(r), "gone_title",
		    "gone_text");
	log_info("participants: a sign-up was withdrawn");
	return link_page(app, r, 200, lang[0] ? lang : "nl",
	    "withdrawn_title", "withdrawn_text");
}

int
participants_renew_page(struct app *app, struct http_request *r)
{
	const char *token = http_request_tail(r);
	unsigned char h[STORE_PART_HASH];
	char week[9];
	int rc;

	if (app->participants == NULL || !token_shape_ok(token))
		return http_reply_error(r, 404, "not_found", NULL,
		    "there is nothing at this address");
	participants_token_hash(token, h);
	response_week(time(NULL), week);
	rc = store_participant_renew(app->store, h, week);
	if (rc == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available; try again later");
	if (rc == 0)
		return link_page(app, r, 410, page_lang(r), "gone_title",
		    "gone_text");
	return link_page(app, r, 200, page_lang(r), "renewed_title",
	    "renewed_text");
}


int
participants_sms_text(const char *base_url, const char *text,
    const char *withdraw, const char *renew, const char *lang,
    struct buf *out)
{
	long n;

	buf_reset(out);
	buf_printf(out, "%s Stoppen: %s/w/%s", text, base_url, withdraw);
	if (renew != NULL)
		buf_printf(out, " Blijven: %s/r/%s?lang=%s", base_url, renew,
		    lang);
	n = phone_gsm7_length(buf_cstr(out));
	return n < 0 || n > 160 ? -1 : 0;
}

struct drain {
	struct participants		*p;
	const struct invite_keys	*ik;
	const struct sms_config		*c;
	participants_send_fn		 send;
	void				*arg;
	int				 sent;
};

static void
drain_one(long long id, const char *text, int renew, int tries,
    const struct store_participant *sp, void *arg)
{
	struct drain *d = arg;
	char name[PARTICIPANTS_NAME_MAX * 4 + 1];
	char contact[PARTICIPANTS_CONTACT_MAX], ref[24];
	char w[PARTICIPANTS_TOKEN_MAX], r[PARTICIPANTS_TOKEN_MAX];
	unsigned char ph[STORE_PHONE_HASH];
	struct buf msg;
	int rc;

	buf_init(&msg, 1024);
	if (strcmp(sp->kind, "sms") != 0 || participants_unseal(&d->p->keys,
	    sp->sealed, sp->sealed_len, name, sizeof(name), contact,
	    sizeof(contact)) == -1)
		goto drop;
	/* Never to a volunteer who withdrew or opted out of SMS. */
	invite_phone_hash(d->ik, contact, ph);
	if (store_participant_blocked(d->p->st, sp->contact_hash) != 0 ||
	    store_participant_sms_optedout(d->p->st, ph) != 0)
		goto drop;
	participants_token(&d->p->keys, 'w', sp->token_nonce, w);
	participants_token(&d->p->keys, 'r', sp->token_nonce, r);
	/* The renew link only when it fits in the one segment. */
	if ((!renew || participants_sms_text(d->c->base_url, text, w, r,
	    sp->lang, &msg) == -1) && participants_sms_text(d->c->base_url,
	    text, w, NULL, sp->lang, &msg) == -1) {
		log_warnx("participants: message %016llx is not one SMS; "
		    "dropped", (unsigned long long)id);
		goto drop;
	}
	snprintf(ref, sizeof(ref), "p%016llx", (unsigned long long)id);
	rc = d->send(d->arg, contact, buf_cstr(&msg), ref);
	if (rc == 0) {
		d->sent++;
		goto drop;
	}
	if (rc == 1 && tries + 1 < PARTICIPANTS_SMS_TRIES) {
		(void)store_panel_retry(d->p->st, id);
		goto out;
	}
	log_warnx("participants: message %016llx failed", (unsigned long long)
	    id);
drop:
	(void)store_panel_done(d->p->st, id);
out:
	sodium_memzero(contact, sizeof(contact));
	sodium_memzero(name, sizeof(name));
	sodium_memzero(w, sizeof(w));
	sodium_memzero(r, sizeof(r));
	if (msg.data != NULL)
		sodium_memzero(msg.data, msg.cap);
	buf_free(&msg);
}

int
participants_outbox_drain(struct participants *p,
    const struct invite_keys *ik, const struct sms_config *c, time_t now,
    participants_send_fn send, void *arg)
{
	struct drain d = { p, ik, c, send, arg, 0 };

	if (sms_quiet_wait(c, now) > 0)
		return 0;
	if (store_panel_due(p->st, 32, drain_one, &d) == -1)
		return -1;
	if (d.sent > 0)
		(void)store_purge_erased(p->st);
	return d.sent;
}
