/*
 * store_export.c — the rows of the anonymised microdata export: released
 * responses of one survey, in the order of their random ids (so not in
 * the order they came in).  The caller coarsens and filters them.
 */
#include <sqlite3.h>
#include <stdint.h>

#include "store_export.h"
#include "store_priv.h"

static const char sql_export[] =
	"SELECT version, channel, location, lang, week, answers"
	" FROM responses WHERE survey = ?1 ORDER BY id";

int
store_export_responses(struct store *st, const char *survey,
    void (*fn)(long long version, const char *channel, const char *location,
    const char *lang, const char *week, const char *answers, void *arg),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_export);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(sqlite3_column_int64(s, 0), col_text(s, 1), col_text(s, 2),
		    col_text(s, 3), col_text(s, 4), col_text(s, 5), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}
