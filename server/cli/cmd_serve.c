/*
 * cmd_serve.c — klankbord serve: options, start-up checks, serving until
 * a signal, and a clean stop.
 */
#define _GNU_SOURCE	/* pthread_rwlockattr_setkind_np */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <systemd/sd-daemon.h>

#include <termios.h>

#include "app.h"
#include "auth.h"
#include "authpool.h"
#include "config.h"
#include "dashboard.h"
#include "http.h"
#include "link.h"
#include "log.h"
#include "participants.h"
#include "report.h"
#include "response.h"
#include "store.h"
#include "store_team.h"
#include "survey.h"
#include "publish.h"
#include "util.h"
#include "cli.h"

#define SHUTDOWN_WAIT_MS 10000
/* How long a reload waits for requests that may use the old surveys. */
#define RELOAD_WAIT_MS	60000

/* What a SIGHUP may change without a restart. */
static const char *const reloadable[] = {
	"config", "surveys", "web-dir", "idle-seconds", "anonymity-k",
};

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
	struct in6_addr a6;
	long long n;

	memset(ho, 0, sizeof(*ho));
	ho->bind = config_get(c, "bind");
	if (inet_pton(AF_INET, ho->bind, &a6) != 1 &&
	    inet_pton(AF_INET6, ho->bind, &a6) != 1) {
		opt_bad(c, "bind", "must be an IPv4 or IPv6 address");
		return -1;
	}
	if (num_opt(c, "port", 0, 65535, &n) == -1)
		return -1;
	ho->port = (unsigned)n;
	if (parse_rate(config_get(c, "rate-limit"), &ho->rate_per_min) == -1) {
		opt_bad(c, "rate-limit", "must be N/min (e.g. 30/min) or off");
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
			opt_bad(c, "release-at", "must be a time HH:MM, e.g. "
			    "03:00");
			return -1;
		}
		app->release_minute = (int)(hh * 60 + mm);
	}
	if (num_opt(c, "anonymity-k", 3, 1000, &n) == -1)
		return -1;
	app->anonymity_k = (unsigned)n;
	if (num_opt(c, "idle-seconds", 10, 3600, &n) == -1)
		return -1;
	app->idle_seconds = (unsigned)n;
	app->db_path = config_get(c, "db");
	app->base_url = config_get(c, "base-url");
	if (strncmp(app->base_url, "http://", 7) != 0 &&
	    strncmp(app->base_url, "https://", 8) != 0) {
		opt_bad(c, "base-url", "must start with http:// or https://");
		return -1;
	}
	/* (the address itself stays out of the log: it may be an IP) */
	if (link_base_private(app->base_url))
		log_warnx("--base-url is a loopback or private address: QR "
		    "codes, posters and SMS links will not work on phones");
	return sms_options(c, app);
}
/*
 * Loads the survey folder, logging each error ("file:line:column: what")
 * as a warning, so the journal records them as such.  0 or -1.
 */
static int
serve_load_surveys(const char *dir, struct survey_set **out)
{
	struct buf errors;
	const char *p, *nl;
	int rc;

	buf_init(&errors, 1024 * 1024);
	rc = survey_set_load(dir, out, &errors);
	for (p = buf_cstr(&errors); rc == -1 && *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			log_warnx("%s", p);
			break;
		}
		if (nl > p)
			log_warnx("%.*s", (int)(nl - p), p);
	}
	buf_free(&errors);
	return rc;
}

/* What one reload builds before it swaps it in. */
struct snapshot {
	struct survey_set	*surveys;
	struct http_blob	*survey_blobs;
	struct http_blob	 list_blob;
	struct web		*web;
	unsigned		 anonymity_k;
	unsigned		 idle_seconds;
	int			 keep_surveys;	/* the SMS sender reads it */
};

