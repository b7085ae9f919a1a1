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
	char			**origins;	/* "path:line", "KLANKBORD_X" or
						   "--x": where each came from */
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
config_set(struct config *c, size_t i, const char *v, const char *origin)
{
	free(c->values[i]);
	c->values[i] = xstrdup(v);
	free(c->origins[i]);
	c->origins[i] = origin ? xstrdup(origin) : NULL;
}

/* Edit distance of a and b (both short), for "did you mean". */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, *row, best;

	if (la > 64 || lb > 64)
		return (size_t)-1;
	row = xcalloc(lb + 1, sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], d;

			d = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < d)
				d = up + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			row[j] = d;
			diag = up;
		}
	}
	best = row[lb];
	free(row);
	return best;
}

/* The known option name nearest to name (flag spelling), or NULL. */
static const char *
config_nearest(const struct config *c, const char *name)
{
	const char *best = NULL;
	size_t i, d, bestd = (size_t)-1;

	for (i = 0; i < c->nopts; i++) {
		if (strcmp(c->opts[i].name, "config") == 0)
			continue;
		d = distance(name, c->opts[i].name);
		if (d < bestd) {
			bestd = d;
			best = c->opts[i].name;
		}
	}
	return best;
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
	char flag[CONFIG_LINE_MAX], where[CONFIG_LINE_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t got;
	FILE *fp;
	int lineno = 0, rc = -1, *seen;

	fp = config_open(path, err, errlen);
	if (fp == NULL)
		return -1;
	seen = xcalloc(c->nopts, sizeof(*seen));
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
			const char *near = config_nearest(c, flag);
			size_t k;

			if (near == NULL || strcmp(flag, "config") == 0) {
				snprintf(err, errlen, "%s:%d: unknown key "
				    "'%s'", path, lineno, key);
				goto out;
			}
			snprintf(where, sizeof(where), "%s", near);
			for (k = 0; where[k] != '\0'; k++)
				if (where[k] == '-')
					where[k] = '_';
			snprintf(err, errlen, "%s:%d: unknown key '%s' (did you "
			    "mean '%s'?)", path, lineno, key, where);
			goto out;
		}
		if (seen[i] != 0) {
			snprintf(err, errlen, "%s:%d: duplicate key '%s' (first "
			    "set on line %d)", path, lineno, key, seen[i]);
			goto out;
		}
		seen[i] = lineno;
		snprintf(where, sizeof(where), "%s:%d: %s", path, lineno, key);
		/* Keys of other subcommands may share the file. */
		if (c->opts[i].commands & command)
			config_set(c, (size_t)i, val, where);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	free(seen);
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
			config_set(c, i, v, name);
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
	char flagname[128];
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
		snprintf(flagname, sizeof(flagname), "--%s", c->opts[k].name);
		config_set(c, (size_t)k, val, flagname);
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
	c->origins = xcalloc(nopts, sizeof(char *));
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

void
config_origin(const struct config *c, const char *name, char *out,
    size_t outlen)
{
	long i = config_find(c, name, strlen(name));

	if (i >= 0 && c->origins[i] != NULL)
		snprintf(out, outlen, "%s", c->origins[i]);
	else
		snprintf(out, outlen, "--%s", name);
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
	for (i = 0; i < c->nopts; i++) {
		free(c->values[i]);
		if (c->origins != NULL)
			free(c->origins[i]);
	}
	free(c->values);
	free(c->origins);
	free(c);
}
