/*
 * microdata.c — the anonymised microdata export.  Rows are read once
 * from the store, coarsened (week to quarter, free text dropped, answers
 * to codes), then every combination of quarter, location, channel and
 * language under K is moved to location "other" and, if still under K,
 * left out.  The writers: CSV with a codebook in a zip, and ReadStat's
 * SPSS and Stata writers.
 */
#include <readstat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <jansson.h>

#include "nl.h"
#include "app.h"
#include "microdata.h"
#include "publish.h"
#include "stats.h"
#include "store_export.h"
#include "store_team.h"
#include "util.h"

#define MD_OUT_MAX	((size_t)1 << 30)
#define MD_MISSING	INT32_MIN
#define MD_OTHER	(-1)
#define MD_NAME		33	/* Stata: 32 characters */
#define MD_LABEL	81	/* Stata: 80 bytes */

static const char *const md_channels[] = { "qr", "kiosk", "sms", "web" };
static const char *const faces5[] = { "Heel slecht", "Slecht", "Gaat wel",
	"Goed", "Heel goed" };
static const char *const faces4[] = { "Heel slecht", "Slecht", "Goed",
	"Heel goed" };

enum md_kind {
	MD_QUARTER, MD_LOCATION, MD_CHANNEL, MD_LANG, MD_VERSION,
	MD_NUMBER,	/* smiley, grade, scale */
	MD_YESNO,	/* 1 yes, 0 no */
	MD_CHOICE,	/* option number, from 1 */
	MD_TICK		/* one option of a multi question: 1 ticked, 0 not */
};

struct md_var {
	char				 name[MD_NAME];
	char				 label[MD_LABEL];
	enum md_kind			 kind;
	const struct survey_question	*q;
	size_t				 opt;
};

struct md_row {
	int		 quarter;	/* year * 10 + q */
	int		 loc;		/* location index, or MD_OTHER */
	int		 ch;
	int		 lang;		/* index in the survey's languages, -1 */
	int		 version;
	size_t		 vals;		/* first value in md.vals */
	int		 keep;
	int		 moved;		/* its location became "other" */
};

struct md {
	const struct survey_set	*set;
	const struct survey	*s;
	struct md_var		*vars;
	size_t			 nvars, nfixed;
	struct md_row		*rows;
	size_t			 nrows, caprows;
	int32_t			*vals;
	size_t			 nvals, capvals;
	char			 latest[8];	/* newest published month */
	struct microdata_counts	*counts;
};

int
microdata_format_parse(const char *s)
{
	if (s == NULL || strcmp(s, "csv") == 0)
		return MICRODATA_CSV;
	if (strcmp(s, "sav") == 0)
		return MICRODATA_SAV;
	if (strcmp(s, "dta") == 0)
		return MICRODATA_DTA;
	return -1;
}

const char *
microdata_format_ext(enum microdata_format f)
{
	return f == MICRODATA_SAV ? "sav" : f == MICRODATA_DTA ? "dta" : "zip";
}

const char *
microdata_format_type(enum microdata_format f)
{
	return f == MICRODATA_SAV ? "application/x-spss-sav" :
	    f == MICRODATA_DTA ? "application/x-stata-dta" : "application/zip";
}

/* Copies s into out (size n) cut at a UTF-8 character boundary. */
static void
copy_cut(char *out, size_t n, const char *s)
{
	size_t len = strlen(s);

	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, s, len);
	out[len] = '\0';
}

static json_t *
question_def(const struct survey *s, size_t i)
{
	return json_array_get(json_object_get(s->def, "questions"), i);
}

static const char *
option_text(const struct survey *s, size_t qi, size_t opt)
{
	json_t *o = json_array_get(json_object_get(question_def(s, qi),
	    "options"), opt);

	return nl_text(json_object_get(o, "text"));
}

static struct md_var *
var_add(struct md *m, const char *name, const char *label, enum md_kind kind)
{
	struct md_var *v;

	m->vars = xrealloc(m->vars, (m->nvars + 1) * sizeof(*m->vars));
	v = &m->vars[m->nvars++];
	memset(v, 0, sizeof(*v));
	copy_cut(v->name, sizeof(v->name), name);
	copy_cut(v->label, sizeof(v->label), label);
	v->kind = kind;
	return v;
}