/* The volunteers' sign-up: consent, key file, expiry. */
static int
serve_participants(struct config *c, struct app *app)
{
	const char *key = config_get(c, "participants-key-file");
	char err[1024], *dflt = NULL;
	long long months;
	int rc;

	if (num_opt(c, "participants-keep-months", 1, 120, &months) == -1)
		return -1;
	if (key == NULL) {
		struct buf b;

		buf_init(&b, 8192);
		buf_printf(&b, "%s.participants.key", app->db_path);
		dflt = buf_release(&b, NULL);
		key = dflt;
	}
	rc = participants_open(config_get(c, "surveys"), key,
	    (unsigned)months, app->store, &app->participants, err,
	    sizeof(err));
	if (rc == -1)
		log_warnx("%s", err);
	free(dflt);
	return rc;
}

/* The participation panel's sender: one SMS at once (sms_oneshot.c). */
static int
panel_send(void *arg, const char *to, const char *text, const char *ref)
{
	return sms_send_text(arg, to, text, ref);
}

/* The survey set the SMS sender started with, kept past reloads. */
static struct survey_set *kept_surveys;

static void
snapshot_free(struct snapshot *sn)
{
	struct app tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.surveys = sn->surveys;
	tmp.survey_blobs = sn->survey_blobs;
	tmp.list_blob = sn->list_blob;
	api_cache_free(&tmp);
	if (!sn->keep_surveys)
		survey_set_free(sn->surveys);
	web_free(sn->web);
	memset(sn, 0, sizeof(*sn));
}

/* Warns about every changed setting a reload cannot apply. */
static void
reload_unapplied(const struct config *old, const struct config *c)
{
	size_t i, j;

	for (i = 0; i < cli_noptions; i++) {
		const char *name = cli_options[i].name, *a, *b;
		int skip = !(cli_options[i].commands & CMD_SERVE);

		for (j = 0; j < KB_NELEM(reloadable); j++)
			if (strcmp(reloadable[j], name) == 0)
				skip = 1;
		if (skip)
			continue;
		a = config_get(old, name);
		b = config_get(c, name);
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
			log_warnx("reload: %s changed; restart klankbord to "
			    "apply it", name);
	}
}

/*
 * SIGHUP: reads the config file, the surveys and locations and the
 * respondent app's files again, and swaps them in between requests.  On
 * any error the old ones stay and the errors are logged.  Returns 0 or -1.
 */
