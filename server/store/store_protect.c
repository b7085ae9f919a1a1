/*
 * store_protect.c — the protected table sets as published: one row per
 * survey and K, the set built from the closed months up to `through`,
 * kept with the hash of the data it was built from.  A restart serves the
 * same figures without rebuilding them, and the file records what the
 * team was shown.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_protect.h"
#include "store_priv.h"
#include "util.h"

/* Migration 8: the table (store.c lists it). */
const char migrate_protect_v1[] =
	"CREATE TABLE protected_sets ("
	"  survey TEXT NOT NULL, k INTEGER NOT NULL, through TEXT NOT NULL,"
	"  hash INTEGER NOT NULL, built INTEGER NOT NULL, data TEXT NOT NULL,"
	"  PRIMARY KEY (survey, k)) WITHOUT ROWID;";

static const char sql_protect_get[] =
	"SELECT data FROM protected_sets WHERE survey = ?1 AND k = ?2"
	" AND through = ?3 AND hash = ?4";
static const char sql_protect_put[] =
	"INSERT INTO protected_sets (survey, k, through, hash, built, data)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (survey, k) DO UPDATE"
	" SET through = ?3, hash = ?4, built = ?5, data = ?6";

int
store_protect_load(struct store *st, const char *survey, long long k,
    const char *through, unsigned long long hash, char **data)
{
	sqlite3_stmt *s = adm_begin(st, sql_protect_get);
	int rc;

	*data = NULL;
	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, k);
	sqlite3_bind_text(s, 3, through, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)hash);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	*data = xstrdup(col_text(s, 0));
	adm_end(st, s);
	return 1;
}

int
store_protect_save(struct store *st, const char *survey, long long k,
    const char *through, unsigned long long hash, const char *data)
{
	sqlite3_stmt *s = adm_begin(st, sql_protect_put);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, k);
	sqlite3_bind_text(s, 3, through, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)hash);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(s, 6, data, -1, SQLITE_STATIC);
	return adm_exec(st, s) < 0 ? -1 : 0;
}
