/*
 * panel.c — the project team's view of the volunteers who signed up to
 * take part.  Admins see the list with filters, export it (the only place
 * with contact details), delete a sign-up and write to a selection;
 * viewers see counts per way and topic under the anonymity threshold;
 * senders see nothing.  Every view and action is audited, never with a
 * name or contact in the detail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app.h"
#include "auth.h"
#include "log.h"
#include "participants.h"
#include "phone.h"
#include "store_participants.h"
#include "store_team.h"
#include "util.h"

#define PANEL_PAGE_MAX		(4 * 1024 * 1024)
#define PANEL_MESSAGE_MAX	100	/* characters the admin may write */
#define PANEL_LIST_MAX		64

struct filter {
	const char	*way, *topic, *language, *kind;
};

/* Does the comma-separated list hold id? */
static int
list_has(const char *list, const char *id)
{
	size_t n = strlen(id);
	const char *p = list;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, id, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static void
filter_read(struct http_request *r, struct filter *f)
{
	f->way = http_request_query(r, "way");
	f->topic = http_request_query(r, "topic");
	f->language = http_request_query(r, "language");
	f->kind = http_request_query(r, "kind");
	if (f->way != NULL && *f->way == '\0')
		f->way = NULL;
	if (f->topic != NULL && *f->topic == '\0')
		f->topic = NULL;
	if (f->language != NULL && *f->language == '\0')
		f->language = NULL;
	if (f->kind != NULL && *f->kind == '\0')
		f->kind = NULL;
}

static int
filter_match(const struct filter *f, const struct store_participant *p)
{
	return (f->way == NULL || list_has(p->ways, f->way)) &&
	    (f->topic == NULL || list_has(p->topics, f->topic)) &&
	    (f->language == NULL || list_has(p->languages, f->language)) &&
	    (f->kind == NULL || strcmp(f->kind, p->kind) == 0);
}

/* The filters as audit detail: choices only, never a person. */
static void
filter_detail(const struct filter *f, char *out, size_t outlen)
{
	snprintf(out, outlen, "way=%.32s topic=%.32s language=%.8s kind=%.8s",
	    f->way ? f->way : "*", f->topic ? f->topic : "*",
	    f->language ? f->language : "*", f->kind ? f->kind : "*");
}

/* Every sign-up copied out of the store, for one request. */
struct rows {
	struct store_participant	*v;
	size_t				 n;
};

static void
rows_add(const struct store_participant *p, void *arg)
{
	struct rows *rs = arg;

	rs->v = xrealloc(rs->v, (rs->n + 1) * sizeof(*rs->v));
	rs->v[rs->n++] = *p;
}

static void
rows_free(struct rows *rs)
{
	if (rs->v != NULL)
		sodium_memzero(rs->v, rs->n * sizeof(*rs->v));
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

static int
rows_load(struct app *app, struct rows *rs)
{
	memset(rs, 0, sizeof(*rs));
	(void)participants_expire(app->participants, time(NULL));
	return store_participant_list(app->store, rows_add, rs);
}

static void
id_hex(long long id, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)id);
}

static int
id_parse(const char *s, size_t n, long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (n != 16)
		return -1;
	for (i = 0; i < n; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -1;
		v = v * 16 + (unsigned)d;
	}
	if (v > (unsigned long long)INT64_MAX)
		return -1;
	*out = (long long)v;
	return 0;
}

/* Labels of a comma-separated list, joined with ", ". */
static void
labels(const struct participants_consent *c, const char *list,
    const char *ids, struct buf *out)
{
	char id[64];
	const char *p = ids;
	int first = 1;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		snprintf(id, sizeof(id), "%.*s", (int)(len < 63 ? len : 63),
		    p);
		if (!first)
			buf_puts(out, ", ");
		buf_puts(out, participants_label(c, list, id, "nl"));
		first = 0;
		p += len;
		if (*p == ',')
			p++;
	}
}

