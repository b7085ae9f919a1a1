/*
 * cmd_team.c — klankbord user and apikey: the project team's accounts.
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
#include "store_team.h"
#include "survey.h"
#include "util.h"
#include "cli.h"

/*
 * One line of standard input into out (outlen bytes), without its line
 * end; "" at end of input.  -1 when it holds a NUL, which would cut the
 * password short without a word.
 */
static int
read_line(char *out, size_t outlen)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	out[0] = '\0';
	n = getline(&line, &cap, stdin);
	if (n > 0 && memchr(line, '\0', (size_t)n) != NULL)
		rc = -1;
	else if (n > 0)
		snprintf(out, outlen, "%s", line);
	if (line != NULL) {
		sodium_memzero(line, cap);
		free(line);
	}
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
	int tty = isatty(STDIN_FILENO), nul;
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
	nul = read_line(out, outlen);
	if (tty) {
		fprintf(stderr, "\nAgain: ");
		nul |= read_line(again, sizeof(again));
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (nul) {
		fprintf(stderr, "klankbord: the password holds a NUL byte\n");
		return -1;
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

int
cmd_user(int argc, char **argv)
{
	static const char synopsis[] = "klankbord user add NAME --role "
	    "admin|viewer|sender | list | remove NAME | passwd NAME";
	struct config *c = NULL;
	struct store *st = NULL;
	const char *verb, *name, *role;
	int rc, status = 2, n;

	rc = cli_start(CMD_USER, synopsis, 1, 2, argc, argv, &c);
	if (c == NULL)
		return rc;
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

int
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

	rc = cli_start(CMD_APIKEY, synopsis, 1, 2, argc, argv, &c);
	if (c == NULL)
		return rc;
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
