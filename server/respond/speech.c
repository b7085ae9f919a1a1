/*
 * speech.c — GET /api/speech?survey=ID&lang=LL&text=KEY: a survey text read
 * aloud by libespeak-ng and served as Opus in Ogg (libopusenc), so a kiosk
 * or phone without a voice for the language still hears the questions.
 * Only this file includes espeak-ng's and opusenc's headers.
 *
 * eSpeak NG keeps global state, so one mutex serialises synthesis; the
 * encoding runs outside it.  Each rendered clip is kept, keyed by a hash
 * of its voice and words, so a corrected translation makes a new clip and
 * an unchanged one costs a lookup (and a 304 with its ETag).
 */
#include <espeak-ng/speak_lib.h>
#include <opus/opusenc.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "i18n.h"
#include "log.h"
#include "util.h"

#define SPEECH_TEXT_MAX		4096
#define SPEECH_PCM_MAX		(22050 * 120)	/* two minutes at 22 kHz */
#define SPEECH_AUDIO_MAX	(1024 * 1024)
#define SPEECH_CACHE_MAX	(48 * 1024 * 1024)
#define SPEECH_BITRATE		24000
/* Renders at once: one, so a burst of new texts never ties up more than
 * one of the threads that take responses; the others get 503. */
#define SPEECH_BUSY_MAX		1
#define SPEECH_RATE_WPM		150
/* Speech at 24 kbit/s: complexity 2 sounds close to 10 in a third of the time. */
#define SPEECH_COMPLEXITY	2

struct clip {
	unsigned char		 key[16];
	char			*data;
	size_t			 len;
	struct http_blob	 blob;
	struct clip		*next;
};

static pthread_mutex_t synth_mtx = PTHREAD_MUTEX_INITIALIZER;
static int synth_rate;			/* 0: not started, -1: failed */
static short *pcm;			/* under synth_mtx */
static size_t pcm_len, pcm_cap;
static int pcm_full;

/* Clips are kept until exit: a reply in flight may still send one. */
static pthread_mutex_t cache_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct clip *cache;
static size_t cache_bytes;
static unsigned busy;			/* renders under way, atomic */

static int
synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	(void)ev;
	if (wav == NULL || n <= 0)
		return 0;
	if (pcm_len + (size_t)n > SPEECH_PCM_MAX) {
		pcm_full = 1;
		return 1;		/* stop */
	}
	if (pcm_len + (size_t)n > pcm_cap) {
		pcm_cap = (pcm_len + (size_t)n) * 2;
		pcm = xrealloc(pcm, pcm_cap * sizeof(*pcm));
	}
	memcpy(pcm + pcm_len, wav, (size_t)n * sizeof(*pcm));
	pcm_len += (size_t)n;
	return 0;
}

/*
 * Renders text in voice lang to 16-bit mono samples (caller frees *out).
 * Returns the sample rate, or -1 when eSpeak NG is missing or fails.
 */
static int
synthesize(const char *lang, const char *text, short **out, size_t *n)
{
	int rate = -1;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&synth_mtx);
	if (synth_rate == 0) {
		synth_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500,
		    NULL, espeakINITIALIZE_DONT_EXIT);
		if (synth_rate <= 0) {
			log_warnx("speech: eSpeak NG did not start (is "
			    "espeak-ng-data installed?)");
			synth_rate = -1;
		} else {
			espeak_SetSynthCallback(synth_cb);
		}
	}
	if (synth_rate < 0)
		goto out;
	if (espeak_SetVoiceByName(lang) != EE_OK) {
		log_warnx("speech: eSpeak NG has no voice '%s'", lang);
		goto out;
	}
	espeak_SetParameter(espeakRATE, SPEECH_RATE_WPM, 0);
	pcm_len = 0;
	pcm_full = 0;
	if (espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
	    espeakCHARS_UTF8, NULL, NULL) != EE_OK ||
	    espeak_Synchronize() != EE_OK || pcm_len == 0 || pcm_full)
		goto out;
	*out = xmalloc(pcm_len * sizeof(short));
	memcpy(*out, pcm, pcm_len * sizeof(short));
	*n = pcm_len;
	rate = synth_rate;
out:
	pthread_mutex_unlock(&synth_mtx);
	return rate;
}

