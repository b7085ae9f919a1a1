/*
 * cli.h — what the subcommands in server/cli/ share: the one option table,
 * its parser, and the few steps every command repeats.
 */
#ifndef KB_CLI_H
#define KB_CLI_H

#include <stddef.h>

#include "config.h"
#include "store.h"
#include "survey.h"

#define CMD_SERVE	0x01u
#define CMD_SURVEYS	0x02u
#define CMD_BACKUP	0x04u
#define CMD_USER	0x08u
#define CMD_APIKEY	0x10u
#define CMD_QR		0x20u
#define CMD_STATS	0x40u
#define CMD_INVITE	0x80u
#define CMD_RELEASE	0x100u
#define CMD_IMPORT	0x200u
#define CMD_ALL		0xffffu
/* Commands that touch the database or the surveys share these options. */
#define CMD_DATA	(CMD_SERVE | CMD_BACKUP | CMD_USER | CMD_APIKEY | \
			 CMD_QR | CMD_STATS | CMD_INVITE | \
			 CMD_RELEASE | CMD_IMPORT)
#define CMD_SMS		(CMD_SERVE | CMD_INVITE)

#define KB_VERSION	"0.1.0"
#define SHUTDOWN_WAIT_MS 10000

extern const struct config_opt cli_options[];
extern const size_t cli_noptions;

/*
 * Parses a command's options.  Returns 0 with *out set, 1 when --help was
 * printed (exit 0), or -1 after printing the error (exit 2).
 */
int	parse_opts(unsigned cmd, const char *synopsis, int argc, char **argv,
	    struct config **out);
/*
 * parse_opts, then checks that the command got between min and max
 * arguments (printing the synopsis when not).  Returns 0 with *out set, or
 * the exit status to return (0 after --help, 2 on a usage error).
 */
int	cli_start(unsigned cmd, const char *synopsis, int min, int max,
	    int argc, char **argv, struct config **out);
/* Loads and validates the survey folder; prints every error. */
int	load_surveys(const char *dir, struct survey_set **out);
/* Creates the folder the database lives in, one level, if missing. */
int	ensure_parent(const char *path);
/* Opens --db, creating its folder; prints the error. */
int	open_store(struct config *c, struct store **st);
/* Prints a listing row of *(int *)arg columns. */
void	print_row(const char *const *cols, void *arg);
/* 1 when name is a valid user or key name, else 0 with a message. */
int	name_ok(const char *name);

struct app;
/* Checks the rollups against the responses, rebuilding them when off. */
int	check_rollups(struct store *st, struct survey_set *set);
/* Stores each survey version, refusing changed questions; prints why. */
int	register_surveys(struct store *st, struct survey_set *set);
/*
 * Logs that option name has a bad value, naming where it came from: the
 * config file and line, the environment variable or the flag.
 */
void	opt_bad(const struct config *c, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Reads --name as a number in [min, max]; -1 with a message. */
int	num_opt(struct config *c, const char *name, long long min,
	    long long max, long long *out);
/* Reads the SMS options into app; -1 with a message. */
int	sms_options(struct config *c, struct app *app);

int	cmd_serve(int argc, char **argv);
int	cmd_surveys(int argc, char **argv);
int	cmd_backup(int argc, char **argv);
int	cmd_user(int argc, char **argv);
int	cmd_apikey(int argc, char **argv);
int	cmd_qr(int argc, char **argv);
int	cmd_stats(int argc, char **argv);
int	cmd_invite(int argc, char **argv);
int	cmd_release(int argc, char **argv);
int	cmd_import(int argc, char **argv);
/* fills a row's rollup fields; the callback of store_release */
int	rebuild_cb(struct store_response *r, void *arg);

#endif