static void
vars_setup(struct md *m)
{
	const struct survey *s = m->s;
	size_t i, k;

	var_add(m, "kwartaal", "Kwartaal van de reactie", MD_QUARTER);
	var_add(m, "locatie", "Locatie (other: kleine groepen samengevoegd)",
	    MD_LOCATION);
	var_add(m, "kanaal", "Kanaal (qr, kiosk, sms, web)", MD_CHANNEL);
	var_add(m, "taal", "Taal van de vragenlijst", MD_LANG);
	var_add(m, "versie", "Versie van de vragenlijst", MD_VERSION);
	m->nfixed = m->nvars;
	for (i = 0; i < s->nquestions; i++) {
		const struct survey_question *q = &s->questions[i];
		const char *label = nl_text(json_object_get(question_def(s, i),
		    "text"));
		struct md_var *v;

		switch (q->type) {
		case SURVEY_Q_TEXT:
			continue;	/* free text never leaves */
		case SURVEY_Q_MULTI:
			for (k = 0; k < q->noptions; k++) {
				char name[64], lab[512];

				snprintf(name, sizeof(name), "%.28s_%zu",
				    q->id, k + 1);
				snprintf(lab, sizeof(lab), "%s: %s", label,
				    option_text(s, i, k));
				v = var_add(m, name, lab, MD_TICK);
				v->q = q;
				v->opt = k;
			}
			continue;
		case SURVEY_Q_YESNO:
			v = var_add(m, q->id, label, MD_YESNO);
			break;
		case SURVEY_Q_CHOICE:
			v = var_add(m, q->id, label, MD_CHOICE);
			break;
		default:
			v = var_add(m, q->id, label, MD_NUMBER);
			break;
		}
		v->q = q;
	}
}

static int32_t
code_of(const struct md_var *v, json_t *answers)
{
	json_t *a = json_object_get(answers, v->q->id), *e;
	size_t i;

	if (a == NULL || json_is_null(a))
		return MD_MISSING;
	switch (v->kind) {
	case MD_NUMBER:
		if (!json_is_integer(a) || json_integer_value(a) < v->q->min ||
		    json_integer_value(a) > v->q->max)
			return MD_MISSING;
		return (int32_t)json_integer_value(a);
	case MD_YESNO:
		return json_is_boolean(a) ? json_is_true(a) : MD_MISSING;
	case MD_CHOICE:
		for (i = 0; json_is_string(a) && i < v->q->noptions; i++)
			if (strcmp(v->q->options[i], json_string_value(a)) == 0)
				return (int32_t)i + 1;
		return MD_MISSING;
	case MD_TICK:
		if (!json_is_array(a))
			return MD_MISSING;
		json_array_foreach(a, i, e)
			if (json_is_string(e) && strcmp(json_string_value(e),
			    v->q->options[v->opt]) == 0)
				return 1;
		return 0;
	default:
		break;
	}
	return MD_MISSING;
}

/*
 * Is quarter (year * 10 + q) closed?  When its last month is published,
 * by the same rule as every other figure (publish.h).
 */
static int
quarter_closed(const struct md *m, int quarter)
{
	char last[8];

	period_format(last, quarter / 10, 3 * (quarter % 10), '-');
	return strcmp(last, m->latest) <= 0;
}

static void
collect(long long version, const char *channel, const char *location,
    const char *lang, const char *week, const char *answers, void *arg)
{
	struct md *m = arg;
	struct md_row *r;
	json_t *a;
	char month[8];
	int y, mo;
	size_t i;

	m->counts->read++;
	if (stats_month_of_week(week, month) == -1 ||
	    sscanf(month, "%4d-%2d", &y, &mo) != 2)
		return;
	if (!quarter_closed(m, y * 10 + (mo - 1) / 3 + 1)) {
		m->counts->open++;
		return;
	}
	if (m->nrows == m->caprows) {
		m->caprows = m->caprows ? 2 * m->caprows : 1024;
		m->rows = xrealloc(m->rows, m->caprows * sizeof(*m->rows));
	}
	if (m->nvals + m->nvars >= m->capvals) {
		m->capvals = m->capvals ? 2 * m->capvals : 1024 * m->nvars;
		m->vals = xrealloc(m->vals, m->capvals * sizeof(*m->vals));
	}
	r = &m->rows[m->nrows++];
	memset(r, 0, sizeof(*r));
	r->quarter = y * 10 + (mo - 1) / 3 + 1;
	r->loc = MD_OTHER;
	for (i = 0; i < survey_set_location_count(m->set); i++)
		if (strcmp(survey_set_location_at(m->set, i)->id,
		    location) == 0)
			r->loc = (int)i;
	r->ch = -1;
	for (i = 0; i < KB_NELEM(md_channels); i++)
		if (strcmp(md_channels[i], channel) == 0)
			r->ch = (int)i;
	r->lang = -1;
	for (i = 0; i < m->s->nlanguages; i++)
		if (strcmp(m->s->languages[i], lang) == 0)
			r->lang = (int)i;
	r->version = (int)version;
	r->keep = 1;
	r->vals = m->nvals;
	a = json_loads(answers, 0, NULL);
	for (i = m->nfixed; i < m->nvars; i++)
		m->vals[m->nvals++] = a != NULL ? code_of(&m->vars[i], a) :
		    MD_MISSING;
	json_decref(a);
}

