/*
 * cmd_data.c — klankbord surveys check, backup, qr, stats and invite.
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
#include "participants.h"
#include "report.h"
#include "response.h"
#include "store.h"
#include "store_results.h"
#include "store_team.h"
#include "survey.h"
#include "util.h"
#include "cli.h"

/* The participation consent, when the folder has one. */
static int
check_consent(const char *dir)
{
	struct participants_consent *pc;
	struct buf errors, path;
	int rc = 0;

	buf_init(&path, 4096);
	buf_printf(&path, "%s/consent.json", dir);
	if (access(buf_cstr(&path), F_OK) == 0) {
		buf_init(&errors, 64 * 1024);
		pc = participants_consent_load(dir, &errors);
		if (pc == NULL) {
			fputs(buf_cstr(&errors), stderr);
			rc = -1;
		}
		participants_consent_free(pc);
		buf_free(&errors);
	}
	buf_free(&path);
	return rc;
}

int
cmd_surveys(int argc, char **argv)
{
	struct config *c = NULL;
	struct survey_set *set = NULL;
	const char *dir;
	int rc;

	rc = cli_start(CMD_SURVEYS, "klankbord surveys check [DIR]",
	    1, 2, argc, argv, &c);
	if (c == NULL)
		return rc;
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
	if (check_consent(dir) == -1) {
		survey_set_free(set);
		config_free(c);
		return 1;
	}
	printf("%s: %zu surveys ok\n", dir, survey_set_count(set));
	survey_set_free(set);
	config_free(c);
	return 0;
}