static int
ogg_write(void *arg, const unsigned char *p, opus_int32 len)
{
	struct buf *b = arg;

	buf_append(b, p, (size_t)len);
	return buf_failed(b) ? 1 : 0;
}

static int
ogg_close(void *arg)
{
	(void)arg;
	return 0;
}

/* Encodes samples as Opus in Ogg.  Returns 0 with *out (caller frees). */
static int
encode(const short *samples, size_t n, int rate, char **out, size_t *len)
{
	OpusEncCallbacks cb = { ogg_write, ogg_close };
	OggOpusComments *com = NULL;
	OggOpusEnc *enc = NULL;
	struct buf b;
	int error = 0, rc = -1;

	buf_init(&b, SPEECH_AUDIO_MAX);
	com = ope_comments_create();
	if (com == NULL)
		goto out;
	ope_comments_add(com, "ENCODER", "klankbord");
	enc = ope_encoder_create_callbacks(&cb, &b, com, rate, 1, 0, &error);
	if (enc == NULL)
		goto out;
	if (ope_encoder_ctl(enc, OPUS_SET_BITRATE(SPEECH_BITRATE)) != OPE_OK ||
	    ope_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPE_OK ||
	    ope_encoder_ctl(enc, OPUS_SET_COMPLEXITY(SPEECH_COMPLEXITY)) !=
	    OPE_OK ||
	    ope_encoder_write(enc, samples, (int)n) != OPE_OK ||
	    ope_encoder_drain(enc) != OPE_OK || buf_failed(&b))
		goto out;
	*out = buf_release(&b, len);
	rc = 0;
out:
	if (enc != NULL)
		ope_encoder_destroy(enc);
	if (com != NULL)
		ope_comments_destroy(com);
	if (rc == -1)
		buf_free(&b);
	return rc;
}

static int
speech_render(const char *lang, const char *text, char **out, size_t *len)
{
	short *samples;
	size_t n;
	int rate, rc;

	rate = synthesize(lang, text, &samples, &n);
	if (rate < 0)
		return -1;
	rc = encode(samples, n, rate, out, len);
	free(samples);
	return rc;
}

/* ---- which words a key stands for ---- */

/* A survey text ({"nl": ...}) in lang, else in the survey's default. */
static const char *
localized(const struct survey *s, json_t *obj, const char *lang)
{
	const char *t = json_string_value(json_object_get(obj, lang));

	if (t == NULL)
		t = json_string_value(json_object_get(obj, s->languages[0]));
	return t;
}

/* Appends a sentence, with a full stop when it ends without one. */
static void
say(struct buf *b, const char *t)
{
	size_t n;

	if (t == NULL || *t == '\0')
		return;
	if (b->len > 0)
		buf_putc(b, ' ');
	buf_puts(b, t);
	n = strlen(t);
	if (strchr(".!?:…", t[n - 1]) == NULL)
		buf_putc(b, '.');
}

static void
say_fmt(struct buf *b, const char *t, const char *k1, long long v1,
    const char *k2, long long v2)
{
	struct buf o;
	char pat1[24], pat2[24];
	const char *p;

	if (t == NULL)
		return;
	snprintf(pat1, sizeof(pat1), "{%s}", k1);
	snprintf(pat2, sizeof(pat2), "{%s}", k2 ? k2 : "");
	buf_init(&o, SPEECH_TEXT_MAX);
	for (p = t; *p != '\0';) {
		if (strncmp(p, pat1, strlen(pat1)) == 0) {
			buf_printf(&o, "%lld", v1);
			p += strlen(pat1);
		} else if (k2 != NULL && strncmp(p, pat2, strlen(pat2)) == 0) {
			buf_printf(&o, "%lld", v2);
			p += strlen(pat2);
		} else {
			buf_putc(&o, *p++);
		}
	}
	say(b, buf_cstr(&o));
	buf_free(&o);
}

