/*
 * store_participants.c — the volunteers' sign-ups and the contacts that
 * withdrew.  Every erasure ends with store_purge_erased, so no copy stays
 * in the write-ahead log; secure_delete (store.c) clears the pages.
 */
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_invite.h"
#include "store_participants.h"
#include "store_priv.h"
#include "util.h"

#define COLS	"id, week, consent_version, lang, kind, ways, topics," \
		" languages, sealed, contact_hash, token_nonce," \
		" withdraw_hash, renew_hash"

static const char sql_part_replace[] =
	"DELETE FROM participants WHERE contact_hash = ?";
static const char sql_part_unblock[] =
	"DELETE FROM participant_blocks WHERE contact_hash = ?";
static const char sql_part_add[] =
	"INSERT INTO participants (" COLS ") VALUES"
	" (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_part_list[] =
	"SELECT " COLS " FROM participants ORDER BY id";
static const char sql_part_get[] =
	"SELECT " COLS " FROM participants WHERE id = ?";
static const char sql_part_delete[] =
	"DELETE FROM participants WHERE id = ?";
static const char sql_part_block[] =
	"INSERT INTO participant_blocks (contact_hash)"
	" SELECT contact_hash FROM participants WHERE withdraw_hash = ?"
	" ON CONFLICT DO NOTHING";
static const char sql_part_lang[] =
	"SELECT lang FROM participants WHERE withdraw_hash = ?";
static const char sql_part_withdraw[] =
	"DELETE FROM participants WHERE withdraw_hash = ?";
static const char sql_part_renew[] =
	"UPDATE participants SET week = ? WHERE renew_hash = ?";
static const char sql_part_expire[] =
	"DELETE FROM participants WHERE week <= ?";
static const char sql_panel_queue[] =
	"INSERT INTO participant_outbox (id, participant, text, renew)"
	" VALUES (?, ?, ?, ?)";
static const char sql_panel_pending[] =
	"SELECT count(*) FROM participant_outbox";
static const char sql_panel_due[] =
	"SELECT o.id, o.text, o.renew, o.tries, p.id, p.week,"
	" p.consent_version, p.lang, p.kind, p.ways, p.topics, p.languages,"
	" p.sealed, p.contact_hash, p.token_nonce, p.withdraw_hash,"
	" p.renew_hash FROM participant_outbox o JOIN participants p"
	" ON p.id = o.participant ORDER BY o.id LIMIT ?";
static const char sql_panel_done[] =
	"DELETE FROM participant_outbox WHERE id = ?";
static const char sql_panel_retry[] =
	"UPDATE participant_outbox SET tries = tries + 1 WHERE id = ?";
static const char sql_sms_optedout[] =
	"SELECT 1 FROM optouts WHERE phone_hash = ?";
static const char sql_part_blocked[] =
	"SELECT 1 FROM participant_blocks WHERE contact_hash = ?";

static void
copy_blob(sqlite3_stmt *s, int col, unsigned char *out, size_t outlen)
{
	const void *p = sqlite3_column_blob(s, col);
	int n = sqlite3_column_bytes(s, col);

	memset(out, 0, outlen);
	if (p != NULL && n > 0 && (size_t)n == outlen)
		memcpy(out, p, outlen);
}

/* Reads the COLS of a sign-up from column at on. */
static void
read_row_at(sqlite3_stmt *s, int at, struct store_participant *p)
{
	const void *sealed;
	int n;

	memset(p, 0, sizeof(*p));
	p->id = sqlite3_column_int64(s, at);
	copy_col(s, at + 1, p->week, sizeof(p->week));
	p->consent_version = sqlite3_column_int64(s, at + 2);
	copy_col(s, at + 3, p->lang, sizeof(p->lang));
	copy_col(s, at + 4, p->kind, sizeof(p->kind));
	copy_col(s, at + 5, p->ways, sizeof(p->ways));
	copy_col(s, at + 6, p->topics, sizeof(p->topics));
	copy_col(s, at + 7, p->languages, sizeof(p->languages));
	sealed = sqlite3_column_blob(s, at + 8);
	n = sqlite3_column_bytes(s, at + 8);
	if (sealed != NULL && n > 0 && (size_t)n <= sizeof(p->sealed)) {
		memcpy(p->sealed, sealed, (size_t)n);
		p->sealed_len = (size_t)n;
	}
	copy_blob(s, at + 9, p->contact_hash, sizeof(p->contact_hash));
	copy_blob(s, at + 10, p->token_nonce, sizeof(p->token_nonce));
	copy_blob(s, at + 11, p->withdraw_hash, sizeof(p->withdraw_hash));
	copy_blob(s, at + 12, p->renew_hash, sizeof(p->renew_hash));
}

