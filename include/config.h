/*
 * config.h — one rule for every option: the flag --base-url is base_url in
 * the config file and KLANKBORD_BASE_URL in the environment.  Flags win over
 * the environment, which wins over the file, which wins over the default.
 */
#ifndef KB_CONFIG_H
#define KB_CONFIG_H

#include <stdio.h>

struct config_opt {
	const char	*name;		/* flag name without dashes */
	char		 shortname;	/* one-letter alias, or 0 */
	const char	*def;		/* default value, or NULL */
	const char	*help;
	unsigned	 commands;	/* bit mask of subcommands using it,
					   plus CONFIG_BOOLEAN */
};

/* In commands: the option is a flag that takes no value and sets "1". */
#define CONFIG_BOOLEAN	0x80000000u

struct config;

/*
 * Resolves the options of the subcommand `command` (one bit of the masks)
 * from the file named by --config or KLANKBORD_CONFIG, the environment and
 * argv (the words after the subcommand).  Words that are not options are
 * kept as positional arguments.  Returns 0, or -1 with err filled (a file
 * error reads "path:line: message"; a key twice in the file is an error, an
 * unknown key names the nearest known one).  The caller frees *out.
 */
int	 config_parse(const struct config_opt *opts, size_t nopts,
	    unsigned command, int argc, char **argv, struct config **out,
	    char *err, size_t errlen) __attribute__((warn_unused_result));
/* The resolved value, or NULL when unset and without default. */
const char *config_get(const struct config *c, const char *name);
/*
 * Where the value of option name came from, for a message about a bad
 * value: "path:line: key" from the file, "KLANKBORD_KEY" from the
 * environment, "--key" from a flag or the default.  Always fills out.
 */
void	 config_origin(const struct config *c, const char *name, char *out,
	    size_t outlen);
int	 config_help_wanted(const struct config *c);
int	 config_verbosity(const struct config *c);
int	 config_argc(const struct config *c);
const char *config_argv(const struct config *c, int i);
void	 config_usage(FILE *fp, const char *synopsis,
	    const struct config_opt *opts, size_t nopts, unsigned command);
void	 config_free(struct config *c);

#endif
