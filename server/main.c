/*
 * main.c — parses the command line and starts and stops things.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
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
#include "link.h"
#include "log.h"
#include "report.h"
#include "response.h"
#include "store.h"
#include "survey.h"
#include "util.h"

#define CMD_SERVE	0x01u
#define CMD_SURVEYS	0x02u
#define CMD_BACKUP	0x04u
#define CMD_USER	0x08u
#define CMD_APIKEY	0x10u
#define CMD_QR		0x20u
#define CMD_STATS	0x40u
#define CMD_INVITE	0x80u
#define CMD_ALL		0xffffu
/* Commands that touch the database or the surveys share these options. */
#define CMD_DATA	(CMD_SERVE | CMD_BACKUP | CMD_USER | CMD_APIKEY | \
			 CMD_QR | CMD_STATS | CMD_INVITE)
#define CMD_SMS		(CMD_SERVE | CMD_INVITE)

#define KB_VERSION	"0.1.0"
#define SHUTDOWN_WAIT_MS 10000

static const struct config_opt options[] = {
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
	{ "interval", 0, "month", "month or quarter", CMD_STATS },
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
	{ "sms-max-tries", 0, "8", "tries before an SMS counts as failed",
	    CMD_SMS },
	{ "sms-timeout", 0, "15", "seconds one gateway request may take",
	    CMD_SMS },
	{ "sms-retry-base", 0, "30", "seconds before the first retry; each "
	    "next one waits twice as long, at most an hour", CMD_SMS },
	{ "sms-reminder-days", 0, "3", "days before the one reminder, 0: none",
	    CMD_SMS },
	{ "sms-expiry-days", 0, "14", "days an SMS link stays valid", CMD_SMS },
	{ "sms-template-nl", 0, "Hoe was de hulp? Vertel het ons, anoniem: "
	    "{link}", "Dutch SMS text; {link} is the survey link", CMD_SMS },
	{ "sms-template-en", 0, "How was the help? Tell us, anonymously: "
	    "{link}", "SMS text in any other language", CMD_SMS },
	{ "key-file", 0, NULL, "secret key for tokens and phone hashes "
	    "(default: the database file name + .key)", CMD_SMS },
	{ "phone", 0, NULL, "the number to invite", CMD_INVITE },
	{ "anonymity-k", 0, "5", "hide figures of groups under K responses "
	    "(at least 3)", CMD_SERVE | CMD_STATS },
	{ "rate-limit", 0, "30/min", "submissions per address, N/min, or off",
	    CMD_SERVE },
	{ "connections-per-address", 0, "0", "open connections one address may "
	    "hold, 0: no limit (keep 0 behind a reverse proxy)", CMD_SERVE },
	{ "trusted-proxy", 0, NULL, "take the client address from "
	    "X-Forwarded-For when the peer is this address", CMD_SERVE },
	{ "tls-cert", 0, NULL, "PEM certificate for HTTPS", CMD_SERVE },
	{ "tls-key", 0, NULL, "PEM private key for HTTPS", CMD_SERVE },
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: klankbord COMMAND [options]\n\n"
	    "commands:\n"
	    "  serve            run the web server\n"
	    "  surveys check    validate the survey definitions\n"
	    "  backup FILE      write an online, consistent copy of the "
	    "database\n"
	    "  user add NAME --role admin|viewer|sender   (password from "
	    "stdin)\n"
	    "  user list | user remove NAME | user passwd NAME\n"
	    "  apikey add NAME --role sender|viewer       (prints the key "
	    "once)\n"
	    "  apikey list | apikey revoke NAME\n"
	    "  qr --survey ID --location LOC [--format svg|png] [-o FILE]\n"
	    "  stats --survey ID [--by location] [--interval month]\n"
	    "  invite --survey ID --location LOC --phone NUMBER [--lang nl]\n"
	    "  version          print the version\n\n"
	    "Run 'klankbord COMMAND --help' for the options of a command.\n");
}