static void
read_row(sqlite3_stmt *s, struct store_participant *p)
{
	read_row_at(s, 0, p);
}

/* Runs a one-blob statement with no rows: changed rows, or -1. */
static int
exec_blob(struct store *st, const char *sql, const unsigned char *h,
    size_t hlen)
{
	sqlite3_stmt *s = adm_begin(st, sql);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, h, (int)hlen, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_participant_add(struct store *st, struct store_participant *p)
{
	sqlite3_stmt *s;
	int rc = -1, replaced;

	if (store_batch_begin(st) == -1)
		return -1;
	replaced = exec_blob(st, sql_part_replace, p->contact_hash,
	    sizeof(p->contact_hash));
	if (replaced == -1 || exec_blob(st, sql_part_unblock, p->contact_hash,
	    sizeof(p->contact_hash)) == -1)
		goto out;
	s = adm_begin(st, sql_part_add);
	if (s == NULL)
		goto out;
	p->id = store_random_id();
	sqlite3_bind_int64(s, 1, p->id);
	sqlite3_bind_text(s, 2, p->week, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, p->consent_version);
	sqlite3_bind_text(s, 4, p->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->ways, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, p->topics, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, p->languages, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, p->sealed, (int)p->sealed_len, SQLITE_STATIC);
	sqlite3_bind_blob(s, 10, p->contact_hash, sizeof(p->contact_hash),
	    SQLITE_STATIC);
	sqlite3_bind_blob(s, 11, p->token_nonce, sizeof(p->token_nonce),
	    SQLITE_STATIC);
	sqlite3_bind_blob(s, 12, p->withdraw_hash, sizeof(p->withdraw_hash),
	    SQLITE_STATIC);
	sqlite3_bind_blob(s, 13, p->renew_hash, sizeof(p->renew_hash),
	    SQLITE_STATIC);
	if (adm_exec(st, s) != 1)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		char err[256];

		(void)store_exec(st->adm, "ROLLBACK", err, sizeof(err));
		pthread_mutex_unlock(&st->adm_mtx);
		return -1;
	}
	if (store_batch_end(st) == -1)
		return -1;
	/* The earlier sign-up of this contact is gone from the file too. */
	if (replaced > 0)
		(void)store_purge_erased(st);
	return 0;
}

int
store_participant_list(struct store *st,
    void (*fn)(const struct store_participant *, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_part_list);
	struct store_participant *p;
	int rc;

	if (s == NULL)
		return -1;
	p = xmalloc(sizeof(*p));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(s, p);
		fn(p, arg);
	}
	if (rc != SQLITE_DONE)
		log_warnx("store: %s", sqlite3_errmsg(st->adm));
	adm_end(st, s);
	sodium_memzero(p, sizeof(*p));
	free(p);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_participant_get(struct store *st, long long id,
    struct store_participant *out)
{
	sqlite3_stmt *s = adm_begin(st, sql_part_get);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = adm_row(st, s);
	if (rc == 1) {
		read_row(s, out);
		adm_end(st, s);
	}
	return rc;
}

int
store_participant_delete(struct store *st, long long id)
{
	sqlite3_stmt *s = adm_begin(st, sql_part_delete);
	int n;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	n = adm_exec(st, s);
	if (n > 0 && store_purge_erased(st) == -1)
		store_erase_soon(st);	/* the checkpointer retries */
	return n < 0 ? -1 : n > 0;
}

int
store_participant_withdraw(struct store *st,
    const unsigned char h[STORE_PART_HASH], char lang[4])
{
	sqlite3_stmt *s;
	int n = -1;

	if (store_batch_begin(st) == -1)
		return -1;
	lang[0] = '\0';
	s = adm_begin(st, sql_part_lang);
	if (s != NULL) {
		sqlite3_bind_blob(s, 1, h, STORE_PART_HASH, SQLITE_STATIC);
		if (adm_row(st, s) == 1) {
			copy_col(s, 0, lang, 4);
			adm_end(st, s);
		}
	}
	if (exec_blob(st, sql_part_block, h, STORE_PART_HASH) >= 0)
		n = exec_blob(st, sql_part_withdraw, h, STORE_PART_HASH);
	if (n == -1) {
		char err[256];

		(void)store_exec(st->adm, "ROLLBACK", err, sizeof(err));
		pthread_mutex_unlock(&st->adm_mtx);
		return -1;
	}
	if (store_batch_end(st) == -1)
		return -1;
	if (n > 0 && store_purge_erased(st) == -1)
		store_erase_soon(st);	/* the checkpointer retries */
	return n > 0;
}

