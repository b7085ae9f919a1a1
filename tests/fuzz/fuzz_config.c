/*
 * fuzz_config.c — config_parse with the input as the --config file (written
 * to an unlinked temporary file, read through /proc/self/fd), with the
 * option table of `klankbord serve`.  Besides ASan and UBSan it checks:
 *   - a refused file gives a message that starts "PATH:" (the contract:
 *     "path:line: message"), is one line, and says "line too long" only
 *     for a line that is;
 *   - an accepted file yields values without line breaks or NULs for every
 *     option, and the defaults of options the file does not set.
 * The environment is cleared of KLANKBORD_* first, so only the file counts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CMD_SERVE	0x01u
#define CMD_QR		0x20u
#define CMD_ALL		0xffu

/* As in server/main.c (a subset is enough: serve's options and a few). */
static const struct config_opt opts[] = {
	{ "config", 0, NULL, "", CMD_ALL },
	{ "bind", 0, "127.0.0.1", "", CMD_SERVE },
	{ "port", 0, "8080", "", CMD_SERVE },
	{ "db", 0, "data/klankbord.db", "", CMD_ALL },
	{ "surveys", 0, "surveys", "", CMD_ALL },
	{ "base-url", 0, "http://127.0.0.1:8080", "", CMD_ALL },
	{ "role", 0, NULL, "", 0x18u },
	{ "survey", 0, NULL, "", CMD_QR },
	{ "poster", 0, NULL, "", CMD_QR | CONFIG_BOOLEAN },
	{ "output", 'o', NULL, "", CMD_QR },
	{ "web-dir", 0, "kiosk", "", CMD_SERVE },
	{ "idle-seconds", 0, "60", "", CMD_SERVE },
	{ "sms-provider", 0, "none", "", CMD_SERVE },
	{ "sms-url", 0, NULL, "", CMD_SERVE },
	{ "sms-key", 0, NULL, "", CMD_SERVE },
	{ "sms-quiet-hours", 0, "21:00-09:00", "", CMD_SERVE },
	{ "anonymity-k", 0, "5", "", CMD_SERVE },
	{ "rate-limit", 0, "30/min", "", CMD_SERVE },
	{ "trusted-proxy", 0, NULL, "", CMD_SERVE },
	{ "tls-cert", 0, NULL, "", CMD_SERVE },
	{ "tls-key", 0, NULL, "", CMD_SERVE },
};
#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

static char path[64];
static int fd = -1;

/* KB_FUZZ_KNOWN=nul turns off the check of a bug already reported. */
static int
known(const char *name)
{
	const char *k = getenv("KB_FUZZ_KNOWN");

	return k != NULL && strstr(k, name) != NULL;
}

static void
fail(const char *what, const uint8_t *data, size_t size, const char *detail)
{
	fprintf(stderr, "fuzz_config: %s\n  file: ", what);
	fwrite(data, 1, size, stderr);
	fprintf(stderr, "\n  %s\n", detail ? detail : "");
	abort();
}

/* The longest line in bytes, without its newline. */
static size_t
longest_line(const uint8_t *data, size_t size)
{
	size_t i, cur = 0, max = 0;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n') {
			cur = 0;
			continue;
		}
		if (++cur > max)
			max = cur;
	}
	return max;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	extern char **environ;
	char **e;
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	/* Only the file may set anything. */
again:
	for (e = environ; e != NULL && *e != NULL; e++) {
		if (strncmp(*e, "KLANKBORD_", 10) == 0) {
			char name[256];
			const char *eq = strchr(*e, '=');
			size_t n = eq ? (size_t)(eq - *e) : strlen(*e);

			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, *e, n);
			name[n] = '\0';
			unsetenv(name);
			goto again;
		}
	}
	snprintf(path, sizeof(path), "%s/kb-fuzz-config-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd == -1) {
		perror("fuzz_config: mkstemp");
		exit(1);
	}
	/* Gone from the folder at once; read through the descriptor. */
	unlink(path);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[] = { (char *)"--config", path, NULL };
	struct config *c = NULL;
	char err[512];
	size_t i;

	if (size > 256 * 1024)
		return 0;
	if (ftruncate(fd, 0) == -1 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size) {
		perror("fuzz_config: write");
		exit(1);
	}
	err[0] = '\0';
	if (config_parse(opts, NOPTS, CMD_SERVE, 2, argv, &c, err,
	    sizeof(err)) == -1) {
		if (strncmp(err, path, strlen(path)) != 0 ||
		    err[strlen(path)] != ':')
			fail("a file error that does not start with the path",
			    data, size, err);
		if (strchr(err, '\n') != NULL)
			fail("an error message of more than one line", data,
			    size, err);
		if (strstr(err, ": line too long") != NULL && !known("nul") &&
		    longest_line(data, size) < 4095)
			fail("'line too long' for a short line", data, size,
			    err);
		return 0;
	}
	if (config_argc(c) != 0)
		fail("the file made positional arguments", data, size, NULL);
	for (i = 0; i < NOPTS; i++) {
		const char *v = config_get(c, opts[i].name);

		if (strcmp(opts[i].name, "config") == 0)
			continue;
		if (!(opts[i].commands & CMD_SERVE)) {
			if (v != NULL)
				fail("an option of another command was set",
				    data, size, opts[i].name);
			continue;
		}
		if (v == NULL) {
			if (opts[i].def != NULL)
				fail("an option lost its default", data, size,
				    opts[i].name);
			continue;
		}
		if (strchr(v, '\n') != NULL)
			fail("a value with a line break", data, size, v);
	}
	config_free(c);
	return 0;
}
