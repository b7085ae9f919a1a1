/*
 * store_adm.c — the team's connection: its statements, prepared once and
 * cached, the helpers that step them under adm_mtx, and batches that group
 * several calls into one transaction.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_priv.h"

/*
 * The team's side.  Each function takes adm_mtx, prepares (once) and binds
 * its statement, steps it and resets it before unlocking.
 */
sqlite3_stmt *
adm_begin(struct store *st, const char *sql)
{
	size_t i;

	pthread_mutex_lock(&st->adm_mtx);
	for (i = 0; i < STORE_ADM_MAX && st->adm_stmts[i].sql != NULL; i++)
		if (st->adm_stmts[i].sql == sql)
			return st->adm_stmts[i].stmt;
	if (i == STORE_ADM_MAX)
		fatalx("store: more than %d team statements", STORE_ADM_MAX);
	if (sqlite3_prepare_v2(st->adm, sql, -1, &st->adm_stmts[i].stmt,
	    NULL) != SQLITE_OK) {
		log_warnx("store: %s", sqlite3_errmsg(st->adm));
		pthread_mutex_unlock(&st->adm_mtx);
		return NULL;
	}
	st->adm_stmts[i].sql = sql;
	return st->adm_stmts[i].stmt;
}

void
adm_end(struct store *st, sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	pthread_mutex_unlock(&st->adm_mtx);
}

/*
 * Steps a one-row lookup.  Returns 1 with the row ready to read (the
 * caller reads it, then calls adm_end), or 0 (no row) or -1 (an error),
 * the statement already ended.
 */
int
adm_row(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		log_warnx("store: %s", sqlite3_errmsg(st->adm));
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Steps a statement that returns no rows; the count of changed rows or -1. */
int
adm_exec(struct store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	int n = sqlite3_changes(st->adm);

	if (rc != SQLITE_DONE) {
		log_warnx("store: %s", sqlite3_errmsg(st->adm));
		n = -1;
	}
	adm_end(st, s);
	return n;
}

void
copy_col(sqlite3_stmt *s, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	int n = sqlite3_column_bytes(s, col);

	if (outlen == 0)
		return;
	if (t == NULL) {
		out[0] = '\0';
		return;
	}
	if ((size_t)n >= outlen)
		n = (int)outlen - 1;
	memcpy(out, t, (size_t)n);
	out[n] = '\0';
}

/* Runs a listing statement, handing up to four text columns to fn. */
int
adm_list(struct store *st, sqlite3_stmt *s, int ncols,
    void (*fn)(const char *const *cols, void *), void *arg)
{
	const char *cols[4];
	int rc, i;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < ncols && i < 4; i++)
			cols[i] = (const char *)sqlite3_column_text(s, i);
		fn(cols, arg);
	}
	if (rc != SQLITE_DONE)
		log_warnx("store: %s", sqlite3_errmsg(st->adm));
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
adm_exists(struct store *st, sqlite3_stmt *s)
{
	int rc = adm_row(st, s);

	if (rc == 1)
		adm_end(st, s);
	return rc;
}

const char *
col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

int
store_batch_begin(struct store *st)
{
	char err[256];

	pthread_mutex_lock(&st->adm_mtx);
	if (store_exec(st->adm, "BEGIN IMMEDIATE", err, sizeof(err)) == -1) {
		log_warnx("store: %s", err);
		pthread_mutex_unlock(&st->adm_mtx);
		return -1;
	}
	return 0;
}

int
store_batch_end(struct store *st)
{
	char err[256];
	int rc;

	rc = store_exec(st->adm, "COMMIT", err, sizeof(err));
	if (rc == -1) {
		log_warnx("store: %s", err);
		(void)store_exec(st->adm, "ROLLBACK", err, sizeof(err));
	}
	pthread_mutex_unlock(&st->adm_mtx);
	return rc;
}