static int
reload(struct app *app, struct http *h, struct publish *pub,
    const struct config *running, int argc, char **argv)
{
	struct config *c = NULL;
	struct snapshot sn, old;
	struct app tmp;
	char err[1024];
	long long n;
	int rc = -1;

	memset(&sn, 0, sizeof(sn));
	memset(&old, 0, sizeof(old));
	if (config_parse(cli_options, cli_noptions, CMD_SERVE, argc, argv, &c,
	    err, sizeof(err)) == -1) {
		log_warnx("reload: %s", err);
		goto out;
	}
	if (num_opt(c, "anonymity-k", 3, 1000, &n) == -1)
		goto out;
	sn.anonymity_k = (unsigned)n;
	if (num_opt(c, "idle-seconds", 10, 3600, &n) == -1)
		goto out;
	sn.idle_seconds = (unsigned)n;
	if (serve_load_surveys(config_get(c, "surveys"), &sn.surveys) == -1) {
		log_warnx("reload: the surveys in %s have errors; keeping "
		    "the ones loaded", config_get(c, "surveys"));
		goto out;
	}
	if (register_surveys(app->store, sn.surveys) == -1)
		goto out;
	if (web_load(config_get(c, "web-dir"), &sn.web, err,
	    sizeof(err)) == -1) {
		log_warnx("reload: %s", err);
		goto out;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.surveys = sn.surveys;
	api_cache_build(&tmp);
	sn.survey_blobs = tmp.survey_blobs;
	sn.list_blob = tmp.list_blob;
	reload_unapplied(running, c);

	pthread_rwlock_wrlock(&app->reload_lock);
	old.surveys = app->surveys;
	old.survey_blobs = app->survey_blobs;
	old.list_blob = app->list_blob;
	old.web = app->web;
	app->surveys = sn.surveys;
	app->survey_blobs = sn.survey_blobs;
	app->list_blob = sn.list_blob;
	app->web = sn.web;
	app->anonymity_k = sn.anonymity_k;
	app->idle_seconds = sn.idle_seconds;
	pthread_rwlock_unlock(&app->reload_lock);
	publish_set_surveys(pub, app->surveys);
	memset(&sn, 0, sizeof(sn));

	/*
	 * The SMS sender reads location names through its own copy of the
	 * settings, which points at the set it started with: that set stays
	 * until the server stops (new names reach SMS after a restart).
	 */
	if (app->smscfg.provider != SMS_NONE && old.surveys ==
	    app->smscfg.surveys) {
		kept_surveys = old.surveys;
		old.keep_surveys = 1;
	}
	/* Replies still being sent may point into the old set. */
	if (http_reload_wait(h, RELOAD_WAIT_MS) == 0)
		snapshot_free(&old);
	else
		log_warnx("reload: requests still running after %d s; the "
		    "old surveys stay in memory", RELOAD_WAIT_MS / 1000);
	log_info("reloaded: %zu surveys, %zu locations",
	    survey_set_count(app->surveys),
	    survey_set_location_count(app->surveys));
	rc = 0;
out:
	snapshot_free(&sn);
	config_free(c);
	return rc;
}

/*
 * Says which address kiosks and phones should use: base_url, and when
 * listening on every address, this machine's addresses on the network.
 */
static void
log_reachable(const char *bind, unsigned port, int tls,
    const char *base_url)
{
	struct ifaddrs *ifs = NULL, *i;
	char addr[INET6_ADDRSTRLEN];
	int any = strcmp(bind, "0.0.0.0") == 0 || strcmp(bind, "::") == 0;
	int loop_base = strstr(base_url, "://127.") != NULL ||
	    strstr(base_url, "://localhost") != NULL ||
	    strstr(base_url, "://[::1]") != NULL;

	if (!loop_base)
		log_info("kiosks and phones use %s (base_url)", base_url);
	if (!any) {
		if (strncmp(bind, "127.", 4) == 0 || strcmp(bind, "::1") == 0)
			log_info("only this computer can connect; "
			    "bind = 0.0.0.0 lets kiosks on the network in");
		return;
	}
	if (getifaddrs(&ifs) == -1)
		return;
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)
		    i->ifa_addr)->sin_addr, addr, sizeof(addr)) == NULL)
			continue;
		if (!loop_base) {
			log_info("also reachable at %s://%s:%u/ (%s)",
			    tls ? "https" : "http", addr, port, i->ifa_name);
			continue;
		}
		log_info("kiosks and phones on this network use "
		    "%s://%s:%u/ (%s)", tls ? "https" : "http", addr, port,
		    i->ifa_name);
		log_warnx("base_url %s works on this computer only: set "
		    "base_url = %s://%s:%u for the links in QR codes and SMS",
		    base_url, tls ? "https" : "http", addr, port);
		loop_base = 0;
	}
	freeifaddrs(ifs);
}

/*
 * Waits for a signal, telling systemd's watchdog we are alive in between
 * when it asks for that.  Returns the signal.
 */
static int
wait_signal(const sigset_t *sigs, uint64_t watchdog_usec)
{
	struct timespec ts;
	int sig;

	for (;;) {
		if (watchdog_usec == 0) {
			if (sigwait(sigs, &sig) == 0)
				return sig;
			continue;
		}
		/* Twice per interval, as sd_watchdog_enabled(3) advises. */
		ts.tv_sec = (time_t)(watchdog_usec / 2 / 1000000);
		ts.tv_nsec = (long)(watchdog_usec / 2 % 1000000) * 1000;
		sig = sigtimedwait(sigs, NULL, &ts);
		if (sig > 0)
			return sig;
		sd_notify(0, "WATCHDOG=1");
	}
}

