/*
 * options.c — the option table every subcommand shares, and the steps
 * they all take: parsing options, loading surveys, opening the store.
 */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include <termios.h>

#include "app.h"
#include "auth.h"
#include "config.h"
#include "dashboard.h"
#include "http.h"
#include "i18n.h"
#include "link.h"
#include "log.h"
#include "report.h"
#include "response.h"
#include "store.h"
#include "store_results.h"
#include "survey.h"
#include "util.h"
#include "cli.h"

const struct config_opt cli_options[] = {
	{ "config", 0, NULL, "read options from FILE (key = value lines)",
	    CMD_ALL },
	{ "bind", 0, "127.0.0.1", "address to listen on", CMD_SERVE },
	{ "port", 0, "8080", "port to listen on (0: any free port)",
	    CMD_SERVE },
	{ "db", 0, "data/klankbord.db", "the SQLite database file",
	    CMD_DATA },
	{ "surveys", 0, "surveys", "folder of survey definitions",
	    CMD_DATA | CMD_SURVEYS },
	{ "base-url", 0, "http://127.0.0.1:8080", "public address of this "
	    "server, used in links and QR codes", CMD_DATA },
	{ "role", 0, NULL, "admin, viewer or sender", CMD_USER | CMD_APIKEY },
	{ "survey", 0, NULL, "the survey id", CMD_QR | CMD_STATS |
	    CMD_INVITE },
	{ "by", 0, "none", "none, location or channel", CMD_STATS },
	{ "interval", 0, "month", "month, quarter or year", CMD_STATS },
	{ "from", 0, NULL, "first month, YYYY-MM", CMD_STATS },
	{ "to", 0, NULL, "last month, YYYY-MM", CMD_STATS },
	{ "stats-format", 0, "text", "text, json or csv", CMD_STATS },
	{ "location", 0, NULL, "the location id (locations.json)",
	    CMD_QR | CMD_INVITE },
	{ "lang", 0, NULL, "open the survey in this language",
	    CMD_QR | CMD_INVITE },
	{ "format", 0, "svg", "svg or png", CMD_QR },
	{ "size", 0, "600", "PNG width and height in pixels", CMD_QR },
	{ "poster", 0, NULL, "an A4 poster (SVG) instead of the bare code",
	    CMD_QR | CONFIG_BOOLEAN },
	{ "force", 0, NULL, "make the code even when --base-url is a "
	    "loopback or private address", CMD_QR | CONFIG_BOOLEAN },
	{ "output", 'o', NULL, "write to FILE instead of standard output",
	    CMD_QR },
	{ "web-dir", 0, "kiosk", "folder of the respondent app's files",
	    CMD_SERVE },
	{ "idle-seconds", 0, "60", "kiosk: seconds without a touch before "
	    "it starts over", CMD_SERVE },
	{ "sms-provider", 0, "none", "none|generic|twilio|cm|messagebird",
	    CMD_SMS },
	{ "sms-url", 0, NULL, "the SMS gateway's URL", CMD_SMS },
	{ "sms-sender", 0, "Klankbord", "sender name (at most 11 letters) or "
	    "number", CMD_SMS },
	{ "sms-key", 0, NULL, "the SMS gateway's secret (twilio: SID:TOKEN)",
	    CMD_SMS },
	{ "sms-callback-secret", 0, NULL, "shared secret of gateway callbacks",
	    CMD_SMS },
	{ "sms-quiet-hours", 0, "21:00-09:00", "no SMS in these hours, or off",
	    CMD_SMS },
	{ "sms-rate", 0, "20", "SMS per second at most", CMD_SMS },
	{ "sms-concurrency", 0, "16", "SMS requests at once", CMD_SMS },
	{ "sms-max-tries", 0, "8", "ignored: 429, 5xx and network errors are "
	    "retried until the link expires", CMD_SMS },
	{ "sms-timeout", 0, "15", "seconds one gateway request may take",
	    CMD_SMS },
	{ "sms-retry-base", 0, "30", "seconds before the first retry; each "
	    "next one waits twice as long, at most an hour", CMD_SMS },
	{ "sms-reminder-days", 0, "3", "days before the one reminder, 0: none",
	    CMD_SMS },
	{ "sms-expiry-days", 0, "14", "days an SMS link stays valid", CMD_SMS },
	{ "sms-template-nl", 0, NULL, "Dutch SMS text instead of the one in "
	    "sms-templates.json; {location} and {link} are put in", CMD_SMS },
	{ "sms-template-en", 0, NULL, "English SMS text instead of the one "
	    "in sms-templates.json", CMD_SMS },
	{ "sms-signing-key", 0, NULL, "key of the gateway's signatures "
	    "(twilio: the auth token, default the part of --sms-key after "
	    "':'; messagebird: the signing key)", CMD_SMS },
	{ "key-file", 0, NULL, "secret key for tokens and phone hashes "
	    "(default: the database file name + .key)", CMD_SMS },
	{ "phone", 0, NULL, "the number to invite", CMD_INVITE },
	{ "anonymity-k", 0, "5", "hide figures of groups under K responses "
	    "(at least 3)", CMD_SERVE | CMD_STATS },
	{ "rate-limit", 0, "30/min", "submissions per address, N/min, or off",
	    CMD_SERVE },
	{ "connections-per-address", 0, "0", "open connections one address may "
	    "hold; 0: 128, or no limit with --trusted-proxy", CMD_SERVE },
	{ "trusted-proxy", 0, NULL, "take the client address from "
	    "X-Forwarded-For when the peer is this address", CMD_SERVE },
	{ "threads", 0, NULL, "HTTP worker threads (default: the number of "
	    "cores)", CMD_SERVE },
	{ "publish-lag-days", 0, "1", "days after a period closes before its "
	    "figures are shown", CMD_SERVE | CMD_STATS },
	{ "release-at", 0, "03:00", "daily time at which the intake is "
	    "released into the counted responses", CMD_SERVE },
	{ "tls-cert", 0, NULL, "PEM certificate for HTTPS", CMD_SERVE },
	{ "tls-key", 0, NULL, "PEM private key for HTTPS", CMD_SERVE },
	{ "participants-key-file", 0, NULL, "secret key sealing volunteers' "
	    "names and contacts (default: the database file name + "
	    ".participants.key)", CMD_SERVE },
	{ "participants-keep-months", 0, "12", "months a volunteer's sign-up "
	    "is kept unless renewed", CMD_SERVE },
};