int
cmd_backup(int argc, char **argv)
{
	struct config *c = NULL;
	char err[1024];
	int rc;

	rc = cli_start(CMD_BACKUP, "klankbord backup [--db FILE] DEST",
	    1, 1, argc, argv, &c);
	if (c == NULL)
		return rc;
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

int
cmd_qr(int argc, char **argv)
{
	static const char synopsis[] = "klankbord qr --survey ID --location LOC"
	    " [--lang xx] [--format svg|png] [--size N] [--poster] [--force]"
	    " [-o FILE]";
	struct config *c = NULL;
	struct survey_set *set = NULL;
	struct link_request req;
	const char *fmt, *path, *ctype;
	char *data = NULL, err[512];
	long long size;
	size_t len;
	FILE *fp;
	int rc, status = 2;

	rc = cli_start(CMD_QR, synopsis, 0, 0, argc, argv, &c);
	if (c == NULL)
		return rc;
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
	if (link_base_private(config_get(c, "base-url"))) {
		fprintf(stderr, "klankbord: %s --base-url %s: phones cannot "
		    "reach a loopback or private address; set --base-url (or "
		    "base_url, KLANKBORD_BASE_URL) to the public address%s\n",
		    config_get(c, "force") ? "warning:" : "refused:",
		    config_get(c, "base-url"), config_get(c, "force") ? "" :
		    ", or add --force to make it anyway");
		if (!config_get(c, "force"))
			goto out;
	}
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

int
cmd_stats(int argc, char **argv)
{
	static const char synopsis[] = "klankbord stats --survey ID "
	    "[--by none|location|channel] [--interval month|quarter|year] "
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

	rc = cli_start(CMD_STATS, synopsis, 0, 0, argc, argv, &c);
	if (c == NULL)
		return rc;
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
		fprintf(stderr, "klankbord: --interval is month, quarter or "
		    "year\n");
		goto out;
	}
	if (num_parse(config_get(c, "anonymity-k"), 3, 1000, &k) == -1) {
		fprintf(stderr, "klankbord: --anonymity-k is at least 3\n");
		goto out;
	}
	q.k = k;
	if (num_opt(c, "publish-lag-days", 0, 31, &k) == -1)
		goto out;
	q.lag_days = (int)k;
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
	(void)store_audit_add(st, "cli", "view stats", q.survey);
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

int
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

	rc = cli_start(CMD_INVITE, synopsis, 0, 0, argc, argv, &c);
	if (c == NULL)
		return rc;
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
	app.smscfg.surveys = set;
	if (sms_templates_check(&app.smscfg, set, err, sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: %s\n", err);
		goto out;
	}
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
	json_decref(app.smscfg.templates);
	config_free(c);
	return status;
}

int
cmd_release(int argc, char **argv)
{
	struct config *c = NULL;
	struct survey_set *set = NULL;
	struct store *st = NULL;
	char err[1024];
	long long moved;
	int rc;

	rc = cli_start(CMD_RELEASE, "klankbord release [--db FILE] "
	    "[--surveys DIR]", 0, 0, argc, argv, &c);
	if (c == NULL)
		return rc;
	rc = 1;
	if (load_surveys(config_get(c, "surveys"), &set) == -1 ||
	    open_store(c, &st) == -1)
		goto out;
	if (store_release(st, rebuild_cb, set, &moved, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: release: %s\n", err);
		goto out;
	}
	printf("%lld responses released\n", moved);
	rc = 0;
out:
	store_close(st);
	survey_set_free(set);
	config_free(c);
	return rc;
}

/*
 * Reads FILE's JSON lines into rows, every one validated and redacted like
 * a live response.  Returns 0, or -1 after printing FILE:LINE: field: what
 * is wrong for every bad line.
 */
static int
import_read(const char *path, const struct survey_set *set,
    struct store_response **rows, size_t *n)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0, rcap = 0;
	ssize_t len;
	long lineno = 0;
	int bad = 0;

	*rows = NULL;
	*n = 0;
	fp = fopen(path, "r");
	if (fp == NULL) {
		fprintf(stderr, "klankbord: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		struct response_error e;
		struct store_response r;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		memset(&e, 0, sizeof(e));
		if (response_prepare_import(set, line, (size_t)len, &r,
		    &e) == -1) {
			fprintf(stderr, "%s:%ld: %s%s%s\n", path, lineno,
			    e.field, e.field[0] ? ": " : "", e.message);
			bad = 1;
			continue;
		}
		if (*n == rcap) {
			rcap = rcap ? rcap * 2 : 1024;
			*rows = xrealloc(*rows, rcap * sizeof(**rows));
		}
		(*rows)[(*n)++] = r;
	}
	if (ferror(fp)) {
		fprintf(stderr, "klankbord: %s: %s\n", path, strerror(errno));
		bad = 1;
	}
	fclose(fp);
	free(line);
	return bad ? -1 : 0;
}

int
cmd_import(int argc, char **argv)
{
	struct config *c = NULL;
	struct survey_set *set = NULL;
	struct store *st = NULL;
	struct store_response *rows = NULL;
	size_t n = 0, i;
	char err[1024];
	long long stored;
	int rc;

	rc = cli_start(CMD_IMPORT, "klankbord import [--db FILE] "
	    "[--surveys DIR] FILE", 1, 1, argc, argv, &c);
	if (c == NULL)
		return rc;
	rc = 1;
	if (load_surveys(config_get(c, "surveys"), &set) == -1)
		goto out;
	if (import_read(config_argv(c, 0), set, &rows, &n) == -1) {
		fprintf(stderr, "klankbord: import: nothing stored\n");
		goto out;
	}
	if (open_store(c, &st) == -1 || register_surveys(st, set) == -1)
		goto out;
	if (store_import(st, rows, n, &stored, err, sizeof(err)) == -1) {
		fprintf(stderr, "klankbord: import: %s; nothing stored\n",
		    err);
		goto out;
	}
	printf("%lld responses imported and released (%zu lines, %lld "
	    "already stored)\n", stored, n, (long long)n - stored);
	rc = 0;
out:
	for (i = 0; i < n; i++)
		response_clear(&rows[i]);
	free(rows);
	store_close(st);
	survey_set_free(set);
	config_free(c);
	return rc;
}