static json_t *
id_array(const char *ids)
{
	json_t *a = json_array();
	const char *p = ids;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		json_array_append_new(a, json_stringn(p, len));
		p += len;
		if (*p == ',')
			p++;
	}
	return a;
}

/* Counts per way and per topic; cells under k are null. */
static json_t *
counts_json(struct app *app, const struct rows *rs)
{
	const struct participants_consent *c =
	    participants_consent_of(app->participants);
	const char *ids[PANEL_LIST_MAX];
	const char *lists[2] = { "ways", "topics" };
	json_t *o = json_object();
	size_t i, j, l, n;

	for (l = 0; l < 2; l++) {
		json_t *m = json_object();

		n = participants_ids(c, lists[l], ids, PANEL_LIST_MAX);
		for (i = 0; i < n; i++) {
			size_t cnt = 0;

			for (j = 0; j < rs->n; j++)
				if (list_has(l == 0 ? rs->v[j].ways :
				    rs->v[j].topics, ids[i]))
					cnt++;
			json_object_set_new(m, ids[i], cnt >= app->anonymity_k ?
			    json_integer((json_int_t)cnt) : json_null());
		}
		json_object_set_new(o, lists[l], m);
	}
	json_object_set_new(o, "total", rs->n >= app->anonymity_k ?
	    json_integer((json_int_t)rs->n) : json_null());
	json_object_set_new(o, "k", json_integer(app->anonymity_k));
	return o;
}

static void
name_of(struct app *app, const struct store_participant *p, char *name,
    size_t namelen, char *contact, size_t contactlen)
{
	if (participants_unseal(participants_keys_of(app->participants),
	    p->sealed, p->sealed_len, name, namelen, contact,
	    contactlen) == -1) {
		snprintf(name, namelen, "?");
		snprintf(contact, contactlen, "?");
	}
}

int
panel_api_list(struct app *app, struct http_request *r)
{
	const struct http_auth *auth = http_request_auth(r);
	struct filter f;
	struct rows rs;
	char detail[200];
	json_t *o, *list;
	size_t i;

	if (app->participants == NULL)
		return http_reply_error(r, 404, "not_found", NULL,
		    "sign-ups are not offered here");
	if (rows_load(app, &rs) == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	if (!(auth->role & AUTH_ROLE_ADMIN)) {
		(void)store_audit_add(app->store, auth->user,
		    "participants counts viewed", "");
		o = json_pack("{s:o}", "counts", counts_json(app, &rs));
		rows_free(&rs);
		http_reply_header(r, "Cache-Control", "no-store");
		http_reply_json(r, o);
		return 200;
	}
	filter_read(r, &f);
	list = json_array();
	for (i = 0; i < rs.n; i++) {
		const struct store_participant *p = &rs.v[i];
		char id[17], name[PARTICIPANTS_NAME_MAX * 4 + 1];
		char contact[PARTICIPANTS_CONTACT_MAX];

		if (!filter_match(&f, p))
			continue;
		id_hex(p->id, id);
		name_of(app, p, name, sizeof(name), contact, sizeof(contact));
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,"
		    "s:o,s:o,s:o,s:I}", "id", id, "week", p->week, "name",
		    name, "kind", p->kind, "lang", p->lang, "ways",
		    id_array(p->ways), "topics", id_array(p->topics),
		    "languages", id_array(p->languages), "consent_version",
		    (json_int_t)p->consent_version));
		sodium_memzero(contact, sizeof(contact));
		sodium_memzero(name, sizeof(name));
	}
	filter_detail(&f, detail, sizeof(detail));
	(void)store_audit_add(app->store, auth->user, "participants viewed",
	    detail);
	o = json_pack("{s:o,s:o}", "participants", list, "counts",
	    counts_json(app, &rs));
	rows_free(&rs);
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_json(r, o);
	return 200;
}

