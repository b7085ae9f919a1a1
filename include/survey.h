/*
 * survey.h — survey definitions and locations: loading, validating (with
 * file:line:column errors) and checking answers against a definition.
 */
#ifndef KB_SURVEY_H
#define KB_SURVEY_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

enum survey_qtype {
	SURVEY_Q_SMILEY,
	SURVEY_Q_GRADE,
	SURVEY_Q_SCALE,
	SURVEY_Q_CHOICE,
	SURVEY_Q_MULTI,
	SURVEY_Q_YESNO,
	SURVEY_Q_TEXT
};

enum survey_audience {
	SURVEY_AUDIENCE_PARENT,
	SURVEY_AUDIENCE_YOUTH,
	SURVEY_AUDIENCE_ANY,
	SURVEY_AUDIENCE_STAFF
};

/* What a goal measures (see SPEC.md §3, "goals"). */
enum survey_goal_measure {
	SURVEY_GOAL_SATISFACTION,	/* the satisfaction score, 0..10 */
	SURVEY_GOAL_MEAN,		/* mean of one numeric question */
	SURVEY_GOAL_SHARE		/* % of answerers giving given values */
};

#define SURVEY_GOAL_VALUE	33	/* a value as the report names it */

struct survey_goal {
	const char		*id;		/* points into def */
	json_t			*text;		/* per language; borrowed, or NULL */
	enum survey_goal_measure measure;
	long			 question;	/* index, or -1 */
	char			(*share_of)[SURVEY_GOAL_VALUE]; /* "yes", "2", ... */
	size_t			 nshare;
	int			 down;		/* lower is better */
	char			 base_from[8];	/* "YYYY-MM" */
	char			 base_to[8];
	double			 target;
};

struct survey_question {
	const char		*id;		/* points into def */
	enum survey_qtype	 type;
	int			 required;
	int			 satisfaction;	/* counts toward the score */
	const char		*theme;		/* access|quality|effect|NULL */
	long long		 min, max;	/* numeric types */
	long long		 max_length;	/* text */
	const char		**options;	/* choice, multi */
	size_t			 noptions;
	long			 show_if;	/* index of earlier question, or -1 */
	json_t			*show_equals;	/* borrowed from def */
};

struct survey {
	const char		*id;
	long long		 version;
	enum survey_audience	 audience;
	const char		**languages;
	size_t			 nlanguages;
	struct survey_question	*questions;
	size_t			 nquestions;
	char			 fingerprint[65];	/* of the questions' structure */
	char			 fingerprint_legacy[65];	/* of their every byte */
	json_t			*def;		/* the whole definition */
	char			*def_json;	/* def, compact, for the API */
	size_t			 def_json_len;
	int			 current;	/* from the folder, not archived */
	struct survey_goal	*goals;		/* "goals", or the old "goal" */
	size_t			 ngoals;
	long long		 k;		/* the file's "k", or 0 */
};

struct survey_location {
	const char	*id;
	json_t		*name;		/* localized names, borrowed */
};

struct survey_set;
struct i18n;

/*
 * Loads every *.json survey and locations.json from dir.  All problems
 * are appended to errors, one "path:line:column: message" line each.
 * Returns 0 with *out set (free with survey_set_free), or -1 when any file
 * is bad (then *out is NULL).
 */
int	 survey_set_load(const char *dir, struct survey_set **out,
	    struct buf *errors) __attribute__((warn_unused_result));
/*
 * Parses and validates one definition held in memory; path is used in
 * messages only.  Returns the survey (free with survey_free) or NULL with
 * errors appended.
 */
struct survey *survey_parse(const char *path, const char *text, size_t len,
	    struct buf *errors);
void	 survey_free(struct survey *s);
void	 survey_set_free(struct survey_set *set);

/* Adds an archived version (from the store) so old clients can answer it. */
int	 survey_set_add_archived(struct survey_set *set, const char *id,
	    long long version, const char *def_json, struct buf *errors)
	    __attribute__((warn_unused_result));

/* The interface texts of surveys/i18n/ (none when the folder is missing). */
const struct i18n *survey_set_i18n(const struct survey_set *set);
size_t	 survey_set_count(const struct survey_set *set);
/* The i-th current survey, in id order. */
const struct survey *survey_set_at(const struct survey_set *set, size_t i);
/* version 0 means the current one; NULL when unknown. */
const struct survey *survey_set_find(const struct survey_set *set,
	    const char *id, long long version);
const struct survey_location *survey_set_location(
	    const struct survey_set *set, const char *id);
size_t	 survey_set_location_count(const struct survey_set *set);
const struct survey_location *survey_set_location_at(
	    const struct survey_set *set, size_t i);
/* JSON of GET /api/surveys: the active surveys, built once at load. */
const char *survey_set_list_json(const struct survey_set *set, size_t *len);

int	 survey_has_language(const struct survey *s, const char *lang);

/*
 * Checks answers (a JSON object keyed by question id) against s: types,
 * ranges, options, required questions, show_if and text length.  Returns
 * 0, or -1 with *field set to the offending question id ("answers" for the
 * object itself) and msg filled with a sentence for the respondent's app.
 */
int	 survey_answers_validate(const struct survey *s, json_t *answers,
	    const char **field, char *msg, size_t msglen)
	    __attribute__((warn_unused_result));

#endif