static void
help_words(struct buf *b, const struct i18n *i, const struct survey *s,
    const char *lang)
{
	say(b, i18n_text(i, lang, "helpTitle", 0));
	say(b, i18n_text(i, lang, "veiligThuis", 0));
	say(b, "0800-2000");
	say(b, i18n_text(i, lang, "veiligThuisText", 0));
	if (s->audience != SURVEY_AUDIENCE_PARENT) {
		say(b, i18n_text(i, lang, "kindertelefoon", 0));
		say(b, "0800-0432");
		say(b, i18n_text(i, lang, "kindertelefoonText", 0));
	}
	say(b, i18n_text(i, lang, "emergency", 0));
	say(b, i18n_text(i, lang, "emergencyText", 0));
}

/* The label of option opt of q, as the app shows it; NULL if none. */
static const char *
option_words(const struct i18n *i, const struct survey *s, json_t *qj,
    const struct survey_question *q, const char *opt, const char *lang,
    char *num, size_t numlen)
{
	long long v;
	size_t k;
	json_t *o;

	switch (q->type) {
	case SURVEY_Q_SMILEY: {
		int faces = json_integer_value(json_object_get(qj, "faces")) ==
		    4 ? 4 : 5;

		if (num_parse(opt, 1, faces, &v) == -1)
			return NULL;
		return i18n_text(i, lang, faces == 4 ? "faces4" : "faces5",
		    (size_t)(v - 1));
	}
	case SURVEY_Q_YESNO:
		if (strcmp(opt, "true") == 0)
			return i18n_text(i, lang, "yes", 0);
		if (strcmp(opt, "false") == 0)
			return i18n_text(i, lang, "no", 0);
		return NULL;
	case SURVEY_Q_GRADE:
	case SURVEY_Q_SCALE:
		if (num_parse(opt, q->type == SURVEY_Q_GRADE ? 1 : q->min,
		    q->type == SURVEY_Q_GRADE ? 10 : q->max, &v) == -1)
			return NULL;
		snprintf(num, numlen, "%lld", v);
		return num;
	case SURVEY_Q_CHOICE:
	case SURVEY_Q_MULTI:
		json_array_foreach(json_object_get(qj, "options"), k, o) {
			if (strcmp(json_string_value(json_object_get(o, "id")),
			    opt) == 0)
				return localized(s, json_object_get(o, "text"),
				    lang);
		}
		return NULL;
	case SURVEY_Q_TEXT:
		break;
	}
	return NULL;
}

/*
 * The words for key: intro, thanks, help, a question id (its text and
 * hint) or QUESTION.OPTION.  Returns 0, or -1 for an unknown key.
 */
static int
speech_words(const struct app *app, const struct survey *s, const char *lang,
    const char *key, struct buf *b)
{
	const struct i18n *i = survey_set_i18n(app->surveys);
	json_t *qs = json_object_get(s->def, "questions");
	const char *dot = strchr(key, '.');
	char qid[64], num[24];
	size_t k, n;

	if (strcmp(key, "intro") == 0) {
		say(b, localized(s, json_object_get(s->def, "title"), lang));
		say(b, localized(s, json_object_get(s->def, "intro"), lang));
		return 0;
	}
	if (strcmp(key, "thanks") == 0) {
		say(b, i18n_text(i, lang, "thanks", 0));
		say(b, localized(s, json_object_get(s->def, "thanks"), lang));
		return 0;
	}
	if (strcmp(key, "help") == 0) {
		help_words(b, i, s, lang);
		return 0;
	}
	n = dot ? (size_t)(dot - key) : strlen(key);
	if (n == 0 || n >= sizeof(qid))
		return -1;
	memcpy(qid, key, n);
	qid[n] = '\0';
	for (k = 0; k < s->nquestions; k++) {
		const struct survey_question *q = &s->questions[k];
		json_t *qj = json_array_get(qs, k);
		const char *hint;

		if (strcmp(q->id, qid) != 0)
			continue;
		if (dot != NULL) {
			const char *w = option_words(i, s, qj, q, dot + 1,
			    lang, num, sizeof(num));

			if (w == NULL)
				return -1;
			say(b, w);
			return 0;
		}
		say(b, localized(s, json_object_get(qj, "text"), lang));
		hint = localized(s, json_object_get(qj, "hint"), lang);
		if (hint != NULL)
			say(b, hint);
		else if (q->type == SURVEY_Q_MULTI)
			say(b, i18n_text(i, lang, "multiHint", 0));
		else if (q->type == SURVEY_Q_GRADE)
			say(b, i18n_text(i, lang, "gradeHint", 0));
		else if (q->type == SURVEY_Q_SCALE)
			say_fmt(b, i18n_text(i, lang, "scaleHint", 0), "min",
			    q->min, "max", q->max);
		return 0;
	}
	return -1;
}

