/*
 * test_config.c — option resolution: default < file < environment < flag,
 * file errors as "path:line: message", positional words and --help.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "helpers.h"

#define CMD_SERVE	1u
#define CMD_BACKUP	2u

static const struct config_opt opts[] = {
	{ "config", 0, NULL, "read options from FILE", CMD_SERVE | CMD_BACKUP },
	{ "base-url", 0, "http://localhost:8080", "public address",
	    CMD_SERVE },
	{ "port", 'p', "8080", "port to listen on", CMD_SERVE },
	{ "db", 'd', "data/klankbord.db", "database file",
	    CMD_SERVE | CMD_BACKUP },
	{ "keep", 0, "7", "backups to keep", CMD_BACKUP },
	{ "tls-cert", 0, NULL, "certificate file", CMD_SERVE },
	{ "insecure", 'k', NULL, "allow plain HTTP",
	    CMD_SERVE | CONFIG_BOOLEAN },
};

static const char *const env_names[] = {
	"KLANKBORD_CONFIG", "KLANKBORD_BASE_URL", "KLANKBORD_PORT",
	"KLANKBORD_DB", "KLANKBORD_KEEP", "KLANKBORD_TLS_CERT",
	"KLANKBORD_INSECURE",
};

struct fixture {
	char	 dir[64];
	char	 path[128];	/* dir/klankbord.conf */
	char	 err[512];
	struct config *c;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	size_t i;

	for (i = 0; i < KB_NELEM(env_names); i++)
		unsetenv(env_names[i]);
	if (test_tmpdir(f->dir, sizeof(f->dir)) == -1) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/klankbord.conf", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < KB_NELEM(env_names); i++)
		unsetenv(env_names[i]);
	config_free(f->c);
	test_rmtree(f->dir);
	free(f);
	return 0;
}

static int
parse(struct fixture *f, unsigned command, int argc, char **argv)
{
	config_free(f->c);
	f->c = NULL;
	f->err[0] = '\0';
	return config_parse(opts, KB_NELEM(opts), command, argc, argv, &f->c,
	    f->err, sizeof(f->err));
}

static void
conf(struct fixture *f, const char *text)
{
	assert_int_equal(test_write_file(f->dir, "klankbord.conf", text), 0);
}

/* "--config" "<path>" in front of the given words. */
#define WITH_CONFIG(f) "--config", (f)->path

static void
test_defaults(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, CMD_SERVE, 0, NULL), 0);
	assert_string_equal(config_get(f->c, "base-url"),
	    "http://localhost:8080");
	assert_string_equal(config_get(f->c, "port"), "8080");
	assert_null(config_get(f->c, "tls-cert"));	/* no default */
	assert_null(config_get(f->c, "keep"));		/* other subcommand */
	assert_null(config_get(f->c, "no-such-option"));
	assert_int_equal(config_help_wanted(f->c), 0);
	assert_int_equal(config_verbosity(f->c), 0);
	assert_int_equal(config_argc(f->c), 0);
	assert_null(config_argv(f->c, 0));
	/* The same table for the other subcommand. */
	assert_int_equal(parse(f, CMD_BACKUP, 0, NULL), 0);
	assert_string_equal(config_get(f->c, "keep"), "7");
	assert_null(config_get(f->c, "base-url"));
}

static void
test_file_sets_value(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };

	conf(f, "# Klankbord\n\n  base_url = https://file.example  \n"
	    "port=\"9000\"\r\n\ttls_cert = /etc/cert.pem\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), 0);
	assert_string_equal(config_get(f->c, "base-url"),
	    "https://file.example");
	assert_string_equal(config_get(f->c, "port"), "9000");
	assert_string_equal(config_get(f->c, "tls-cert"), "/etc/cert.pem");
	assert_string_equal(config_get(f->c, "db"), "data/klankbord.db");
	assert_int_equal(config_argc(f->c), 0);	/* --config is no word */
}

static void
test_file_named_by_env(void **state)
{
	struct fixture *f = *state;

	conf(f, "base_url = https://env-file.example\n");
	setenv("KLANKBORD_CONFIG", f->path, 1);
	assert_int_equal(parse(f, CMD_SERVE, 0, NULL), 0);
	assert_string_equal(config_get(f->c, "base-url"),
	    "https://env-file.example");
}