int
store_participant_renew(struct store *st,
    const unsigned char h[STORE_PART_HASH], const char *week)
{
	sqlite3_stmt *s = adm_begin(st, sql_part_renew);
	int n;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, week, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, h, STORE_PART_HASH, SQLITE_STATIC);
	n = adm_exec(st, s);
	return n < 0 ? -1 : n > 0;
}

int
store_participant_expire(struct store *st, const char *cutoff_week)
{
	sqlite3_stmt *s = adm_begin(st, sql_part_expire);
	int n;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, cutoff_week, -1, SQLITE_STATIC);
	n = adm_exec(st, s);
	if (n > 0 && store_purge_erased(st) == -1)
		store_erase_soon(st);	/* the checkpointer retries */
	return n;
}

int
store_participant_blocked(struct store *st,
    const unsigned char contact_hash[STORE_PART_HASH])
{
	sqlite3_stmt *s = adm_begin(st, sql_part_blocked);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, contact_hash, STORE_PART_HASH, SQLITE_STATIC);
	return adm_exists(st, s);
}

int
store_panel_queue(struct store *st, long long participant, const char *text,
    int renew)
{
	sqlite3_stmt *s = adm_begin(st, sql_panel_queue);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, store_random_id());
	sqlite3_bind_int64(s, 2, participant);
	sqlite3_bind_text(s, 3, text, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, renew ? 1 : 0);
	return adm_exec(st, s) == 1 ? 0 : -1;
}

int
store_panel_pending(struct store *st)
{
	sqlite3_stmt *s = adm_begin(st, sql_panel_pending);
	int rc, n;

	if (s == NULL)
		return -1;
	rc = adm_row(st, s);
	if (rc != 1)
		return -1;
	n = sqlite3_column_int(s, 0);
	adm_end(st, s);
	return n;
}

struct due_row {
	long long			 id;
	char				*text;
	int				 renew, tries;
	struct store_participant	 p;
};

int
store_panel_due(struct store *st, int limit,
    void (*fn)(long long, const char *, int, int,
    const struct store_participant *, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_panel_due);
	struct due_row *rows = NULL;
	size_t n = 0, i;
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, limit);
	/* Copied out first: fn may send, which must not hold the store. */
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rows = xrealloc(rows, (n + 1) * sizeof(*rows));
		rows[n].id = sqlite3_column_int64(s, 0);
		rows[n].text = xstrdup(col_text(s, 1));
		rows[n].renew = sqlite3_column_int(s, 2);
		rows[n].tries = sqlite3_column_int(s, 3);
		read_row_at(s, 4, &rows[n].p);
		n++;
	}
	if (rc != SQLITE_DONE)
		log_warnx("store: %s", sqlite3_errmsg(st->adm));
	adm_end(st, s);
	for (i = 0; i < n; i++) {
		if (rc == SQLITE_DONE)
			fn(rows[i].id, rows[i].text, rows[i].renew,
			    rows[i].tries, &rows[i].p, arg);
		free(rows[i].text);
		sodium_memzero(&rows[i].p, sizeof(rows[i].p));
	}
	free(rows);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_panel_done(struct store *st, long long id)
{
	sqlite3_stmt *s = adm_begin(st, sql_panel_done);
	int n;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	n = adm_exec(st, s);
	return n < 0 ? -1 : n > 0;
}

int
store_panel_retry(struct store *st, long long id)
{
	sqlite3_stmt *s = adm_begin(st, sql_panel_retry);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return adm_exec(st, s) < 0 ? -1 : 0;
}

int
store_participant_sms_optedout(struct store *st,
    const unsigned char phone_hash[32])
{
	sqlite3_stmt *s = adm_begin(st, sql_sms_optedout);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, phone_hash, 32, SQLITE_STATIC);
	return adm_exists(st, s);
}