const size_t cli_noptions = KB_NELEM(cli_options);

int
parse_opts(unsigned cmd, const char *synopsis, int argc, char **argv,
    struct config **out)
{
	char err[512];

	if (config_parse(cli_options, cli_noptions, cmd, argc, argv, out,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: %s\n", err);
		return -1;
	}
	if (config_help_wanted(*out)) {
		config_usage(stdout, synopsis, cli_options, cli_noptions, cmd);
		config_free(*out);
		*out = NULL;
		return 1;
	}
	log_init(config_verbosity(*out));
	return 0;
}

int
load_surveys(const char *dir, struct survey_set **out)
{
	struct buf errors;
	int rc;

	buf_init(&errors, 1024 * 1024);
	rc = survey_set_load(dir, out, &errors);
	if (rc == 0 && i18n_find(survey_set_i18n(*out), "nl") == NULL) {
		buf_printf(&errors, "%s/i18n/nl.json:1:1: missing: the "
		    "interface texts of the respondent app\n", dir);
		survey_set_free(*out);
		*out = NULL;
		rc = -1;
	}
	if (rc == -1)
		fprintf(stderr, "%s", buf_cstr(&errors));
	buf_free(&errors);
	return rc;
}

/* Creates the folder the database lives in, one level, if missing. */
int
ensure_parent(const char *path)
{
	char *copy = xstrdup(path), *dir;
	int rc = 0;

	dir = dirname(copy);
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		log_warn("cannot create %s", dir);
		rc = -1;
	}
	free(copy);
	return rc;
}