static void
test_env_beats_file(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };

	conf(f, "base_url = https://file.example\nport = 9000\n");
	setenv("KLANKBORD_BASE_URL", "https://env.example", 1);
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), 0);
	assert_string_equal(config_get(f->c, "base-url"),
	    "https://env.example");
	assert_string_equal(config_get(f->c, "port"), "9000");
}

static void
test_flag_beats_env_and_file(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f), "--base-url", "https://flag.example" };
	char *argv_eq[] = { "--base-url=https://eq.example", WITH_CONFIG(f) };

	conf(f, "base_url = https://file.example\n");
	setenv("KLANKBORD_BASE_URL", "https://env.example", 1);
	assert_int_equal(parse(f, CMD_SERVE, 4, argv), 0);
	assert_string_equal(config_get(f->c, "base-url"),
	    "https://flag.example");
	assert_int_equal(parse(f, CMD_SERVE, 3, argv_eq), 0);
	assert_string_equal(config_get(f->c, "base-url"),
	    "https://eq.example");
}

static void
test_flag_beats_file_without_env(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "-p", "7000", "--config=PATH" };
	char arg[200];

	snprintf(arg, sizeof(arg), "--config=%s", f->path);
	argv[2] = arg;
	conf(f, "port = 9000\n");
	assert_int_equal(parse(f, CMD_SERVE, 3, argv), 0);
	assert_string_equal(config_get(f->c, "port"), "7000");
}

static void
test_flag_forms(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "--base-url=http://x/?a=b", "--port", "1",
	    "--port", "2", "-d", "-db.sqlite", "--tls-cert=" };

	assert_int_equal(parse(f, CMD_SERVE, 8, argv), 0);
	/* Only the first '=' separates. */
	assert_string_equal(config_get(f->c, "base-url"), "http://x/?a=b");
	assert_string_equal(config_get(f->c, "port"), "2");	/* last wins */
	/* A value may start with '-'. */
	assert_string_equal(config_get(f->c, "db"), "-db.sqlite");
	assert_string_equal(config_get(f->c, "tls-cert"), "");
}

static void
test_boolean_flag(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "--insecure", "word" };
	char *argv2[] = { "-k" };
	char *argv3[] = { "--insecure=0" };
	char *argv4[] = { WITH_CONFIG(f) };

	assert_int_equal(parse(f, CMD_SERVE, 0, NULL), 0);
	assert_null(config_get(f->c, "insecure"));
	/* A boolean takes no value: the next word stays positional. */
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), 0);
	assert_string_equal(config_get(f->c, "insecure"), "1");
	assert_int_equal(config_argc(f->c), 1);
	assert_string_equal(config_argv(f->c, 0), "word");
	assert_int_equal(parse(f, CMD_SERVE, 1, argv2), 0);
	assert_string_equal(config_get(f->c, "insecure"), "1");
	assert_int_equal(parse(f, CMD_SERVE, 1, argv3), 0);
	assert_string_equal(config_get(f->c, "insecure"), "0");
	conf(f, "insecure = 1\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv4), 0);
	assert_string_equal(config_get(f->c, "insecure"), "1");
	setenv("KLANKBORD_INSECURE", "0", 1);
	assert_int_equal(parse(f, CMD_SERVE, 2, argv4), 0);
	assert_string_equal(config_get(f->c, "insecure"), "0");
}

static void
test_env_of_other_subcommand_ignored(void **state)
{
	struct fixture *f = *state;

	setenv("KLANKBORD_KEEP", "30", 1);
	setenv("KLANKBORD_DB", "/var/kb.db", 1);
	assert_int_equal(parse(f, CMD_SERVE, 0, NULL), 0);
	assert_null(config_get(f->c, "keep"));
	assert_string_equal(config_get(f->c, "db"), "/var/kb.db");
	assert_int_equal(parse(f, CMD_BACKUP, 0, NULL), 0);
	assert_string_equal(config_get(f->c, "keep"), "30");
}

static void
test_unknown_flag(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "--port", "1", "--colour", "red" };
	char *argv2[] = { "-x" };
	char *argv3[] = { "--base_url=x" };
	char *argv4[] = { "-pp" };

	assert_int_equal(parse(f, CMD_SERVE, 4, argv), -1);
	assert_null(f->c);
	assert_string_equal(f->err, "unknown option '--colour' (see --help)");
	assert_int_equal(parse(f, CMD_SERVE, 1, argv2), -1);
	assert_string_equal(f->err, "unknown option '-x' (see --help)");
	assert_int_equal(parse(f, CMD_SERVE, 1, argv3), -1);
	assert_string_equal(f->err,
	    "unknown option '--base_url=x' (see --help)");
	assert_int_equal(parse(f, CMD_SERVE, 1, argv4), -1);
	assert_string_equal(f->err, "unknown option '-pp' (see --help)");
}

