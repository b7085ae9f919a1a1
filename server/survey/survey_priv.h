/*
 * survey_priv.h — what the survey folder's files share, and nothing outside
 * server/survey/ may include: the validator's place in the file (for
 * "path:line:column" messages), the checks more than one file runs, and the
 * lookups into a parsed survey.
 */
#ifndef KB_SURVEY_PRIV_H
#define KB_SURVEY_PRIV_H

#include <jansson.h>
#include <stddef.h>

#include "survey.h"
#include "util.h"

#define SURVEY_MAX_OPTIONS	50
#define SURVEY_TEXT_MAX		2000
#define SURVEY_NAME_MAX		120	/* a survey title, a location name */
#define VCTX_DEPTH		8

/* Where the validator is inside the file, for messages. */
struct vctx {
	const char	*path;
	const char	*text;
	size_t		 len;
	const char	*seg[VCTX_DEPTH];
	char		 idx[VCTX_DEPTH][24];
	size_t		 depth;
	struct buf	*errors;
	int		 nerrors;
};

/* Enters an object's key or an array's index; vctx_pop leaves it. */
void	 vctx_push(struct vctx *v, const char *key);
void	 vctx_push_idx(struct vctx *v, size_t i);
void	 vctx_pop(struct vctx *v);
/*
 * Appends "path:line:column: message" for the current place, extended by
 * key when not NULL, to v->errors and counts it.  (Not named verr: glibc's
 * <err.h> has one.)
 */
void	 vctx_err(struct vctx *v, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Reports every key of obj not in allowed (NULL-terminated). */
void	 check_keys(struct vctx *v, json_t *obj, const char *const *allowed);
/* obj's string key, or NULL (reported when missing and required). */
const char *get_string(struct vctx *v, json_t *obj, const char *key,
	    int required);
/* Each language's text of obj[key] is at most max characters. */
void	 check_short(struct vctx *v, json_t *obj, const char *key, long max);
/* Reports a control character in any key or string anywhere in j. */
void	 check_controls(struct vctx *v, json_t *j);
/* Is b exactly "YYYY-MM/YYYY-MM" (digits where the Ys and Ms are)? */
int	 period_shaped(const char *b);
/* Is v a possible answer value of q, as show_if compares it? */
int	 value_fits(const struct survey_question *q, json_t *v);
/* The index of option id of q, or -1. */
long	 option_index(const struct survey_question *q, const char *id);
/* The index of question id among the first upto of s, or -1. */
long	 question_index(const struct survey *s, size_t upto, const char *id);

/*
 * Reads "goals" (survey_goals.c) once the questions are read: s->goals,
 * or the old single "goal" as one satisfaction goal.
 */
void	 check_goals(struct vctx *v, struct survey *s);

#endif