/* A row's combination of quarter, location, channel and language. */
struct md_key {
	int	quarter, loc, ch, lang;
	size_t	row;
};

static int
key_cmp(const void *pa, const void *pb)
{
	const struct md_key *a = pa, *b = pb;

	if (a->quarter != b->quarter)
		return a->quarter < b->quarter ? -1 : 1;
	if (a->loc != b->loc)
		return a->loc < b->loc ? -1 : 1;
	if (a->ch != b->ch)
		return a->ch < b->ch ? -1 : 1;
	if (a->lang != b->lang)
		return a->lang < b->lang ? -1 : 1;
	return 0;
}

/*
 * Applies f to every run of kept rows sharing quarter, location, channel
 * and language that holds fewer than k rows.
 */
static void
small_groups(struct md *m, long long k, void (*f)(struct md *, struct md_row *))
{
	struct md_key *keys = xcalloc(m->nrows + 1, sizeof(*keys));
	size_t n = 0, i, j, t;

	for (i = 0; i < m->nrows; i++) {
		const struct md_row *r = &m->rows[i];

		if (!r->keep)
			continue;
		keys[n].quarter = r->quarter;
		keys[n].loc = r->loc;
		keys[n].ch = r->ch;
		keys[n].lang = r->lang;
		keys[n++].row = i;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && key_cmp(&keys[i], &keys[j]) == 0; j++)
			;
		if ((long long)(j - i) >= k)
			continue;
		for (t = i; t < j; t++)
			f(m, &m->rows[keys[t].row]);
	}
	free(keys);
}

static void
generalise(struct md *m, struct md_row *r)
{
	(void)m;
	if (r->loc != MD_OTHER) {
		r->loc = MD_OTHER;
		r->moved = 1;
	}
}

static void
drop(struct md *m, struct md_row *r)
{
	r->keep = 0;
	m->counts->dropped++;
}

/* The text of a fixed variable of row r. */
static void
fixed_text(const struct md *m, const struct md_row *r, size_t i, char *out,
    size_t outlen)
{
	switch (m->vars[i].kind) {
	case MD_QUARTER:
		snprintf(out, outlen, "%d-Q%d", r->quarter / 10, r->quarter % 10);
		break;
	case MD_LOCATION:
		snprintf(out, outlen, "%s", r->loc == MD_OTHER ? "other" :
		    survey_set_location_at(m->set, (size_t)r->loc)->id);
		break;
	case MD_CHANNEL:
		snprintf(out, outlen, "%s", r->ch < 0 ? "other" :
		    md_channels[r->ch]);
		break;
	case MD_LANG:
		snprintf(out, outlen, "%s", r->lang < 0 ? "other" :
		    m->s->languages[r->lang]);
		break;
	default:
		snprintf(out, outlen, "%d", r->version);
		break;
	}
}

/* The value labels of a variable, in order: n pairs of code and text. */
static size_t
value_labels(const struct md *m, const struct md_var *v, int32_t *codes,
    const char **texts, size_t max)
{
	size_t i, n = 0, qi;

	switch (v->kind) {
	case MD_YESNO:
		codes[0] = 0;
		texts[0] = "Nee";
		codes[1] = 1;
		texts[1] = "Ja";
		return 2;
	case MD_TICK:
		codes[0] = 0;
		texts[0] = "Niet aangevinkt";
		codes[1] = 1;
		texts[1] = "Aangevinkt";
		return 2;
	case MD_CHOICE:
		qi = (size_t)(v->q - m->s->questions);
		for (i = 0; i < v->q->noptions && n < max; i++, n++) {
			codes[n] = (int32_t)i + 1;
			texts[n] = option_text(m->s, qi, i);
		}
		return n;
	case MD_NUMBER:
		if (v->q->type != SURVEY_Q_SMILEY)
			return 0;
		for (i = 0; i < (size_t)v->q->max && n < max; i++, n++) {
			codes[n] = (int32_t)i + 1;
			texts[n] = v->q->max == 4 ? faces4[i] : faces5[i];
		}
		return n;
	default:
		break;
	}
	return 0;
}

