/*
 * config.c — option resolution: default < config file < environment < flag.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define CONFIG_MAX_POSITIONAL	16
#define CONFIG_LINE_MAX		4096

struct config {
	const struct config_opt	*opts;
	size_t			 nopts;
	char			**values;	/* nopts entries, owned */
	char			*positional[CONFIG_MAX_POSITIONAL];
	int			 npositional;
	int			 help;
	int			 verbosity;
};

static long
config_find(const struct config *c, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < c->nopts; i++) {
		if (strlen(c->opts[i].name) == len &&
		    strncmp(c->opts[i].name, name, len) == 0)
			return (long)i;
	}
	return -1;
}

static void
config_set(struct config *c, size_t i, const char *v)
{
	free(c->values[i]);
	c->values[i] = xstrdup(v);
}

/* "base_url" in a file names the flag "base-url". */
static void
key_to_flag(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '_')
			*s = '-';
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

#define CONFIG_FILE_MAX	(1024 * 1024)

/* A config file is a regular file of at most 1 MiB (never /dev/zero). */
static FILE *
config_open(const char *path, char *err, size_t errlen)
{
	return file_open_regular(path, CONFIG_FILE_MAX, err, errlen);
}

static int
config_file(struct config *c, const char *path, unsigned command,
    char *err, size_t errlen)
{
	char flag[CONFIG_LINE_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t got;
	FILE *fp;
	int lineno = 0, rc = -1;

	fp = config_open(path, err, errlen);
	if (fp == NULL)
		return -1;
	while ((got = getline(&line, &cap, fp)) != -1) {
		char *key, *val, *eq;
		long i;

		lineno++;
		/* A NUL would cut the line short without a word. */
		if (memchr(line, '\0', (size_t)got) != NULL) {
			snprintf(err, errlen, "%s:%d: NUL byte in the line",
			    path, lineno);
			goto out;
		}
		if (got >= CONFIG_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: line too long", path,
			    lineno);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'",
			    path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if (strlen(val) >= 2 && val[0] == '"' &&
		    val[strlen(val) - 1] == '"') {
			val[strlen(val) - 1] = '\0';
			val++;
		}
		/* Messages name the key as the file spells it. */
		snprintf(flag, sizeof(flag), "%s", key);
		key_to_flag(flag);
		i = config_find(c, flag, strlen(flag));
		if (i < 0 || strcmp(flag, "config") == 0) {
			snprintf(err, errlen, "%s:%d: unknown key '%s'", path,
			    lineno, key);
			goto out;
		}
		/* Keys of other subcommands may share the file. */
		if (c->opts[i].commands & command)
			config_set(c, (size_t)i, val);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	free(line);
	fclose(fp);
	return rc;
}

static void
config_env(struct config *c, unsigned command)
{
	char name[128];
	size_t i, j;

	for (i = 0; i < c->nopts; i++) {
		const char *v, *src = c->opts[i].name;

		if (!(c->opts[i].commands & command))
			continue;
		j = (size_t)snprintf(name, sizeof(name), "KLANKBORD_");
		for (; *src != '\0' && j < sizeof(name) - 1; src++, j++)
			name[j] = *src == '-' ? '_' :
			    (char)toupper((unsigned char)*src);
		name[j] = '\0';
		v = getenv(name);
		if (v != NULL)
			config_set(c, i, v);
	}
}

/* Finds --config FILE or --config=FILE without consuming anything. */
static const char *
config_path(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return getenv("KLANKBORD_CONFIG");
}

static int
config_flags(struct config *c, unsigned command, int argc, char **argv,
    char *err, size_t errlen)
{
	int i, only_positional = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		long k = -1;

		if (only_positional || a[0] != '-' || a[1] == '\0') {
			if (c->npositional == CONFIG_MAX_POSITIONAL) {
				snprintf(err, errlen, "too many arguments");
				return -1;
			}
			c->positional[c->npositional++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_positional = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			c->help = 1;
			continue;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			c->verbosity++;
			continue;
		}
		if (a[1] != '-' && a[2] == '\0') {
			size_t j;

			for (j = 0; j < c->nopts; j++)
				if (c->opts[j].shortname == a[1])
					k = (long)j;
		} else if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			k = config_find(c, a + 2,
			    eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (eq != NULL)
				val = eq + 1;
		}
		if (k >= 0 && strcmp(c->opts[k].name, "config") != 0 &&
		    !(c->opts[k].commands & command))
			k = -1;
		if (k < 0) {
			snprintf(err, errlen, "unknown option '%s' (see --help)",
			    a);
			return -1;
		}
		if (val == NULL && (c->opts[k].commands & CONFIG_BOOLEAN)) {
			val = "1";
		} else if (val == NULL) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "option '%s' needs a value",
				    a);
				return -1;
			}
			val = argv[++i];
		}
		config_set(c, (size_t)k, val);
	}
	return 0;
}

int
config_parse(const struct config_opt *opts, size_t nopts, unsigned command,
    int argc, char **argv, struct config **out, char *err, size_t errlen)
{
	struct config *c;
	const char *path;
	size_t i;

	c = xcalloc(1, sizeof(*c));
	c->opts = opts;
	c->nopts = nopts;
	c->values = xcalloc(nopts, sizeof(char *));
	for (i = 0; i < nopts; i++)
		if (opts[i].def != NULL && (opts[i].commands & command))
			c->values[i] = xstrdup(opts[i].def);
	path = config_path(argc, argv);
	if (path != NULL && config_file(c, path, command, err, errlen) == -1)
		goto fail;
	config_env(c, command);
	if (config_flags(c, command, argc, argv, err, errlen) == -1)
		goto fail;
	*out = c;
	return 0;
fail:
	config_free(c);
	return -1;
}

const char *
config_get(const struct config *c, const char *name)
{
	long i = config_find(c, name, strlen(name));

	if (i < 0)
		return NULL;
	return c->values[i];
}

int
config_help_wanted(const struct config *c)
{
	return c->help;
}

int
config_verbosity(const struct config *c)
{
	return c->verbosity;
}

int
config_argc(const struct config *c)
{
	return c->npositional;
}

const char *
config_argv(const struct config *c, int i)
{
	if (i < 0 || i >= c->npositional)
		return NULL;
	return c->positional[i];
}

void
config_usage(FILE *fp, const char *synopsis, const struct config_opt *opts,
    size_t nopts, unsigned command)
{
	size_t i;

	fprintf(fp, "usage: %s\n\noptions (flag, or key in --config FILE, "
	    "or KLANKBORD_KEY in the environment):\n", synopsis);
	for (i = 0; i < nopts; i++) {
		if (!(opts[i].commands & command))
			continue;
		fprintf(fp, "  --%-22s %s", opts[i].name, opts[i].help);
		if (opts[i].def != NULL)
			fprintf(fp, " (default: %s)", opts[i].def);
		fputc('\n', fp);
	}
	fprintf(fp, "  --%-22s %s\n", "help", "show this help");
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nopts; i++)
		free(c->values[i]);
	free(c->values);
	free(c);
}