/*
 * After every release (at start, daily, at a period close): build and keep
 * the protected sets, under the reload lock, so no view waits for one.
 */
static void
after_release(void *arg)
{
	struct app *app = arg;

	pthread_rwlock_rdlock(&app->reload_lock);
	report_warm(app->store, app->surveys, app->anonymity_k,
	    app->publish_lag_days);
	pthread_rwlock_unlock(&app->reload_lock);
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
	uint64_t watchdog_usec = 0;
	pthread_rwlockattr_t rwa;
	int rc, sig, status = 1;

	rc = cli_start(CMD_SERVE, "klankbord serve [options]",
	    0, 0, argc, argv, &c);
	if (c == NULL)
		return rc;
	memset(&app, 0, sizeof(app));
	pthread_mutex_init(&app.yousaid_mtx, NULL);
	/* Writer first: a reload must not wait behind a stream of requests. */
	pthread_rwlockattr_init(&rwa);
	pthread_rwlockattr_setkind_np(&rwa,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&app.reload_lock, &rwa);
	pthread_rwlockattr_destroy(&rwa);
	if (serve_options(c, &ho, &app) == -1)
		goto out;
	/* Signals go to this thread only; every later thread inherits it. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (serve_load_surveys(config_get(c, "surveys"), &app.surveys) == -1) {
		log_warnx("the surveys in %s have errors; not starting",
		    config_get(c, "surveys"));
		goto out;
	}
	app.smscfg.surveys = app.surveys;
	app.version = KB_VERSION;
	if (sms_templates_check(&app.smscfg, app.surveys, err,
	    sizeof(err)) == -1) {
		log_warnx("%s; not starting", err);
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
	if (publish_start(app.store, app.surveys, app.release_minute,
	    after_release, &app, &pub, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (app.smscfg.provider != SMS_NONE && sms_start(&app.smscfg,
	    app.store, &app.keys, &app.sms, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (serve_participants(c, &app) == -1)
		goto out;
	/* Messages to the panel go out through the same SMS provider. */
	if (app.smscfg.provider != SMS_NONE)
		participants_set_sender(app.participants, panel_send,
		    &app.smscfg, &app.keys, &app.smscfg);
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
	log_reachable(ho.bind, http_port(h), ho.tls_cert != NULL,
	    app.base_url);
	if (sd_watchdog_enabled(0, &watchdog_usec) <= 0)
		watchdog_usec = 0;
	sd_notifyf(0, "READY=1\nSTATUS=serving %zu surveys on port %u",
	    survey_set_count(app.surveys), http_port(h));
	for (;;) {
		sig = wait_signal(&sigs, watchdog_usec);
		if (sig != SIGHUP)
			break;
		log_info("SIGHUP: reloading the configuration, surveys, "
		    "locations and interface texts");
		sd_notify(0, "RELOADING=1");
		if (reload(&app, h, pub, c, argc, argv) == -1)
			log_warnx("reload failed; still serving what was "
			    "loaded before");
		sd_notify(0, "READY=1");
	}
	sd_notify(0, "STOPPING=1");
	log_info("stopping (%s): finishing requests in flight",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	status = 0;
out:
	http_stop(h, SHUTDOWN_WAIT_MS);
	sms_stop(app.sms);
	publish_stop(pub);
	participants_close(app.participants);
	store_close(app.store);
	if (status == 0)
		log_info("stopped; everything acknowledged is on disk");
	web_free(app.web);
	api_cache_free(&app);
	dashboard_free(&app);
	pthread_mutex_destroy(&app.yousaid_mtx);
	pthread_rwlock_destroy(&app.reload_lock);
	auth_throttle_free(app.logins);
	authpool_free(app.hashes);
	survey_set_free(app.surveys);
	json_decref(app.smscfg.templates);
	survey_set_free(kept_surveys);
	kept_surveys = NULL;
	config_free(c);
	return status;
}
