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

#include "app.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "store.h"
#include "survey.h"
#include "util.h"

#define CMD_SERVE	0x01u
#define CMD_SURVEYS	0x02u
#define CMD_BACKUP	0x04u
#define CMD_ALL		0xffu
#define CMD_DATA	(CMD_SERVE | CMD_BACKUP)

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
	    CMD_SERVE | CMD_SURVEYS },
	{ "base-url", 0, "http://127.0.0.1:8080", "public address of this "
	    "server, used in links and QR codes", CMD_SERVE },
	{ "web-dir", 0, "kiosk", "folder of the respondent app's files",
	    CMD_SERVE },
	{ "idle-seconds", 0, "60", "kiosk: seconds without a touch before "
	    "it starts over", CMD_SERVE },
	{ "sms-provider", 0, "none", "none|generic|twilio|cm|messagebird",
	    CMD_SERVE },
	{ "sms-url", 0, NULL, "the SMS gateway's URL", CMD_SERVE },
	{ "sms-sender", 0, NULL, "sender name or number", CMD_SERVE },
	{ "sms-key", 0, NULL, "the SMS gateway's secret", CMD_SERVE },
	{ "sms-callback-secret", 0, NULL, "shared secret of gateway callbacks",
	    CMD_SERVE },
	{ "sms-quiet-hours", 0, "21:00-09:00", "no SMS in these hours, or off",
	    CMD_SERVE },
	{ "anonymity-k", 0, "5", "hide figures of groups under K responses "
	    "(at least 3)", CMD_SERVE },
	{ "rate-limit", 0, "30/min", "submissions per address, N/min, or off",
	    CMD_SERVE },
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
	ho->tls_cert = config_get(c, "tls-cert");
	ho->tls_key = config_get(c, "tls-key");
	ho->threads = 2;
	if (num_parse(config_get(c, "anonymity-k"), 3, 1000, &n) == -1) {
		log_warnx("--anonymity-k must be a number of at least 3");
		return -1;
	}
	if (num_parse(config_get(c, "idle-seconds"), 10, 3600, &n) == -1) {
		log_warnx("--idle-seconds must be from 10 to 3600");
		return -1;
	}
	app->idle_seconds = (unsigned)n;
	app->base_url = config_get(c, "base-url");
	if (strncmp(app->base_url, "http://", 7) != 0 &&
	    strncmp(app->base_url, "https://", 8) != 0) {
		log_warnx("--base-url must start with http:// or https://");
		return -1;
	}
	if (strcmp(config_get(c, "sms-provider"), "none") != 0) {
		log_warnx("--sms-provider: sending SMS is not available in "
		    "this version; use none");
		return -1;
	}
	return 0;
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
	if (register_surveys(app.store, app.surveys) == -1)
		goto out;
	if (store_writer_start(app.store, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
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
	store_close(app.store);
	if (status == 0)
		log_info("stopped; everything acknowledged is on disk");
	web_free(app.web);
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