int
open_store(struct config *c, struct store **st)
{
	char err[1024];

	if (ensure_parent(config_get(c, "db")) == -1)
		return -1;
	if (store_open(config_get(c, "db"), st, err, sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: %s\n", err);
		return -1;
	}
	return 0;
}

void
print_row(const char *const *cols, void *arg)
{
	int i, n = *(int *)arg;

	for (i = 0; i < n; i++)
		printf("%s%-*s", i ? "  " : "", i == n - 1 ? 0 : 20,
		    cols[i] ? cols[i] : "-");
	putchar('\n');
}

int
name_ok(const char *name)
{
	if (name != NULL && ident_valid(name, 63, "._@-"))
		return 1;
	fprintf(stderr, "klankbord: a name is 1 to 63 characters of a-z, "
	    "0-9, '.', '_', '@' and '-'\n");
	return 0;
}

int
cli_start(unsigned cmd, const char *synopsis, int min, int max, int argc,
    char **argv, struct config **out)
{
	int rc = parse_opts(cmd, synopsis, argc, argv, out);

	if (rc != 0)
		return rc == 1 ? 0 : 2;
	if (config_argc(*out) < min || config_argc(*out) > max) {
		fprintf(stderr, "usage: %s\n", synopsis);
		config_free(*out);
		*out = NULL;
		return 2;
	}
	return 0;
}

static int
archive_cb(const char *id, long long version, const char *def, void *arg)
{
	struct buf errors;
	int rc;

	buf_init(&errors, 64 * 1024);
	rc = survey_set_add_archived(arg, id, version, def, &errors);
	if (rc == -1)
		log_warnx("stored survey %s version %lld is unreadable: %s",
		    id, version, buf_cstr(&errors));
	buf_free(&errors);
	return 0;
}

int
rebuild_cb(struct store_response *r, void *arg)
{
	return response_rollup_row(arg, r);
}

/* Recounts the dashboard's rollups when they disagree with the rows. */
int
check_rollups(struct store *st, struct survey_set *set)
{
	struct timespec t0, t1;
	long long rows;

	if (store_rollup_check(st) == 1)
		return 0;
	log_info("rebuilding the dashboard's summaries from the responses");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (store_rollup_rebuild(st, rebuild_cb, set, &rows) == -1) {
		log_warnx("rebuilding the summaries failed");
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("summaries rebuilt from %lld responses in %.1f s", rows,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

/* Records each survey version; refuses changed questions under one. */
int
register_surveys(struct store *st, struct survey_set *set)
{
	char err[512];
	size_t i;

	for (i = 0; i < survey_set_count(set); i++) {
		const struct survey *s = survey_set_at(set, i);

		/* Versions stored before fingerprints covered only the
		 * structure hold the older fingerprint of every byte. */
		if (store_survey_version_check(st, s->id, s->version,
		    s->fingerprint, s->def_json, err, sizeof(err)) == -1 &&
		    store_survey_version_check(st, s->id, s->version,
		    s->fingerprint_legacy, s->def_json, err,
		    sizeof(err)) == -1) {
			log_warnx("%s", err);
			return -1;
		}
	}
	if (store_survey_versions_foreach(st, archive_cb, set) == -1) {
		log_warnx("cannot read the stored survey versions");
		return -1;
	}
	return 0;
}


void
opt_bad(const struct config *c, const char *name, const char *fmt, ...)
{
	char where[1024], what[512];
	va_list ap;

	config_origin(c, name, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_warnx("%s %s", where, what);
}

int
num_opt(struct config *c, const char *name, long long min, long long max,
    long long *out)
{
	if (num_parse(config_get(c, name), min, max, out) == 0)
		return 0;
	opt_bad(c, name, "must be a number from %lld to %lld", min, max);
	return -1;
}

/*
 * An SMS sender is a name of at most 11 characters (letters, digits and
 * spaces, as networks allow) or a number of at most 16 digits.
 */
static int
sender_check(const char *s)
{
	size_t n, digits = 0, i;

	if (s == NULL)
		return 0;
	n = strlen(s);
	for (i = s[0] == '+' ? 1 : 0; i < n && isdigit((unsigned char)s[i]);
	    i++)
		digits++;
	if (n > 0 && i == n && digits > 0) {
		if (digits <= 16)
			return 0;
		log_warnx("--sms-sender: a number has at most 16 digits");
		return -1;
	}
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != ' ')
			break;
	if (n == 0 || n > 11 || i < n) {
		log_warnx("--sms-sender: at most 11 letters, digits or spaces, "
		    "or a number of at most 16 digits");
		return -1;
	}
	return 0;
}

/*
 * An existing key file must be a regular file of exactly 32 bytes that are
 * not all zero (a file of zeros is a key anyone can guess).  A missing
 * one is made by invite_keys_load.
 */
static int
key_file_check(const char *path)
{
	unsigned char key[33], any = 0;
	char err[4200];
	size_t n, i;
	FILE *fp;

	if (access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	fp = file_open_regular(path, 1024 * 1024, err, sizeof(err));
	if (fp == NULL) {
		log_warnx("key file %s", err);
		return -1;
	}
	n = fread(key, 1, sizeof(key), fp);
	fclose(fp);
	for (i = 0; i < n; i++)
		any |= key[i];
	sodium_memzero(key, sizeof(key));
	if (n != 32) {
		log_warnx("%s: not a Klankbord key file (32 bytes expected)",
		    path);
		return -1;
	}
	if (any == 0) {
		log_warnx("%s: the key is all zeros; delete the file to have a "
		    "new key made (invitations sent with it stop working)",
		    path);
		return -1;
	}
	return 0;
}

/*
 * The SMS texts: surveys/sms-templates.json (or the built-in Dutch and
 * English when the folder has none), and --sms-template-nl/en on top.
 */
static int
sms_templates(struct config *c, struct sms_config *sc)
{
	static const char nl[] = "{location}: hoe was de hulp? Vertel het "
	    "ons, anoniem: {link}";
	static const char en[] = "{location}: how was the help? Tell us, "
	    "anonymously: {link}";
	const char *over[2] = { config_get(c, "sms-template-nl"),
	    config_get(c, "sms-template-en") };
	char path[4096], err[1024];
	size_t i;

	snprintf(path, sizeof(path), "%s/sms-templates.json",
	    config_get(c, "surveys"));
	if (access(path, F_OK) == 0) {
		if (sms_templates_load(path, &sc->templates, err,
		    sizeof(err)) == -1) {
			log_warnx("%s", err);
			return -1;
		}
	} else {
		sc->templates = json_pack("{s:s, s:s}", "nl", nl, "en", en);
	}
	for (i = 0; i < 2; i++) {
		if (over[i] == NULL)
			continue;
		if (strstr(over[i], "{link}") == NULL) {
			log_warnx("SMS template: --sms-template-%s has no "
			    "{link}", i == 0 ? "nl" : "en");
			return -1;
		}
		json_object_set_new(sc->templates, i == 0 ? "nl" : "en",
		    json_string(over[i]));
	}
	return 0;
}

/*
 * The SMS options, the key file and a check that the messages fit one SMS.
 * Shared by serve and invite.
 */
int
sms_options(struct config *c, struct app *app)
{
	struct sms_config *sc = &app->smscfg;
	char err[512], path[4096];
	const char *kf = config_get(c, "key-file");
	long long n;
	int p;

	memset(sc, 0, sizeof(*sc));
	p = sms_provider_parse(config_get(c, "sms-provider"));
	if (p < 0) {
		opt_bad(c, "sms-provider", "must be none, generic, twilio, cm "
		    "or messagebird");
		return -1;
	}
	sc->provider = (enum sms_provider)p;
	sc->url = config_get(c, "sms-url");
	sc->sender = config_get(c, "sms-sender");
	if (sender_check(sc->sender) == -1)
		return -1;
	sc->key = config_get(c, "sms-key");
	sc->base_url = config_get(c, "base-url");
	sc->signing_key = config_get(c, "sms-signing-key");
	app->sms_secret = config_get(c, "sms-callback-secret");
	sc->callback_secret = app->sms_secret;
	if (sms_templates(c, sc) == -1)
		return -1;
	if (sc->provider != SMS_NONE && (sc->url == NULL ||
	    (strncmp(sc->url, "http://", 7) != 0 &&
	    strncmp(sc->url, "https://", 8) != 0))) {
		opt_bad(c, "sms-url", "must be the gateway's http(s) "
		    "address");
		return -1;
	}
	if (sms_quiet_parse(config_get(c, "sms-quiet-hours"), &sc->quiet_from,
	    &sc->quiet_to) == -1) {
		opt_bad(c, "sms-quiet-hours", "must be HH:MM-HH:MM or off");
		return -1;
	}
	if (num_opt(c, "sms-rate", 1, 1000, &n) == -1)
		return -1;
	sc->rate = (unsigned)n;
	if (num_opt(c, "sms-concurrency", 1, 256, &n) == -1)
		return -1;
	sc->concurrency = (unsigned)n;
	if (num_opt(c, "sms-max-tries", 1, 50, &n) == -1)
		return -1;
	sc->max_tries = (unsigned)n;
	if (num_opt(c, "sms-timeout", 1, 120, &n) == -1)
		return -1;
	sc->timeout = (long)n;
	if (num_opt(c, "sms-retry-base", 1, 3600, &n) == -1)
		return -1;
	sc->retry_base = n;
	if (num_opt(c, "sms-reminder-days", 0, 30, &n) == -1)
		return -1;
	sc->reminder_after = n * 24 * 3600;
	if (num_opt(c, "sms-expiry-days", 1, 90, &n) == -1)
		return -1;
	sc->expiry = n * 24 * 3600;
	if (kf == NULL) {
		snprintf(path, sizeof(path), "%s.key", config_get(c, "db"));
		kf = path;
	}
	if (key_file_check(kf) == -1)
		return -1;
	if (ensure_parent(kf) == -1 ||
	    invite_keys_load(kf, &app->keys, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}
