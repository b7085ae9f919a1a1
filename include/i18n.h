/*
 * i18n.h — the respondent app's interface texts (buttons, help lines,
 * errors), one file per language in the surveys folder's i18n/, validated
 * like surveys.  nl.json is the reference: every other file may hold only
 * its keys, with the same shape and the same {placeholders}.
 */
#ifndef KB_I18N_H
#define KB_I18N_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

struct i18n_lang {
	char		 lang[8];	/* "nl", "ar", ... */
	const char	*name;		/* in its own language; points into def */
	int		 rtl;
	const char	*review;	/* NULL once a native speaker checked it */
	json_t		*texts;		/* key -> string or list; borrowed */
	json_t		*def;		/* the whole file */
};

struct i18n;

/*
 * Loads every LL.json in dir.  A missing dir is not an error: then *out
 * holds no language.  Problems are appended to errors as
 * "path:line:column: message" lines.  Returns 0 with *out set (free with
 * i18n_free), or -1 (then *out is NULL).
 */
int	 i18n_load(const char *dir, struct i18n **out, struct buf *errors)
	    __attribute__((warn_unused_result));
/*
 * Validates one file held in memory (path names it in messages; ref is
 * the nl file to compare with, or NULL for nl itself).  Returns the
 * language (free with i18n_lang_free) or NULL with errors appended.
 */
struct i18n_lang *i18n_parse(const char *path, const char *text, size_t len,
	    const struct i18n_lang *ref, struct buf *errors);
void	 i18n_lang_free(struct i18n_lang *l);
void	 i18n_free(struct i18n *set);

size_t	 i18n_count(const struct i18n *set);
const struct i18n_lang *i18n_at(const struct i18n *set, size_t i);
/* NULL when the language has no file. */
const struct i18n_lang *i18n_find(const struct i18n *set, const char *lang);
/*
 * The text for key in lang, else in English, else in Dutch; a list value
 * gives its item idx.  NULL when no file has it.
 */
const char *i18n_text(const struct i18n *set, const char *lang,
	    const char *key, size_t idx);

#endif