int
panel_api_delete(struct app *app, struct http_request *r)
{
	const struct http_auth *auth = http_request_auth(r);
	const char *tail = http_request_tail(r), *slash;
	char detail[64];
	long long id;
	int rc;

	slash = strchr(tail, '/');
	if (slash == NULL || strcmp(slash, "/delete") != 0 ||
	    id_parse(tail, (size_t)(slash - tail), &id) == -1)
		return http_reply_error(r, 404, "not_found", NULL,
		    "there is nothing at this address");
	rc = store_participant_delete(app->store, id);
	if (rc == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	if (rc == 0)
		return http_reply_error(r, 404, "unknown_participant", NULL,
		    "there is no such sign-up (any more)");
	snprintf(detail, sizeof(detail), "sign-up %.16s erased", tail);
	(void)store_audit_add(app->store, auth->user, "participant deleted",
	    detail);
	/* From the page's form: back to the list. */
	if (http_request_form(r, "csrf") != NULL) {
		http_reply_header(r, "Location", "/admin/participants");
		return http_reply_error(r, 303, "see_other", NULL,
		    "the sign-up is erased");
	}
	http_reply_json(r, json_pack("{s:b}", "deleted", 1));
	return 200;
}

/* A CSV cell: quoted; a name that a spreadsheet would run is defused. */
static void
csv_cell(struct buf *b, const char *s, int text)
{
	buf_putc(b, '"');
	if (text && (*s == '=' || *s == '+' || *s == '-' || *s == '@' ||
	    *s == '\t' || *s == '\r'))
		buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

int
panel_export_csv(struct app *app, struct http_request *r)
{
	const struct http_auth *auth = http_request_auth(r);
	struct filter f;
	struct rows rs;
	struct buf b;
	char detail[240], *csv;
	size_t i, len, n = 0;

	if (app->participants == NULL)
		return http_reply_error(r, 404, "not_found", NULL,
		    "sign-ups are not offered here");
	if (rows_load(app, &rs) == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	filter_read(r, &f);
	buf_init(&b, 8 * 1024 * 1024);
	buf_puts(&b, "id,week,name,kind,contact,ways,topics,languages,lang,"
	    "consent_version\r\n");
	for (i = 0; i < rs.n; i++) {
		const struct store_participant *p = &rs.v[i];
		char id[17], name[PARTICIPANTS_NAME_MAX * 4 + 1];
		char contact[PARTICIPANTS_CONTACT_MAX];

		if (!filter_match(&f, p))
			continue;
		id_hex(p->id, id);
		name_of(app, p, name, sizeof(name), contact, sizeof(contact));
		buf_printf(&b, "%s,%s,", id, p->week);
		csv_cell(&b, name, 1);
		buf_printf(&b, ",%s,", p->kind);
		csv_cell(&b, contact, 1);
		buf_putc(&b, ',');
		csv_cell(&b, p->ways, 0);
		buf_putc(&b, ',');
		csv_cell(&b, p->topics, 0);
		buf_putc(&b, ',');
		csv_cell(&b, p->languages, 0);
		buf_printf(&b, ",%s,%lld\r\n", p->lang, p->consent_version);
		sodium_memzero(contact, sizeof(contact));
		sodium_memzero(name, sizeof(name));
		n++;
	}
	rows_free(&rs);
	if (buf_failed(&b)) {
		sodium_memzero(b.data, b.cap);
		buf_free(&b);
		return http_reply_error(r, 500, "internal", NULL,
		    "the export is too large");
	}
	filter_detail(&f, detail, sizeof(detail));
	snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
	    " rows=%zu (with contact details)", n);
	(void)store_audit_add(app->store, auth->user, "participants exported",
	    detail);
	csv = buf_release(&b, &len);
	http_reply_header(r, "Content-Disposition",
	    "attachment; filename=\"meedenkers.csv\"");
	http_reply_header(r, "Cache-Control", "no-store");
	http_reply_text(r, "text/csv; charset=utf-8", csv, len);
	return 200;
}


/* The top and bottom of the team's page, as admin.c draws them. */
static void
page_top(struct buf *b, const char *title, const struct http_auth *auth)
{
	buf_puts(b, "<!doctype html><html lang=\"nl\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>");
	buf_html(b, title);
	buf_puts(b, " – Klankbord</title><link rel=\"stylesheet\" "
	    "href=\"/admin/admin.css\"></head><body><header>"
	    "<strong>Klankbord</strong><nav><a href=\"/admin/\">Overzicht</a>"
	    " · <a href=\"/admin/participants\">Meedenkers</a></nav>"
	    "<span class=\"who\">");
	buf_html(b, auth->user);
	buf_puts(b, "</span><form method=\"post\" action=\"/admin/logout\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"");
	buf_html(b, auth->csrf);
	buf_puts(b, "\"><button type=\"submit\">Uitloggen</button></form>"
	    "</header><main><h1>");
	buf_html(b, title);
	buf_puts(b, "</h1>");
}

static void
count_cell(struct buf *b, json_t *v, unsigned k)
{
	if (json_is_integer(v))
		buf_printf(b, "%lld", (long long)json_integer_value(v));
	else
		buf_printf(b, "minder dan %u", k);
}

static void
counts_table(struct app *app, struct buf *b, json_t *counts)
{
	const struct participants_consent *c =
	    participants_consent_of(app->participants);
	const char *lists[2] = { "ways", "topics" };
	const char *heads[2] = { "Manier van meedoen", "Onderwerp" };
	size_t l;

	buf_printf(b, "<p>Aantallen onder %u worden niet getoond, zodat "
	    "niemand te herkennen is.</p><p>Totaal: ", app->anonymity_k);
	count_cell(b, json_object_get(counts, "total"), app->anonymity_k);
	buf_puts(b, "</p>");
	for (l = 0; l < 2; l++) {
		json_t *m = json_object_get(counts, lists[l]), *v;
		const char *id;

		buf_puts(b, "<table><thead><tr><th scope=\"col\">");
		buf_html(b, heads[l]);
		buf_puts(b, "</th><th scope=\"col\">Aantal</th></tr></thead>"
		    "<tbody>");
		json_object_foreach(m, id, v) {
			buf_puts(b, "<tr><td>");
			buf_html(b, participants_label(c, lists[l], id, "nl"));
			buf_puts(b, "</td><td>");
			count_cell(b, v, app->anonymity_k);
			buf_puts(b, "</td></tr>");
		}
		buf_puts(b, "</tbody></table>");
	}
}

static void
select_filter(struct buf *b, const struct participants_consent *c,
    const char *name, const char *label, const char *list,
    const char *current)
{
	const char *ids[PANEL_LIST_MAX];
	size_t i, n = participants_ids(c, list, ids, PANEL_LIST_MAX);

	buf_printf(b, "<label>%s <select name=\"%s\"><option value=\"\">"
	    "alle</option>", label, name);
	for (i = 0; i < n; i++) {
		buf_puts(b, "<option value=\"");
		buf_html(b, ids[i]);
		buf_puts(b, "\"");
		if (current != NULL && strcmp(current, ids[i]) == 0)
			buf_puts(b, " selected");
		buf_puts(b, ">");
		buf_html(b, participants_label(c, list, ids[i], "nl"));
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></label>");
}

static void
admin_list(struct app *app, struct http_request *r, struct buf *b,
    const struct rows *rs, const struct filter *f)
{
	const struct participants_consent *c =
	    participants_consent_of(app->participants);
	const struct http_auth *auth = http_request_auth(r);
	size_t i, shown = 0;

	buf_puts(b, "<form class=\"filters\" method=\"get\" "
	    "action=\"/admin/participants\">");
	select_filter(b, c, "way", "Manier", "ways", f->way);
	select_filter(b, c, "topic", "Onderwerp", "topics", f->topic);
	select_filter(b, c, "language", "Taal", "spoken", f->language);
	buf_puts(b, "<label>Contact <select name=\"kind\"><option value=\"\">"
	    "alle</option><option value=\"sms\"");
	if (f->kind != NULL && strcmp(f->kind, "sms") == 0)
		buf_puts(b, " selected");
	buf_puts(b, ">SMS</option><option value=\"email\"");
	if (f->kind != NULL && strcmp(f->kind, "email") == 0)
		buf_puts(b, " selected");
	buf_puts(b, ">e-mail</option></select></label><button "
	    "type=\"submit\">Filteren</button></form>");
	buf_puts(b, "<p class=\"exports\"><a href=\"/admin/participants.csv?");
	buf_printf(b, "way=%s&amp;topic=%s&amp;language=%s&amp;kind=%s",
	    f->way && ident_valid(f->way, 32, "-") ? f->way : "",
	    f->topic && ident_valid(f->topic, 32, "-") ? f->topic : "",
	    f->language && ident_valid(f->language, 8, "-") ? f->language : "",
	    f->kind && ident_valid(f->kind, 8, "") ? f->kind : "");
	buf_puts(b, "\">Exporteren als CSV (met contactgegevens; wordt "
	    "vastgelegd in het logboek)</a></p>");
	buf_puts(b, "<form method=\"post\" action=\"/admin/participants/"
	    "message\" id=\"message-form\"><input type=\"hidden\" "
	    "name=\"csrf\" value=\"");
	buf_html(b, auth->csrf);
	buf_puts(b, "\"></form><table><thead><tr><th scope=\"col\">Kies</th>"
	    "<th scope=\"col\">Naam</th><th scope=\"col\">Week</th>"
	    "<th scope=\"col\">Contact via</th><th scope=\"col\">Manieren</th>"
	    "<th scope=\"col\">Onderwerpen</th><th scope=\"col\">Talen</th>"
	    "<th scope=\"col\">Verwijderen</th></tr></thead><tbody>");
	for (i = 0; i < rs->n; i++) {
		const struct store_participant *p = &rs->v[i];
		char id[17], name[PARTICIPANTS_NAME_MAX * 4 + 1];
		char contact[PARTICIPANTS_CONTACT_MAX];

		if (!filter_match(f, p))
			continue;
		shown++;
		id_hex(p->id, id);
		name_of(app, p, name, sizeof(name), contact, sizeof(contact));
		sodium_memzero(contact, sizeof(contact));
		buf_printf(b, "<tr><td><input type=\"checkbox\" "
		    "form=\"message-form\" name=\"p_%s\" value=\"1\" "
		    "id=\"p_%s\" aria-label=\"Kies ", id, id);
		buf_html(b, name);
		buf_printf(b, "\"></td><td><label for=\"p_%s\">", id);
		buf_html(b, name);
		buf_puts(b, "</label></td><td>");
		buf_html(b, p->week);
		buf_puts(b, "</td><td>");
		buf_puts(b, strcmp(p->kind, "sms") == 0 ? "SMS" : "e-mail");
		buf_puts(b, "</td><td>");
		labels(c, "ways", p->ways, b);
		buf_puts(b, "</td><td>");
		labels(c, "topics", p->topics, b);
		buf_puts(b, "</td><td>");
		labels(c, "spoken", p->languages, b);
		buf_printf(b, "</td><td><form method=\"post\" action=\""
		    "/admin/api/participants/%s/delete\"><input type=\"hidden\" "
		    "name=\"csrf\" value=\"", id);
		buf_html(b, auth->csrf);
		buf_puts(b, "\"><button type=\"submit\" aria-label=\"Nu "
		    "verwijderen: ");
		buf_html(b, name);
		buf_puts(b, "\">Nu verwijderen</button></form></td></tr>");
		sodium_memzero(name, sizeof(name));
	}
	buf_puts(b, "</tbody></table>");
	buf_printf(b, "<p>%zu van de %zu aanmeldingen getoond.</p>", shown,
	    rs->n);
	{
		int waiting = store_panel_pending(app->store);

		if (waiting > 0)
			buf_printf(b, "<p class=\"notice\">%d SMS-berichten "
			    "wachten op de SMS-dienst.</p>", waiting);
	}
	buf_printf(b, "<h2>Bericht aan de gekozen meedenkers</h2><p>Kort, "
	    "zonder namen: ten hoogste %d tekens. Elk bericht krijgt een "
	    "link waarmee de meedenker zich meteen afmeldt.</p>"
	    "<label for=\"text\">Bericht</label><textarea id=\"text\" "
	    "name=\"text\" form=\"message-form\" rows=\"3\" cols=\"60\" "
	    "maxlength=\"%d\" required></textarea><p><input "
	    "type=\"checkbox\" id=\"renew\" name=\"renew\" value=\"1\" "
	    "form=\"message-form\"> <label for=\"renew\" style=\"display:"
	    "inline\">Met een link om de aanmelding te verlengen (e-mail)"
	    "</label></p><p><button type=\"submit\" "
	    "form=\"message-form\">Bericht klaarzetten</button></p>",
	    PANEL_MESSAGE_MAX, PANEL_MESSAGE_MAX);
}

int
panel_page(struct app *app, struct http_request *r)
{
	const struct http_auth *auth = http_request_auth(r);
	struct filter f;
	struct rows rs;
	struct buf b;
	char detail[200];
	json_t *counts;

	if (app->participants == NULL)
		return http_reply_error(r, 404, "not_found", NULL,
		    "sign-ups are not offered here");
	if (rows_load(app, &rs) == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	buf_init(&b, PANEL_PAGE_MAX);
	page_top(&b, "Meedenkers", auth);
	buf_printf(&b, "<p>Ouders en jongeren die zich hebben aangemeld om "
	    "mee te denken. Deze aanmelding staat los van de antwoorden: "
	    "niets koppelt een meedenker aan een antwoord. Een aanmelding "
	    "verloopt na %u maanden.</p>",
	    participants_keep_months(app->participants));
	counts = counts_json(app, &rs);
	if (!(auth->role & AUTH_ROLE_ADMIN)) {
		counts_table(app, &b, counts);
		(void)store_audit_add(app->store, auth->user,
		    "participants counts viewed", "");
	} else {
		filter_read(r, &f);
		admin_list(app, r, &b, &rs, &f);
		buf_puts(&b, "<h2>Aantallen</h2>");
		counts_table(app, &b, counts);
		filter_detail(&f, detail, sizeof(detail));
		(void)store_audit_add(app->store, auth->user,
		    "participants viewed", detail);
	}
	json_decref(counts);
	rows_free(&rs);
	return admin_page_end(r, &b, 200);
}

/*
 * Writes to the chosen volunteers.  Each message is the admin's text and
 * the volunteer's own withdraw link.  E-mail addresses are listed, each
 * with its message, for the admin to send by hand.  SMS messages are
 * queued in the outbox, which participants_outbox_drain hands to the SMS
 * sender.
 */
int
panel_message(struct app *app, struct http_request *r)
{
	const struct http_auth *auth = http_request_auth(r);
	const struct participants_keys *keys;
	const char *text = http_request_form(r, "text");
	int renew = http_request_form(r, "renew") != NULL;
	struct rows rs;
	struct buf b, msg;
	char detail[160];
	size_t i, emails = 0, sms = 0, blocked = 0;
	int failed = 0;
	long chars;

	if (app->participants == NULL)
		return http_reply_error(r, 404, "not_found", NULL,
		    "sign-ups are not offered here");
	chars = text ? utf8_length(text, strlen(text)) : -1;
	if (chars < 1 || chars > PANEL_MESSAGE_MAX)
		return http_reply_error(r, 422, "invalid", "text", "write a "
		    "message of 1 to 100 characters");
	if (phone_gsm7_length(text) < 0)
		return http_reply_error(r, 422, "invalid", "text", "use only "
		    "letters an SMS can carry (no emoji)");
	/* With its withdraw link (of fixed length) it must fit one SMS. */
	buf_init(&msg, 4096);
	if (participants_sms_text(app->base_url, text, "00000000000000000",
	    NULL, "nl", &msg) == -1) {
		buf_free(&msg);
		return http_reply_error(r, 422, "too_long", "text", "with its "
		    "links the message is longer than one SMS; shorten it");
	}
	buf_free(&msg);
	if (rows_load(app, &rs) == -1)
		return http_reply_error(r, 503, "unavailable", NULL,
		    "the database is not available");
	keys = participants_keys_of(app->participants);
	buf_init(&b, PANEL_PAGE_MAX);
	buf_init(&msg, 4096);
	page_top(&b, "Bericht aan meedenkers", auth);
	buf_puts(&b, "<h2>E-mail: zelf versturen</h2><p>Stuur elk adres dit "
	    "bericht, met de eigen afmeldlink erin. Zet de adressen in BCC of "
	    "stuur ze los: nooit in één zichtbare lijst.</p><ul "
	    "class=\"emails\">");
	for (i = 0; i < rs.n; i++) {
		const struct store_participant *p = &rs.v[i];
		char id[17], key[24], name[PARTICIPANTS_NAME_MAX * 4 + 1];
		char contact[PARTICIPANTS_CONTACT_MAX];
		char token[PARTICIPANTS_TOKEN_MAX];

		id_hex(p->id, id);
		snprintf(key, sizeof(key), "p_%s", id);
		if (http_request_form(r, key) == NULL)
			continue;
		/* A withdrawn contact is never written to again. */
		if (store_participant_blocked(app->store,
		    p->contact_hash) != 0) {
			blocked++;
			continue;
		}
		if (strcmp(p->kind, "sms") == 0) {
			if (store_panel_queue(app->store, p->id, text,
			    renew) == -1) {
				failed = 1;
				break;
			}
			sms++;
			continue;
		}
		name_of(app, p, name, sizeof(name), contact, sizeof(contact));
		participants_token(keys, 'w', p->token_nonce, token);
		buf_reset(&msg);
		buf_printf(&msg, "%s Afmelden: %s/w/%s", text, app->base_url,
		    token);
		/* A sign-up near its end can be kept by its own link. */
		if (renew) {
			participants_token(keys, 'r', p->token_nonce, token);
			buf_printf(&msg, " Blijven meedenken: %s/r/%s?lang=%s",
			    app->base_url, token, p->lang);
		}
		buf_puts(&b, "<li><strong>");
		buf_html(&b, contact);
		buf_puts(&b, "</strong><br>");
		buf_html(&b, buf_cstr(&msg));
		buf_puts(&b, "</li>");
		sodium_memzero(token, sizeof(token));
		sodium_memzero(contact, sizeof(contact));
		sodium_memzero(name, sizeof(name));
		emails++;
	}
	buf_puts(&b, "</ul>");
	if (sms > 0)
		participants_wake(app->participants);
	if (emails == 0)
		buf_puts(&b, "<p>Geen e-mailadressen gekozen.</p>");
	buf_puts(&b, "<h2>SMS</h2>");
	if (failed)
		buf_puts(&b, "<p class=\"error\" role=\"alert\">Niet alle "
		    "SMS-berichten konden worden klaargezet. Probeer het "
		    "opnieuw.</p>");
	if (sms > 0)
		buf_printf(&b, "<p class=\"notice\">%zu SMS-berichten "
		    "klaargezet, elk met een eigen afmeldlink. Ze gaan via de "
		    "SMS-dienst, niet in de stille uren.</p>", sms);
	else
		buf_puts(&b, "<p>Geen SMS-meedenkers gekozen.</p>");
	if (blocked > 0)
		buf_printf(&b, "<p>%zu hebben zich afgemeld en krijgen geen "
		    "bericht.</p>", blocked);
	buf_puts(&b, "<p><a href=\"/admin/participants\">Terug naar de "
	    "meedenkers</a></p>");
	snprintf(detail, sizeof(detail), "e-mail addresses listed=%zu, sms "
	    "queued=%zu, withdrawn skipped=%zu", emails, sms, blocked);
	(void)store_audit_add(app->store, auth->user, "participants message",
	    detail);
	sodium_memzero(msg.data, msg.cap);
	buf_free(&msg);
	rows_free(&rs);
	return admin_page_end(r, &b, 200);
}
