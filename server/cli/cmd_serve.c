/*
 * cmd_serve.c — klankbord serve: options, start-up checks, serving until
 * a signal, and a clean stop.
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
#include "authpool.h"
#include "config.h"
#include "dashboard.h"
#include "http.h"
#include "link.h"
#include "log.h"
#include "report.h"
#include "response.h"
#include "store.h"
#include "survey.h"
#include "publish.h"
#include "util.h"
#include "cli.h"

#define SHUTDOWN_WAIT_MS 10000

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
	if (num_opt(c, "connections-per-address", 0, 10000, &n) == -1)
		return -1;
	ho->per_address = (unsigned)n;
	ho->tls_cert = config_get(c, "tls-cert");
	ho->tls_key = config_get(c, "tls-key");
	if (config_get(c, "threads") != NULL) {
		if (num_opt(c, "threads", 1, 256, &n) == -1)
			return -1;
		ho->threads = (unsigned)n;
	} else {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		ho->threads = n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
	}
	if (num_opt(c, "publish-lag-days", 0, 31, &n) == -1)
		return -1;
	app->publish_lag_days = (int)n;
	{
		const char *at = config_get(c, "release-at");
		unsigned hh, mm;
		char tail;

		if (strlen(at) != 5 || sscanf(at, "%2u:%2u%c", &hh, &mm,
		    &tail) != 2 || hh > 23 || mm > 59) {
			log_warnx("--release-at must be a time HH:MM, e.g. "
			    "03:00");
			return -1;
		}
		app->release_minute = (int)(hh * 60 + mm);
	}
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
	/* (the address itself stays out of the log: it may be an IP) */
	if (link_base_private(app->base_url))
		log_warnx("--base-url is a loopback or private address: QR "
		    "codes, posters and SMS links will not work on phones");
	return sms_options(c, app);
}


int
cmd_serve(int argc, char **argv)
{
	struct config *c = NULL;
	struct app app;
	struct http_options ho;
	struct http *h = NULL;
	struct publish *pub = NULL;
	sigset_t sigs;
	char err[1024];
	int rc, sig, status = 1;

	rc = cli_start(CMD_SERVE, "klankbord serve [options]",
	    0, 0, argc, argv, &c);
	if (c == NULL)
		return rc;
	memset(&app, 0, sizeof(app));
	pthread_mutex_init(&app.yousaid_mtx, NULL);
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
	if (publish_start(app.store, app.surveys, app.release_minute, NULL,
	    NULL, &pub, err, sizeof(err)) == -1) {
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
	/* One thread: a login flood costs one core at most (authpool.h). */
	app.hashes = authpool_new(1, 16);
	if (app.hashes == NULL)
		goto out;
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
	publish_stop(pub);
	store_close(app.store);
	if (status == 0)
		log_info("stopped; everything acknowledged is on disk");
	web_free(app.web);
	api_cache_free(&app);
	dashboard_free(&app);
	pthread_mutex_destroy(&app.yousaid_mtx);
	auth_throttle_free(app.logins);
	authpool_free(app.hashes);
	survey_set_free(app.surveys);
	config_free(c);
	return status;
}