static int
parse_opts(unsigned cmd, const char *synopsis, int argc, char **argv,
    struct config **out)
{
	char err[512];

	if (config_parse(options, KB_NELEM(options), cmd, argc, argv, out,
	    err, sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: %s\n", err);
		return -1;
	}
	if (config_help_wanted(*out)) {
		config_usage(stdout, synopsis, options, KB_NELEM(options), cmd);
		config_free(*out);
		*out = NULL;
		return 1;
	}
	log_init(config_verbosity(*out));
	return 0;
}

static int
load_surveys(const char *dir, struct survey_set **out)
{
	struct buf errors;
	int rc;

	buf_init(&errors, 1024 * 1024);
	rc = survey_set_load(dir, out, &errors);
	if (rc == -1)
		fprintf(stderr, "%s", buf_cstr(&errors));
	buf_free(&errors);
	return rc;
}

static int
cmd_surveys(int argc, char **argv)
{
	struct config *c = NULL;
	struct survey_set *set = NULL;
	const char *dir;
	int rc;

	rc = parse_opts(CMD_SURVEYS, "klankbord surveys check [DIR]", argc,
	    argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	if (config_argc(c) < 1 || strcmp(config_argv(c, 0), "check") != 0 ||
	    config_argc(c) > 2) {
		fprintf(stderr, "usage: klankbord surveys check [DIR]\n");
		config_free(c);
		return 2;
	}
	dir = config_argc(c) == 2 ? config_argv(c, 1) :
	    config_get(c, "surveys");
	if (load_surveys(dir, &set) == -1) {
		config_free(c);
		return 1;
	}
	printf("%s: %zu surveys ok\n", dir, survey_set_count(set));
	survey_set_free(set);
	config_free(c);
	return 0;
}

static int
cmd_backup(int argc, char **argv)
{
	struct config *c = NULL;
	char err[1024];
	int rc;

	rc = parse_opts(CMD_BACKUP, "klankbord backup [--db FILE] DEST", argc,
	    argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	if (config_argc(c) != 1) {
		fprintf(stderr, "usage: klankbord backup [--db FILE] DEST\n");
		config_free(c);
		return 2;
	}
	if (store_backup(config_get(c, "db"), config_argv(c, 0), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: backup: %s\n", err);
		config_free(c);
		return 1;
	}
	printf("backup written to %s\n", config_argv(c, 0));
	config_free(c);
	return 0;
}

/* Creates the folder the database lives in, one level, if missing. */
static int
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

/*
 * Reads a password: from a terminal twice without echo, otherwise the
 * first line of standard input.  Returns 0, or -1 with a message printed.
 */
static int
read_password(char *out, size_t outlen)
{
	struct termios old, quiet;
	char again[1100];
	int tty = isatty(STDIN_FILENO);
	size_t n;

	if (tty) {
		if (tcgetattr(STDIN_FILENO, &old) == -1)
			tty = 0;
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		if (tty)
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		fprintf(stderr, "Password (at least %d characters): ",
		    AUTH_PASSWORD_MIN);
	}
	if (fgets(out, (int)outlen, stdin) == NULL)
		out[0] = '\0';
	if (tty) {
		fprintf(stderr, "\nAgain: ");
		if (fgets(again, sizeof(again), stdin) == NULL)
			again[0] = '\0';
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (tty) {
		again[strcspn(again, "\r\n")] = '\0';
		if (strcmp(out, again) != 0) {
			fprintf(stderr, "klankbord: the passwords differ\n");
			return -1;
		}
	}
	return 0;
}

static int
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

static void
print_row(const char *const *cols, void *arg)
{
	int i, n = *(int *)arg;

	for (i = 0; i < n; i++)
		printf("%s%-*s", i ? "  " : "", i == n - 1 ? 0 : 20,
		    cols[i] ? cols[i] : "-");
	putchar('\n');
}

static int
name_ok(const char *name)
{
	if (name != NULL && ident_valid(name, 63, "._@-"))
		return 1;
	fprintf(stderr, "klankbord: a name is 1 to 63 characters of a-z, "
	    "0-9, '.', '_', '@' and '-'\n");
	return 0;
}

static int
user_set_password(struct store *st, const char *verb, const char *name,
    const char *role)
{
	char pw[1100], hash[AUTH_HASH_MAX], err[256];
	int rc = 1, n;

	if (read_password(pw, sizeof(pw)) == -1)
		goto out;
	if (auth_password_acceptable(pw, err, sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: %s\n", err);
		goto out;
	}
	if (auth_password_hash(pw, hash) == -1) {
		fprintf(stderr, "klankbord: hashing the password failed "
		    "(out of memory?)\n");
		goto out;
	}
	n = role != NULL ? store_user_add(st, name, role, hash) :
	    store_user_passwd(st, name, hash);
	if (n == -1) {
		fprintf(stderr, "klankbord: the database refused the change\n");
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, role != NULL ? "klankbord: user '%s' already "
		    "exists\n" : "klankbord: no user '%s'\n", name);
		goto out;
	}
	(void)store_audit_add(st, "cli", verb, name);
	printf(role != NULL ? "user %s added (%s)\n" :
	    "password of %s changed; their sessions ended\n", name,
	    role != NULL ? role : "");
	rc = 0;
out:
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

static int
cmd_user(int argc, char **argv)
{
	static const char synopsis[] = "klankbord user add NAME --role "
	    "admin|viewer|sender | list | remove NAME | passwd NAME";
	struct config *c = NULL;
	struct store *st = NULL;
	const char *verb, *name, *role;
	int rc, status = 2, n;

	rc = parse_opts(CMD_USER, synopsis, argc, argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	verb = config_argv(c, 0);
	name = config_argv(c, 1);
	role = config_get(c, "role");
	if (verb == NULL || config_argc(c) > 2 ||
	    (strcmp(verb, "list") == 0) != (name == NULL)) {
		fprintf(stderr, "usage: %s\n", synopsis);
		goto out;
	}
	if (name != NULL && !name_ok(name))
		goto out;
	if (strcmp(verb, "add") == 0 && auth_role_parse(role) == 0) {
		fprintf(stderr, "klankbord: user add needs --role admin, "
		    "viewer or sender\n");
		goto out;
	}
	if (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 &&
	    strcmp(verb, "remove") != 0 && strcmp(verb, "passwd") != 0) {
		fprintf(stderr, "usage: %s\n", synopsis);
		goto out;
	}
	status = 1;
	if (open_store(c, &st) == -1)
		goto out;
	if (strcmp(verb, "list") == 0) {
		n = 3;
		status = store_user_list(st, print_row, &n) == 0 ? 0 : 1;
	} else if (strcmp(verb, "add") == 0) {
		status = user_set_password(st, "user add", name, role);
	} else if (strcmp(verb, "passwd") == 0) {
		status = user_set_password(st, "user passwd", name, NULL);
	} else {
		char r[8], h[AUTH_HASH_MAX];

		if (store_user_find(st, name, r, sizeof(r), h, sizeof(h)) == 1 &&
		    strcmp(r, "admin") == 0 &&
		    store_user_count(st, "admin") == 1) {
			fprintf(stderr, "klankbord: '%s' is the last admin; add "
			    "another admin first\n", name);
			goto out;
		}
		n = store_user_remove(st, name);
		if (n == 1) {
			(void)store_audit_add(st, "cli", "user remove", name);
			printf("user %s removed\n", name);
			status = 0;
		} else {
			fprintf(stderr, "klankbord: no user '%s'\n", name);
		}
	}
out:
	store_close(st);
	config_free(c);
	return status;
}

static int
cmd_apikey(int argc, char **argv)
{
	static const char synopsis[] = "klankbord apikey add NAME --role "
	    "sender|viewer | list | revoke NAME";
	struct config *c = NULL;
	struct store *st = NULL;
	const char *verb, *name, *role;
	char key[AUTH_TOKEN_LEN + 4];
	unsigned char h[AUTH_TOKEN_HASH];
	int rc, status = 2, n;

	rc = parse_opts(CMD_APIKEY, synopsis, argc, argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	verb = config_argv(c, 0);
	name = config_argv(c, 1);
	role = config_get(c, "role");
	if (verb == NULL || config_argc(c) > 2 ||
	    (strcmp(verb, "list") == 0) != (name == NULL) ||
	    (strcmp(verb, "add") != 0 && strcmp(verb, "list") != 0 &&
	    strcmp(verb, "revoke") != 0)) {
		fprintf(stderr, "usage: %s\n", synopsis);
		goto out;
	}
	if (name != NULL && !name_ok(name))
		goto out;
	if (strcmp(verb, "add") == 0 && (role == NULL ||
	    (strcmp(role, "sender") != 0 && strcmp(role, "viewer") != 0))) {
		fprintf(stderr, "klankbord: apikey add needs --role sender or "
		    "viewer\n");
		goto out;
	}
	status = 1;
	if (open_store(c, &st) == -1)
		goto out;
	if (strcmp(verb, "list") == 0) {
		n = 4;
		status = store_apikey_list(st, print_row, &n) == 0 ? 0 : 1;
	} else if (strcmp(verb, "add") == 0) {
		auth_token_new(key);
		auth_token_hash(key, h);
		n = store_apikey_add(st, name, role, h, sizeof(h));
		if (n == 1) {
			(void)store_audit_add(st, "cli", "apikey add", name);
			printf("%s\n", key);
			fprintf(stderr, "API key '%s' (%s) made. It is shown "
			    "only now: store it safely.\n", name, role);
			status = 0;
		} else {
			fprintf(stderr, "klankbord: API key '%s' already "
			    "exists\n", name);
		}
		sodium_memzero(key, sizeof(key));
	} else {
		n = store_apikey_revoke(st, name);
		if (n == 1) {
			(void)store_audit_add(st, "cli", "apikey revoke", name);
			printf("API key %s revoked\n", name);
			status = 0;
		} else {
			fprintf(stderr, "klankbord: no active API key '%s'\n",
			    name);
		}
	}
out:
	store_close(st);
	config_free(c);
	return status;
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

static int
rebuild_cb(struct store_response *r, void *arg)
{
	return response_rollup_row(arg, r);
}

/* Recounts the dashboard's rollups when they disagree with the rows. */
static int
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
static int
register_surveys(struct store *st, struct survey_set *set)
{
	char err[512];
	size_t i;

	for (i = 0; i < survey_set_count(set); i++) {
		const struct survey *s = survey_set_at(set, i);

		if (store_survey_version_check(st, s->id, s->version,
		    s->fingerprint, s->def_json, err, sizeof(err)) == -1) {
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

static int
parse_rate(const char *s, unsigned *out)
{
	long long n;
	char num[16];
	const char *slash;

	if (strcmp(s, "off") == 0) {
		*out = 0;
		return 0;
	}
	slash = strchr(s, '/');
	if (slash == NULL || strcmp(slash, "/min") != 0 ||
	    (size_t)(slash - s) >= sizeof(num))
		return -1;
	memcpy(num, s, (size_t)(slash - s));
	num[slash - s] = '\0';
	if (num_parse(num, 1, 100000, &n) == -1)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int
num_opt(struct config *c, const char *name, long long min, long long max,
    long long *out)
{
	if (num_parse(config_get(c, name), min, max, out) == 0)
		return 0;
	log_warnx("--%s must be a number from %lld to %lld", name, min, max);
	return -1;
}

/*
 * The SMS options, the key file and a check that the messages fit one SMS.
 * Shared by serve and invite.
 */
static int
sms_options(struct config *c, struct app *app)
{
	struct sms_config *sc = &app->smscfg;
	char err[512], path[4096], probe[400], link[1024];
	const char *kf = config_get(c, "key-file");
	long long n;
	int p;

	memset(sc, 0, sizeof(*sc));
	p = sms_provider_parse(config_get(c, "sms-provider"));
	if (p < 0) {
		log_warnx("--sms-provider is none, generic, twilio, cm or "
		    "messagebird");
		return -1;
	}
	sc->provider = (enum sms_provider)p;
	sc->url = config_get(c, "sms-url");
	sc->sender = config_get(c, "sms-sender");
	sc->key = config_get(c, "sms-key");
	sc->base_url = config_get(c, "base-url");
	sc->templates[0] = config_get(c, "sms-template-nl");
	sc->templates[1] = config_get(c, "sms-template-en");
	app->sms_secret = config_get(c, "sms-callback-secret");
	if (sc->provider != SMS_NONE && (sc->url == NULL ||
	    (strncmp(sc->url, "http://", 7) != 0 &&
	    strncmp(sc->url, "https://", 8) != 0))) {
		log_warnx("--sms-url must be the gateway's http(s) address");
		return -1;
	}
	if (sms_quiet_parse(config_get(c, "sms-quiet-hours"), &sc->quiet_from,
	    &sc->quiet_to) == -1) {
		log_warnx("--sms-quiet-hours is HH:MM-HH:MM or off");
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
	/* Both templates must fit with the longest link a token makes. */
	snprintf(link, sizeof(link), "%s/i/%s", sc->base_url,
	    "ZZZZZZZZZZZZZZZZZ");
	if (sms_message(sc, "nl", link, probe, sizeof(probe), err,
	    sizeof(err)) == -1 || sms_message(sc, "en", link, probe,
	    sizeof(probe), err, sizeof(err)) == -1) {
		log_warnx("SMS template: %s", err);
		return -1;
	}
	if (kf == NULL) {
		snprintf(path, sizeof(path), "%s.key", config_get(c, "db"));
		kf = path;
	}
	if (ensure_parent(kf) == -1 ||
	    invite_keys_load(kf, &app->keys, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

static int
serve_options(struct config *c, struct http_options *ho, struct app *app)
{
	long long n;

	memset(ho, 0, sizeof(*ho));
	ho->bind = config_get(c, "bind");
	if (num_parse(config_get(c, "port"), 0, 65535, &n) == -1) {
		log_warnx("--port must be a number from 0 to 65535");
		return -1;
	}
	ho->port = (unsigned)n;
	if (parse_rate(config_get(c, "rate-limit"), &ho->rate_per_min) == -1) {
		log_warnx("--rate-limit must be N/min (e.g. 30/min) or off");
		return -1;
	}
	ho->trusted_proxy = config_get(c, "trusted-proxy");
	if (num_opt(c, "connections-per-address", 0, 10000, &n) == -1)
		return -1;
	ho->per_address = (unsigned)n;
	ho->tls_cert = config_get(c, "tls-cert");
	ho->tls_key = config_get(c, "tls-key");
	ho->threads = 2;
	if (num_parse(config_get(c, "anonymity-k"), 3, 1000, &n) == -1) {
		log_warnx("--anonymity-k must be a number of at least 3");
		return -1;
	}
	app->anonymity_k = (unsigned)n;
	if (num_parse(config_get(c, "idle-seconds"), 10, 3600, &n) == -1) {
		log_warnx("--idle-seconds must be from 10 to 3600");
		return -1;
	}
	app->idle_seconds = (unsigned)n;
	app->db_path = config_get(c, "db");
	app->base_url = config_get(c, "base-url");
	if (strncmp(app->base_url, "http://", 7) != 0 &&
	    strncmp(app->base_url, "https://", 8) != 0) {
		log_warnx("--base-url must start with http:// or https://");
		return -1;
	}
	return sms_options(c, app);
}

static int
cmd_qr(int argc, char **argv)
{
	static const char synopsis[] = "klankbord qr --survey ID --location LOC"
	    " [--lang xx] [--format svg|png] [--size N] [--poster] [-o FILE]";
	struct config *c = NULL;
	struct survey_set *set = NULL;
	struct link_request req;
	const char *fmt, *path, *ctype;
	char *data = NULL, err[512];
	long long size;
	size_t len;
	FILE *fp;
	int rc, status = 2;

	rc = parse_opts(CMD_QR, synopsis, argc, argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	memset(&req, 0, sizeof(req));
	req.survey = config_get(c, "survey");
	req.location = config_get(c, "location");
	req.lang = config_get(c, "lang");
	fmt = config_get(c, "format");
	if (config_argc(c) != 0 || req.survey == NULL || req.location == NULL) {
		fprintf(stderr, "usage: %s\n", synopsis);
		goto out;
	}
	if (strcmp(fmt, "svg") == 0) {
		req.format = config_get(c, "poster") ? LINK_POSTER_SVG :
		    LINK_SVG;
	} else if (strcmp(fmt, "png") == 0 && !config_get(c, "poster")) {
		req.format = LINK_PNG;
	} else {
		fprintf(stderr, "klankbord: --format is svg or png (a poster "
		    "is svg)\n");
		goto out;
	}
	if (num_parse(config_get(c, "size"), 100, 4000, &size) == -1) {
		fprintf(stderr, "klankbord: --size is 100 to 4000 pixels\n");
		goto out;
	}
	req.size = (unsigned)size;
	status = 1;
	if (load_surveys(config_get(c, "surveys"), &set) == -1)
		goto out;
	rc = link_render(set, config_get(c, "base-url"), &req, &data, &len,
	    &ctype, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "klankbord: %s\n", err);
		goto out;
	}
	path = config_get(c, "output");
	fp = path ? fopen(path, "wb") : stdout;
	if (fp == NULL) {
		fprintf(stderr, "klankbord: %s: %s\n", path, strerror(errno));
		goto out;
	}
	rc = fwrite(data, 1, len, fp) == len ? 0 : -1;
	if (path != NULL) {
		if (fclose(fp) != 0)
			rc = -1;
	} else if (fflush(fp) != 0) {
		rc = -1;
	}
	if (rc == -1) {
		fprintf(stderr, "klankbord: %s: write error\n",
		    path ? path : "standard output");
		goto out;
	}
	status = 0;
out:
	free(data);
	survey_set_free(set);
	config_free(c);
	return status;
}

static int
cmd_stats(int argc, char **argv)
{
	static const char synopsis[] = "klankbord stats --survey ID "
	    "[--by none|location|channel] [--interval month|quarter] "
	    "[--from YYYY-MM] [--to YYYY-MM] [--stats-format text|json|csv]";
	struct config *c = NULL;
	struct survey_set *set = NULL;
	struct store *st = NULL;
	struct report *rep = NULL;
	struct report_query q;
	const char *by, *iv, *fmt;
	char err[512], *out = NULL;
	long long k;
	size_t len = 0;
	int rc, status = 2;

	rc = parse_opts(CMD_STATS, synopsis, argc, argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	memset(&q, 0, sizeof(q));
	q.survey = config_get(c, "survey");
	q.from = config_get(c, "from");
	q.to = config_get(c, "to");
	by = config_get(c, "by");
	iv = config_get(c, "interval");
	fmt = config_get(c, "stats-format");
	if (q.survey == NULL || config_argc(c) != 0) {
		fprintf(stderr, "usage: %s\n", synopsis);
		goto out;
	}
	if (report_by_parse(by) < 0) {
		fprintf(stderr, "klankbord: --by is none, location or "
		    "channel\n");
		goto out;
	}
	q.by = (enum report_by)report_by_parse(by);
	q.quarter = report_interval_parse(iv);
	if (q.quarter < 0) {
		fprintf(stderr, "klankbord: --interval is month or quarter\n");
		goto out;
	}
	if (num_parse(config_get(c, "anonymity-k"), 3, 1000, &k) == -1) {
		fprintf(stderr, "klankbord: --anonymity-k is at least 3\n");
		goto out;
	}
	q.k = k;
	if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0 &&
	    strcmp(fmt, "csv") != 0) {
		fprintf(stderr, "klankbord: --stats-format is text, json or "
		    "csv\n");
		goto out;
	}
	status = 1;
	if (load_surveys(config_get(c, "surveys"), &set) == -1 ||
	    open_store(c, &st) == -1 || register_surveys(st, set) == -1 ||
	    check_rollups(st, set) == -1)
		goto out;
	rc = report_build(st, set, &q, &rep, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "klankbord: %s\n", err);
		goto out;
	}
	if (strcmp(fmt, "json") == 0) {
		json_t *j = report_json(rep);

		out = json_dumps(j, JSON_INDENT(2));
		json_decref(j);
		len = out ? strlen(out) : 0;
	} else if (strcmp(fmt, "csv") == 0) {
		out = report_csv(rep, 0, &len);
	} else {
		out = report_text(rep, &len);
	}
	if (out == NULL || fwrite(out, 1, len, stdout) != len) {
		fprintf(stderr, "klankbord: could not write the table\n");
		goto out;
	}
	status = 0;
out:
	free(out);
	report_free(rep);
	store_close(st);
	survey_set_free(set);
	config_free(c);
	return status;
}

static int
cmd_invite(int argc, char **argv)
{
	static const char synopsis[] = "klankbord invite --survey ID "
	    "--location LOC --phone NUMBER [--lang nl]";
	struct config *c = NULL;
	struct survey_set *set = NULL;
	struct app app;
	struct invite_request req;
	const char *field;
	char id[17], err[512];
	int rc, status = 2;

	rc = parse_opts(CMD_INVITE, synopsis, argc, argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	memset(&app, 0, sizeof(app));
	memset(&req, 0, sizeof(req));
	req.survey = config_get(c, "survey");
	req.location = config_get(c, "location");
	req.phone = config_get(c, "phone");
	req.lang = config_get(c, "lang");
	if (config_argc(c) != 0 || req.survey == NULL || req.location == NULL ||
	    req.phone == NULL) {
		fprintf(stderr, "usage: %s\n", synopsis);
		goto out;
	}
	status = 1;
	if (load_surveys(config_get(c, "surveys"), &set) == -1 ||
	    open_store(c, &app.store) == -1 ||
	    sms_options(c, &app) == -1)
		goto out;
	rc = invite_create(app.store, set, &app.keys, &app.smscfg, &req,
	    time(NULL), id, &field, err, sizeof(err));
	if (rc != 202) {
		fprintf(stderr, "klankbord: %s%s%s\n", field ? field : "",
		    field ? ": " : "", err);
		goto out;
	}
	(void)store_audit_add(app.store, "cli", "invitation", req.survey);
	printf("invitation %s queued; the running server sends it%s\n", id,
	    app.smscfg.provider == SMS_NONE ? " once --sms-provider is set" :
	    "");
	status = 0;
out:
	sodium_memzero(&app.keys, sizeof(app.keys));
	store_close(app.store);
	survey_set_free(set);
	config_free(c);
	return status;
}

static int
cmd_serve(int argc, char **argv)
{
	struct config *c = NULL;
	struct app app;
	struct http_options ho;
	struct http *h = NULL;
	sigset_t sigs;
	char err[1024];
	int rc, sig, status = 1;

	rc = parse_opts(CMD_SERVE, "klankbord serve [options]", argc, argv, &c);
	if (rc != 0)
		return rc == 1 ? 0 : 2;
	memset(&app, 0, sizeof(app));
	pthread_mutex_init(&app.yousaid_mtx, NULL);
	if (config_argc(c) != 0) {
		log_warnx("serve takes no arguments (see --help)");
		goto out;
	}
	if (serve_options(c, &ho, &app) == -1)
		goto out;
	/* Signals go to this thread only; every later thread inherits it. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (load_surveys(config_get(c, "surveys"), &app.surveys) == -1) {
		log_warnx("the surveys in %s have errors; not starting",
		    config_get(c, "surveys"));
		goto out;
	}
	if (web_load(config_get(c, "web-dir"), &app.web, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (ensure_parent(config_get(c, "db")) == -1)
		goto out;
	if (store_open(config_get(c, "db"), &app.store, err,
	    sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (register_surveys(app.store, app.surveys) == -1 ||
	    check_rollups(app.store, app.surveys) == -1)
		goto out;
	if (store_writer_start(app.store, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (app.smscfg.provider != SMS_NONE && sms_start(&app.smscfg,
	    app.store, &app.keys, &app.sms, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	api_cache_build(&app);
	app.logins = auth_throttle_new();
	if (store_user_count(app.store, "admin") == 0)
		log_info("no admin yet; create one with: klankbord user add "
		    "NAME --role admin --db %s", config_get(c, "db"));
	if (http_start(&ho, &app, &h, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	log_info("klankbord %s: %zu surveys, database %s", KB_VERSION,
	    survey_set_count(app.surveys), config_get(c, "db"));
	log_info("listening on %s://%s%s%s:%u", ho.tls_cert ? "https" : "http",
	    strchr(ho.bind, ':') ? "[" : "", ho.bind,
	    strchr(ho.bind, ':') ? "]" : "", http_port(h));
	for (;;) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_info("SIGHUP ignored: restart to load new surveys");
			continue;
		}
		break;
	}
	log_info("stopping (%s): finishing requests in flight",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	status = 0;
out:
	http_stop(h, SHUTDOWN_WAIT_MS);
	sms_stop(app.sms);
	store_close(app.store);
	if (status == 0)
		log_info("stopped; everything acknowledged is on disk");
	web_free(app.web);
	api_cache_free(&app);
	dashboard_free(&app);
	pthread_mutex_destroy(&app.yousaid_mtx);
	auth_throttle_free(app.logins);
	survey_set_free(app.surveys);
	config_free(c);
	return status;
}

int
main(int argc, char **argv)
{
	/* Weeks and quiet hours are those of the teams, in the Netherlands. */
	if (getenv("KLANKBORD_TZ") != NULL)
		setenv("TZ", getenv("KLANKBORD_TZ"), 1);
	else
		setenv("TZ", "Europe/Amsterdam", 1);
	tzset();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 2, argv + 2);
	if (strcmp(argv[1], "surveys") == 0)
		return cmd_surveys(argc - 2, argv + 2);
	if (strcmp(argv[1], "backup") == 0)
		return cmd_backup(argc - 2, argv + 2);
	if (strcmp(argv[1], "invite") == 0)
		return cmd_invite(argc - 2, argv + 2);
	if (strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 2, argv + 2);
	if (strcmp(argv[1], "qr") == 0)
		return cmd_qr(argc - 2, argv + 2);
	if (strcmp(argv[1], "user") == 0)
		return cmd_user(argc - 2, argv + 2);
	if (strcmp(argv[1], "apikey") == 0)
		return cmd_apikey(argc - 2, argv + 2);
	if (strcmp(argv[1], "version") == 0 ||
	    strcmp(argv[1], "--version") == 0) {
		printf("klankbord %s\n", KB_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "klankbord: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