/* ---- the route ---- */

static struct clip *
cache_find(const unsigned char key[16])
{
	struct clip *c;

	pthread_mutex_lock(&cache_mtx);
	for (c = cache; c != NULL; c = c->next)
		if (memcmp(c->key, key, 16) == 0)
			break;
	pthread_mutex_unlock(&cache_mtx);
	return c;
}

/* Keeps data (taken) under key; returns the clip to serve. */
static struct clip *
cache_add(const unsigned char key[16], char *data, size_t len)
{
	struct clip *c, *have;

	pthread_mutex_lock(&cache_mtx);
	for (have = cache; have != NULL; have = have->next)
		if (memcmp(have->key, key, 16) == 0)
			break;
	if (have != NULL || cache_bytes + len > SPEECH_CACHE_MAX) {
		pthread_mutex_unlock(&cache_mtx);
		if (have != NULL) {
			free(data);
			return have;
		}
		return NULL;		/* full: the caller serves a copy */
	}
	c = xcalloc(1, sizeof(*c));
	memcpy(c->key, key, 16);
	c->data = data;
	c->len = len;
	http_blob_init(&c->blob, data, len);
	c->next = cache;
	cache = c;
	cache_bytes += len;
	pthread_mutex_unlock(&cache_mtx);
	return c;
}

int
speech_get(struct app *app, struct http_request *r)
{
	const char *sid = http_request_query(r, "survey");
	const char *lang = http_request_query(r, "lang");
	const char *key = http_request_query(r, "text");
	const struct survey *s;
	struct clip *c;
	struct buf words;
	unsigned char h[16];
	char *audio;
	size_t off, len;
	int status;

	if (sid == NULL || lang == NULL || key == NULL)
		return http_reply_error(r, 400, "missing", sid == NULL ?
		    "survey" : lang == NULL ? "lang" : "text",
		    "survey, lang and text are all needed");
	s = survey_set_find(app->surveys, sid, 0);
	if (s == NULL)
		return http_reply_error(r, 404, "unknown_survey", "survey",
		    "there is no such survey");
	if (!survey_has_language(s, lang))
		return http_reply_error(r, 404, "unknown_language", "lang",
		    "the survey is not in that language");
	buf_init(&words, SPEECH_TEXT_MAX);
	buf_printf(&words, "%s\n", lang);	/* the voice is part of the key */
	off = words.len;
	if (speech_words(app, s, lang, key, &words) == -1) {
		buf_free(&words);
		return http_reply_error(r, 404, "unknown_text", "text",
		    "the survey has no such text");
	}
	if (buf_failed(&words) || words.len == off) {
		buf_free(&words);
		return http_reply_error(r, 404, "unknown_text", "text",
		    "there is nothing to read");
	}
	crypto_generichash(h, sizeof(h), (const unsigned char *)
	    buf_cstr(&words), words.len, NULL, 0);
	c = cache_find(h);
	if (c == NULL) {
		int rc = -1;

		if (__atomic_add_fetch(&busy, 1, __ATOMIC_SEQ_CST) <=
		    SPEECH_BUSY_MAX)
			rc = speech_render(lang, buf_cstr(&words) + off,
			    &audio, &len);
		__atomic_sub_fetch(&busy, 1, __ATOMIC_SEQ_CST);
		if (rc == -1) {
			buf_free(&words);
			http_reply_header(r, "Retry-After", "2");
			return http_reply_error(r, 503, "speech_unavailable",
			    NULL, "read-aloud is not available now");
		}
		c = cache_add(h, audio, len);
		if (c == NULL) {
			buf_free(&words);
			http_reply_text(r, "audio/ogg", audio, len);
			return 200;
		}
	}
	buf_free(&words);
	/* revalidated by ETag: a corrected text makes a new clip */
	http_reply_header(r, "Cache-Control", "public, max-age=3600");
	status = http_reply_blob(r, "audio/ogg", &c->blob);
	return status;
}