static void
test_flag_of_other_subcommand_refused(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "--keep", "3" };

	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	assert_null(f->c);
	assert_string_equal(f->err, "unknown option '--keep' (see --help)");
}

static void
test_unknown_file_key(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };
	char want[300];

	conf(f, "# comment\nport = 1\nbase_urls = https://x.example\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	assert_null(f->c);
	/* Named as the file spells it, not as the flag would. */
	snprintf(want, sizeof(want), "%s:3: unknown key 'base_urls' (did "
	    "you mean 'base_url'?)", f->path);
	assert_string_equal(f->err, want);
}

static void
test_unknown_file_key_nearest(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };
	char want[300];

	conf(f, "prot = 1\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	snprintf(want, sizeof(want), "%s:1: unknown key 'prot' (did you mean "
	    "'port'?)", f->path);
	assert_string_equal(f->err, want);
	conf(f, "\n# tls\ntls_crt = a.pem\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	snprintf(want, sizeof(want), "%s:3: unknown key 'tls_crt' (did you "
	    "mean 'tls_cert'?)", f->path);
	assert_string_equal(f->err, want);
}

static void
test_duplicate_file_key(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };
	char want[300];

	conf(f, "port = 1\ndb = a.db\n\nport = 2\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	assert_null(f->c);
	snprintf(want, sizeof(want), "%s:4: duplicate key 'port' (first set "
	    "on line 1)", f->path);
	assert_string_equal(f->err, want);
	/* A key of another subcommand twice is as wrong. */
	conf(f, "keep = 1\nkeep = 2\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	snprintf(want, sizeof(want), "%s:2: duplicate key 'keep' (first set "
	    "on line 1)", f->path);
	assert_string_equal(f->err, want);
}

static void
test_origin_of_values(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f), "--db", "x.db" };
	char where[300], want[300];

	conf(f, "# settings\nport = 80x\ndb = a.db\n");
	setenv("KLANKBORD_TLS_CERT", "c.pem", 1);
	assert_int_equal(parse(f, CMD_SERVE, 4, argv), 0);
	config_origin(f->c, "port", where, sizeof(where));
	snprintf(want, sizeof(want), "%s:2: port", f->path);
	assert_string_equal(where, want);
	config_origin(f->c, "db", where, sizeof(where));
	assert_string_equal(where, "--db");
	config_origin(f->c, "tls-cert", where, sizeof(where));
	assert_string_equal(where, "KLANKBORD_TLS_CERT");
	config_origin(f->c, "base-url", where, sizeof(where));
	assert_string_equal(where, "--base-url");
}

static void
test_config_key_in_file_refused(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };
	char want[300];

	conf(f, "config = /etc/other.conf\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	snprintf(want, sizeof(want), "%s:1: unknown key 'config'", f->path);
	assert_string_equal(f->err, want);
}

static void
test_file_key_of_other_subcommand_ignored(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };

	conf(f, "keep = 30\nbase_url = https://shared.example\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), 0);
	assert_null(config_get(f->c, "keep"));
	assert_string_equal(config_get(f->c, "base-url"),
	    "https://shared.example");
	assert_int_equal(parse(f, CMD_BACKUP, 2, argv), 0);
	assert_string_equal(config_get(f->c, "keep"), "30");
	assert_null(config_get(f->c, "base-url"));
}

static void
test_file_line_without_equals(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };
	char want[300];

	conf(f, "port = 1\n\nbase_url https://x.example\n");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	snprintf(want, sizeof(want), "%s:3: expected 'key = value'", f->path);
	assert_string_equal(f->err, want);
}

static void
test_file_line_too_long(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };
	char want[300];
	struct buf b;

	buf_init(&b, 16384);
	buf_puts(&b, "port = 1\nbase_url = ");
	while (b.len < 5000)
		buf_putc(&b, 'x');
	buf_puts(&b, "\n");
	conf(f, buf_cstr(&b));
	buf_free(&b);
	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	snprintf(want, sizeof(want), "%s:2: line too long", f->path);
	assert_string_equal(f->err, want);
}