static void
csv_text(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

static void
write_csv(const struct md *m, struct buf *data, struct buf *book)
{
	int32_t codes[64];
	const char *texts[64];
	char t[64];
	size_t i, j, n;

	for (i = 0; i < m->nvars; i++) {
		if (i > 0)
			buf_putc(data, ',');
		buf_puts(data, m->vars[i].name);
	}
	buf_puts(data, "\r\n");
	for (j = 0; j < m->nrows; j++) {
		const struct md_row *r = &m->rows[j];

		if (!r->keep)
			continue;
		for (i = 0; i < m->nvars; i++) {
			if (i > 0)
				buf_putc(data, ',');
			if (i < m->nfixed) {
				fixed_text(m, r, i, t, sizeof(t));
				if (m->vars[i].kind == MD_VERSION)
					buf_puts(data, t);
				else
					csv_text(data, t);
			} else if (m->vals[r->vals + i - m->nfixed] !=
			    MD_MISSING) {
				buf_printf(data, "%d",
				    (int)m->vals[r->vals + i - m->nfixed]);
			}
		}
		buf_puts(data, "\r\n");
	}
	buf_puts(book, "variable,type,label,values\r\n");
	for (i = 0; i < m->nvars; i++) {
		const struct md_var *v = &m->vars[i];

		buf_puts(book, v->name);
		buf_puts(book, i < m->nfixed && v->kind != MD_VERSION ?
		    ",string," : ",number,");
		csv_text(book, v->label);
		buf_putc(book, ',');
		n = value_labels(m, v, codes, texts, KB_NELEM(codes));
		if (n > 0) {
			struct buf vl;

			buf_init(&vl, 64 * 1024);
			for (j = 0; j < n; j++)
				buf_printf(&vl, "%s%d = %s", j ? "; " : "",
				    (int)codes[j], texts[j]);
			csv_text(book, buf_cstr(&vl));
			buf_free(&vl);
		} else if (v->kind == MD_NUMBER) {
			buf_printf(book, "\"%lld..%lld\"", v->q->min,
			    v->q->max);
		}
		buf_puts(book, "\r\n");
	}
	buf_puts(book, "# empty: not answered or not asked; rows: released "
	    "responses of closed quarters; free text left out\r\n");
}

static void
le16(struct buf *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	buf_append(b, c, 2);
}

static void
le32(struct buf *b, unsigned long v)
{
	unsigned char c[4] = { (unsigned char)v, (unsigned char)(v >> 8),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	buf_append(b, c, 4);
}

/* A zip with files stored as they are (method 0). */
static void
write_zip(struct buf *out, const char *const *names, struct buf *const *files,
    size_t n)
{
	unsigned long crc[8], off[8];
	size_t i, cd, cd_end;

	for (i = 0; i < n && i < 8; i++) {
		crc[i] = crc32(crc32(0L, Z_NULL, 0),
		    (const Bytef *)files[i]->data, (uInt)files[i]->len);
		off[i] = (unsigned long)out->len;
		le32(out, 0x04034b50UL);
		le16(out, 20);
		le16(out, 0x0800);	/* names are UTF-8 */
		le16(out, 0);
		le16(out, 0);		/* 00:00 */
		le16(out, 0x21);	/* 1980-01-01: no time of export */
		le32(out, crc[i]);
		le32(out, (unsigned long)files[i]->len);
		le32(out, (unsigned long)files[i]->len);
		le16(out, (unsigned)strlen(names[i]));
		le16(out, 0);
		buf_puts(out, names[i]);
		buf_append(out, files[i]->data, files[i]->len);
	}
	cd = out->len;
	for (i = 0; i < n && i < 8; i++) {
		le32(out, 0x02014b50UL);
		le16(out, 20);
		le16(out, 20);
		le16(out, 0x0800);
		le16(out, 0);
		le16(out, 0);
		le16(out, 0x21);
		le32(out, crc[i]);
		le32(out, (unsigned long)files[i]->len);
		le32(out, (unsigned long)files[i]->len);
		le16(out, (unsigned)strlen(names[i]));
		le16(out, 0);
		le16(out, 0);
		le16(out, 0);
		le16(out, 0);
		le32(out, 0);
		le32(out, off[i]);
		buf_puts(out, names[i]);
	}
	cd_end = out->len;
	le32(out, 0x06054b50UL);
	le16(out, 0);
	le16(out, 0);
	le16(out, (unsigned)n);
	le16(out, (unsigned)n);
	le32(out, (unsigned long)(cd_end - cd));
	le32(out, (unsigned long)cd);
	le16(out, 0);
}

static ssize_t
rs_write(const void *data, size_t len, void *ctx)
{
	struct buf *b = ctx;

	buf_append(b, data, len);
	return buf_failed(b) ? -1 : (ssize_t)len;
}

static int
write_readstat(const struct md *m, enum microdata_format fmt, struct buf *out,
    char *err, size_t errlen)
{
	readstat_writer_t *w = readstat_writer_init();
	readstat_variable_t **rv = xcalloc(m->nvars + 1, sizeof(*rv));
	readstat_error_t e = READSTAT_OK;
	int32_t codes[64];
	const char *texts[64];
	char t[64], title[128];
	long kept = 0;
	size_t i, j, n;
	int rc = -1;

	for (j = 0; j < m->nrows; j++)
		kept += m->rows[j].keep;
	readstat_set_data_writer(w, rs_write);
	snprintf(title, sizeof(title), "Klankbord microdata %s", m->s->id);
	readstat_writer_set_file_label(w, title);
	for (i = 0; i < m->nvars; i++) {
		const struct md_var *v = &m->vars[i];
		static const size_t widths[] = { 7, 48, 5, 3 };

		if (i < m->nfixed && v->kind != MD_VERSION) {
			rv[i] = readstat_add_variable(w, v->name,
			    READSTAT_TYPE_STRING, widths[v->kind]);
		} else {
			rv[i] = readstat_add_variable(w, v->name,
			    READSTAT_TYPE_INT32, 0);
		}
		readstat_variable_set_label(rv[i], v->label);
		n = value_labels(m, v, codes, texts, KB_NELEM(codes));
		if (n > 0) {
			char lname[MD_NAME];
			readstat_label_set_t *ls;

			snprintf(lname, sizeof(lname), "l_%.29s", v->name);
			ls = readstat_add_label_set(w, READSTAT_TYPE_INT32,
			    lname);
			for (j = 0; j < n; j++)
				readstat_label_int32_value(ls, codes[j],
				    texts[j]);
			readstat_variable_set_label_set(rv[i], ls);
		}
		readstat_variable_set_measure(rv[i], v->kind == MD_NUMBER &&
		    v->q->type != SURVEY_Q_SMILEY ? READSTAT_MEASURE_SCALE :
		    v->kind == MD_NUMBER ? READSTAT_MEASURE_ORDINAL :
		    READSTAT_MEASURE_NOMINAL);
	}
	e = fmt == MICRODATA_SAV ? readstat_begin_writing_sav(w, out, kept) :
	    readstat_begin_writing_dta(w, out, kept);
	for (j = 0; e == READSTAT_OK && j < m->nrows; j++) {
		const struct md_row *r = &m->rows[j];

		if (!r->keep)
			continue;
		e = readstat_begin_row(w);
		for (i = 0; e == READSTAT_OK && i < m->nvars; i++) {
			int32_t v;

			if (i < m->nfixed) {
				fixed_text(m, r, i, t, sizeof(t));
				e = m->vars[i].kind == MD_VERSION ?
				    readstat_insert_int32_value(w, rv[i],
				    r->version) :
				    readstat_insert_string_value(w, rv[i], t);
				continue;
			}
			v = m->vals[r->vals + i - m->nfixed];
			e = v == MD_MISSING ?
			    readstat_insert_missing_value(w, rv[i]) :
			    readstat_insert_int32_value(w, rv[i], v);
		}
		if (e == READSTAT_OK)
			e = readstat_end_row(w);
	}
	if (e == READSTAT_OK)
		e = readstat_end_writing(w);
	if (e != READSTAT_OK)
		snprintf(err, errlen, "writing the file failed: %s",
		    readstat_error_message(e));
	else
		rc = 0;
	readstat_writer_free(w);
	free(rv);
	return rc;
}

int
microdata_build(struct store *st, const struct survey_set *set,
    const char *survey, long long k, enum microdata_format fmt, time_t now,
    int lag_days, char **out, size_t *outlen,
    struct microdata_counts *counts, char *err, size_t errlen)
{
	struct md m;
	struct buf b, data, book;
	size_t j;
	int rc = 503;

	*out = NULL;
	*outlen = 0;
	memset(counts, 0, sizeof(*counts));
	memset(&m, 0, sizeof(m));
	buf_init(&b, MD_OUT_MAX);
	buf_init(&data, MD_OUT_MAX);
	buf_init(&book, 1024 * 1024);
	m.set = set;
	m.s = survey != NULL ? survey_set_find(set, survey, 0) : NULL;
	if (m.s == NULL) {
		snprintf(err, errlen, "there is no survey '%s'",
		    survey ? survey : "");
		rc = 404;
		goto out;
	}
	if (m.s->k > k)
		k = m.s->k;
	publish_latest_month(now, lag_days, m.latest);
	m.counts = counts;
	vars_setup(&m);
	if (store_export_responses(st, m.s->id, collect, &m) == -1) {
		snprintf(err, errlen, "the database could not be read");
		goto out;
	}
	small_groups(&m, k, generalise);
	small_groups(&m, k, drop);
	for (j = 0; j < m.nrows; j++) {
		counts->rows += m.rows[j].keep;
		counts->generalised += m.rows[j].keep && m.rows[j].moved;
	}
	rc = 500;
	if (fmt == MICRODATA_CSV) {
		static const char *const names[] = { "data.csv",
		    "codebook.csv" };
		struct buf *files[2];

		files[0] = &data;
		files[1] = &book;
		write_csv(&m, &data, &book);
		if (buf_failed(&data) || buf_failed(&book)) {
			snprintf(err, errlen, "the export is too large");
			goto out;
		}
		write_zip(&b, names, files, 2);
	} else if (write_readstat(&m, fmt, &b, err, errlen) == -1) {
		goto out;
	}
	if (buf_failed(&b)) {
		snprintf(err, errlen, "the export is too large");
		goto out;
	}
	*out = buf_release(&b, outlen);
	rc = 0;
out:
	buf_free(&b);
	buf_free(&data);
	buf_free(&book);
	free(m.vars);
	free(m.rows);
	free(m.vals);
	return rc;
}

/*
 * GET /admin/export/microdata?survey=ID&format=csv|sav|dta (admin): every
 * download is written to the audit log with what it held.
 */
int
admin_export_microdata(struct app *app, struct http_request *r)
{
	const char *survey = http_request_query(r, "survey");
	const char *fs = http_request_query(r, "format");
	struct microdata_counts c;
	char err[256], disp[160], detail[256], *data;
	size_t len;
	int fmt, rc;

	fmt = microdata_format_parse(fs);
	if (fmt < 0)
		return http_reply_error(r, 422, "invalid", "format",
		    "format is csv, sav or dta");
	if (survey == NULL || *survey == '\0')
		return http_reply_error(r, 422, "invalid", "survey",
		    "survey is required");
	/* A HEAD request sees no data: it is not an export. */
	if (strcmp(http_request_method(r), "HEAD") == 0) {
		http_reply_data(r, microdata_format_type(
		    (enum microdata_format)fmt), "", 0, 0);
		return 200;
	}
	rc = microdata_build(app->store, app->surveys, survey,
	    app->anonymity_k, (enum microdata_format)fmt, time(NULL),
	    app->publish_lag_days, &data, &len, &c, err, sizeof(err));
	if (rc != 0)
		return http_reply_error(r, rc, rc == 404 ? "not_found" :
		    rc == 503 ? "unavailable" : "internal", rc == 404 ?
		    "survey" : NULL, err);
	snprintf(detail, sizeof(detail), "survey=%.48s format=%s rows=%lld "
	    "other=%lld left_out=%lld", survey, fs != NULL ? fs : "csv",
	    c.rows, c.generalised, c.dropped + c.open);
	(void)store_audit_add(app->store, http_request_auth(r)->user,
	    "export microdata", detail);
	snprintf(disp, sizeof(disp), "attachment; filename=\"klankbord-%s-"
	    "microdata.%s\"", survey,
	    microdata_format_ext((enum microdata_format)fmt));
	http_reply_text(r, microdata_format_type((enum microdata_format)fmt),
	    data, len);
	http_reply_header(r, "Content-Disposition", disp);
	return 200;
}