static void
test_missing_file(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { WITH_CONFIG(f) };
	char want[300];

	assert_int_equal(parse(f, CMD_SERVE, 2, argv), -1);
	assert_null(f->c);
	snprintf(want, sizeof(want), "%s: No such file or directory",
	    f->path);
	assert_string_equal(f->err, want);
}

static void
test_missing_value(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "--base-url" };
	char *argv2[] = { "serve-dir", "-p" };
	char *argv3[] = { "--config" };

	assert_int_equal(parse(f, CMD_SERVE, 1, argv), -1);
	assert_null(f->c);
	assert_string_equal(f->err, "option '--base-url' needs a value");
	assert_int_equal(parse(f, CMD_SERVE, 2, argv2), -1);
	assert_string_equal(f->err, "option '-p' needs a value");
	assert_int_equal(parse(f, CMD_SERVE, 1, argv3), -1);
	assert_string_equal(f->err, "option '--config' needs a value");
}

static void
test_positional(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "first", "--port", "1", "second", "-", "--",
	    "--port", "-v" };

	assert_int_equal(parse(f, CMD_SERVE, 8, argv), 0);
	assert_string_equal(config_get(f->c, "port"), "1");
	assert_int_equal(config_argc(f->c), 5);
	assert_string_equal(config_argv(f->c, 0), "first");
	assert_string_equal(config_argv(f->c, 1), "second");
	assert_string_equal(config_argv(f->c, 2), "-");
	/* After "--" every word is positional. */
	assert_string_equal(config_argv(f->c, 3), "--port");
	assert_string_equal(config_argv(f->c, 4), "-v");
	assert_int_equal(config_verbosity(f->c), 0);
	assert_null(config_argv(f->c, 5));
	assert_null(config_argv(f->c, -1));
}

static void
test_too_many_positional(void **state)
{
	struct fixture *f = *state;
	char *argv[17];
	int i;

	for (i = 0; i < 17; i++)
		argv[i] = "word";
	assert_int_equal(parse(f, CMD_SERVE, 16, argv), 0);
	assert_int_equal(config_argc(f->c), 16);
	assert_int_equal(parse(f, CMD_SERVE, 17, argv), -1);
	assert_null(f->c);
	assert_string_equal(f->err, "too many arguments");
}

static void
test_help_and_verbose(void **state)
{
	struct fixture *f = *state;
	char *argv[] = { "--help" };
	char *argv2[] = { "-v", "-h", "--verbose", "-v" };

	assert_int_equal(parse(f, CMD_SERVE, 1, argv), 0);
	assert_int_equal(config_help_wanted(f->c), 1);
	assert_int_equal(config_argc(f->c), 0);
	assert_int_equal(parse(f, CMD_BACKUP, 4, argv2), 0);
	assert_int_equal(config_help_wanted(f->c), 1);
	assert_int_equal(config_verbosity(f->c), 3);
}

static void
test_usage_lists_only_command_options(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	config_usage(fp, "klankbord serve [options] DIR", opts, KB_NELEM(opts),
	    CMD_SERVE);
	fclose(fp);
	assert_non_null(strstr(text, "usage: klankbord serve [options] DIR\n"));
	assert_non_null(strstr(text, "--base-url"));
	assert_non_null(strstr(text, "(default: http://localhost:8080)"));
	assert_non_null(strstr(text, "--help"));
	assert_null(strstr(text, "--keep"));
	free(text);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_file_sets_value),
		T(test_file_named_by_env),
		T(test_env_beats_file),
		T(test_flag_beats_env_and_file),
		T(test_flag_beats_file_without_env),
		T(test_flag_forms),
		T(test_boolean_flag),
		T(test_env_of_other_subcommand_ignored),
		T(test_unknown_flag),
		T(test_flag_of_other_subcommand_refused),
		T(test_unknown_file_key),
		T(test_unknown_file_key_nearest),
		T(test_duplicate_file_key),
		T(test_origin_of_values),
		T(test_config_key_in_file_refused),
		T(test_file_key_of_other_subcommand_ignored),
		T(test_file_line_without_equals),
		T(test_file_line_too_long),
		T(test_missing_file),
		T(test_missing_value),
		T(test_positional),
		T(test_too_many_positional),
		T(test_help_and_verbose),
		T(test_usage_lists_only_command_options),
	};
#undef T

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
