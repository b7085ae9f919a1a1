/*
 * store_invite.c — SMS invitations (the durable outbox) and opt-outs.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_priv.h"
#include "util.h"

static const char sql_sel_token[] =
	"SELECT state FROM invitations WHERE token_hash = ?";
static const char sql_use_token[] =
	"UPDATE invitations SET state = 'answered', phone = NULL,"
	" nonce = NULL, next_at = NULL WHERE token_hash = ?1"
	" AND state IN ('queued', 'sent', 'delivered', 'optedout')"
	" AND expires > ?2";

static const char sql_opted_out[] =
	"SELECT 1 FROM optouts WHERE phone_hash = ?";
static const char sql_recent_invite[] =
	"SELECT 1 FROM invitations WHERE phone_hash = ?"
	" AND survey = ? AND created > ? LIMIT 1";
static const char sql_invite_add[] =
	"INSERT INTO invitations (id, survey, location,"
	" lang, phone, nonce, phone_hash, token_hash, ref, state, created,"
	" expires, remind_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
	" 'queued', ?, ?, ?, ?)";
static const char sql_invite_due[] =
	"SELECT id, survey, location, lang, phone, nonce,"
	" ref, reminded, tries, state FROM invitations WHERE next_at <= ?"
	" AND phone IS NOT NULL AND nonce IS NOT NULL"
	" ORDER BY next_at LIMIT ?";
static const char sql_invite_sent[] =
	"UPDATE invitations SET state = CASE WHEN"
	" state = 'queued' THEN 'sent' ELSE state END,"
	" provider_id = coalesce(?2, provider_id), tries = 0,"
	" reminded = reminded + ?3, next_at = ?4,"
	" phone = CASE WHEN ?4 IS NULL THEN NULL ELSE phone END,"
	" nonce = CASE WHEN ?4 IS NULL THEN NULL ELSE nonce END"
	" WHERE id = ?1 AND next_at IS NOT NULL";
static const char sql_invite_retry[] =
	"UPDATE invitations SET tries = ?2, next_at = ?3"
	" WHERE id = ?1 AND next_at IS NOT NULL";
static const char sql_invite_final[] =
	"UPDATE invitations SET state = ?2, phone = NULL,"
	" nonce = NULL, next_at = NULL WHERE id = ?1"
	" AND state IN ('queued', 'sent', 'delivered')";
static const char sql_invite_expire[] =
	"UPDATE invitations SET state = 'expired',"
	" phone = NULL, nonce = NULL, next_at = NULL WHERE expires <= ?"
	" AND state IN ('queued', 'sent', 'delivered')";
static const char sql_invite_by_token[] =
	"SELECT id, survey, location, lang, state,"
	" expires, phone_hash FROM invitations WHERE token_hash = ?";
static const char sql_invite_by_ref[] =
	"SELECT id, state FROM invitations"
	" WHERE ref = ?1 OR provider_id = ?1 LIMIT 1";
static const char sql_optout_add[] =
	"INSERT INTO optouts (phone_hash) VALUES (?)"
	" ON CONFLICT DO NOTHING";
static const char sql_optout_pending[] =
	"UPDATE invitations SET state = 'optedout',"
	" phone = NULL, nonce = NULL, next_at = NULL WHERE phone_hash = ?"
	" AND state IN ('queued', 'sent', 'delivered')";
static const char sql_invite_delivered[] =
	"UPDATE invitations SET state = 'delivered'"
	" WHERE id = ? AND state = 'sent'";
static const char sql_invite_counts[] =
	"SELECT state, count(*) FROM invitations"
	" WHERE survey = ? GROUP BY state";


/*
 * Uses an SMS token once, in the response's own transaction.  Opting out
 * stops the messages, not the answer: an opted-out link still answers.  Returns 1
 * when used now, 0 when refused (job->result says why), -1 on an error.
 */
int
invite_use_token(struct store *st, struct store_job *job)
{
	const unsigned char *state;
	int rc;

	sqlite3_bind_blob(st->use_token, 1, job->r.token_hash,
	    sizeof(job->r.token_hash), SQLITE_STATIC);
	sqlite3_bind_int64(st->use_token, 2, (sqlite3_int64)time(NULL));
	if (store_step_reset(st->use_token) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 1)
		return 1;
	sqlite3_bind_blob(st->sel_token, 1, job->r.token_hash,
	    sizeof(job->r.token_hash), SQLITE_STATIC);
	rc = sqlite3_step(st->sel_token);
	job->result = STORE_TOKEN_UNKNOWN;
	if (rc == SQLITE_ROW) {
		state = sqlite3_column_text(st->sel_token, 0);
		job->result = state != NULL && strcmp((const char *)state,
		    "answered") == 0 ? STORE_TOKEN_USED : STORE_TOKEN_EXPIRED;
	}
	sqlite3_reset(st->sel_token);
	sqlite3_clear_bindings(st->sel_token);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}


int
store_invite_add(struct store *st, struct store_invite *in, long long now)
{
	sqlite3_stmt *s;
	sqlite3_int64 id;
	int rc;

	s = adm_begin(st, sql_opted_out);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, in->phone_hash, sizeof(in->phone_hash),
	    SQLITE_STATIC);
	rc = adm_exists(st, s);
	if (rc != 0)
		return rc == 1 ? STORE_INVITE_OPTED_OUT : -1;
	s = adm_begin(st, sql_recent_invite);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, in->phone_hash, sizeof(in->phone_hash),
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now - 30LL * 24 * 3600);
	rc = adm_exists(st, s);
	if (rc != 0)
		return rc == 1 ? STORE_INVITE_RECENT : -1;
	s = adm_begin(st, sql_invite_add);
	if (s == NULL)
		return -1;
	id = store_random_id();
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, in->survey, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->location, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, in->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, in->phone, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 6, in->nonce, sizeof(in->nonce), SQLITE_STATIC);
	sqlite3_bind_blob(s, 7, in->phone_hash, sizeof(in->phone_hash),
	    SQLITE_STATIC);
	sqlite3_bind_blob(s, 8, in->token_hash, sizeof(in->token_hash),
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 9, in->ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 10, now);
	sqlite3_bind_int64(s, 11, in->expires);
	sqlite3_bind_int64(s, 12, in->remind_at);
	sqlite3_bind_int64(s, 13, in->send_at);
	if (adm_exec(st, s) != 1)
		return -1;
	snprintf(in->id, sizeof(in->id), "%016llx", (unsigned long long)id);
	return STORE_INVITE_QUEUED;
}

int
store_invite_due(struct store *st, long long now, int limit,
    void (*fn)(const struct store_due *, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_due);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_due d;

		memset(&d, 0, sizeof(d));
		d.id = sqlite3_column_int64(s, 0);
		copy_col(s, 1, d.survey, sizeof(d.survey));
		copy_col(s, 2, d.location, sizeof(d.location));
		copy_col(s, 3, d.lang, sizeof(d.lang));
		copy_col(s, 4, d.phone, sizeof(d.phone));
		if (sqlite3_column_bytes(s, 5) == (int)sizeof(d.nonce))
			memcpy(d.nonce, sqlite3_column_blob(s, 5),
			    sizeof(d.nonce));
		copy_col(s, 6, d.ref, sizeof(d.ref));
		d.reminded = sqlite3_column_int(s, 7);
		d.tries = sqlite3_column_int(s, 8);
		copy_col(s, 9, d.state, sizeof(d.state));
		fn(&d, arg);
	}
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_invite_sent(struct store *st, long long id, const char *provider_id,
    int reminder, long long next_at)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_sent);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (provider_id != NULL && *provider_id != '\0')
		sqlite3_bind_text(s, 2, provider_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, reminder ? 1 : 0);
	if (next_at > 0)
		sqlite3_bind_int64(s, 4, next_at);
	return adm_exec(st, s) < 0 ? -1 : 0;
}

int
store_invite_retry(struct store *st, long long id, int tries,
    long long next_at)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_retry);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, tries);
	sqlite3_bind_int64(s, 3, next_at);
	return adm_exec(st, s) < 0 ? -1 : 0;
}

int
store_invite_final(struct store *st, long long id, const char *state)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_final);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_invite_expire(struct store *st, long long now)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_expire);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return adm_exec(st, s);
}

int
store_invite_by_token(struct store *st, const unsigned char *token_hash,
    struct store_invite_view *out)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_by_token);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, token_hash, STORE_TOKEN_HASH, SQLITE_STATIC);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	out->id = sqlite3_column_int64(s, 0);
	copy_col(s, 1, out->survey, sizeof(out->survey));
	copy_col(s, 2, out->location, sizeof(out->location));
	copy_col(s, 3, out->lang, sizeof(out->lang));
	copy_col(s, 4, out->state, sizeof(out->state));
	out->expires = sqlite3_column_int64(s, 5);
	if (sqlite3_column_bytes(s, 6) == STORE_PHONE_HASH)
		memcpy(out->phone_hash, sqlite3_column_blob(s, 6),
		    STORE_PHONE_HASH);
	adm_end(st, s);
	return 1;
}

int
store_invite_by_ref(struct store *st, const char *ref, long long *id,
    char *state, size_t statelen)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_by_ref);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, ref, -1, SQLITE_STATIC);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	*id = sqlite3_column_int64(s, 0);
	copy_col(s, 1, state, statelen);
	adm_end(st, s);
	return 1;
}

int
store_optout(struct store *st, const unsigned char *phone_hash)
{
	sqlite3_stmt *s = adm_begin(st, sql_optout_add);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, phone_hash, STORE_PHONE_HASH, SQLITE_STATIC);
	if (adm_exec(st, s) < 0)
		return -1;
	s = adm_begin(st, sql_optout_pending);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, phone_hash, STORE_PHONE_HASH, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_invite_counts(struct store *st, const char *survey,
    void (*fn)(const char *state, long long n, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_counts);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), sqlite3_column_int64(s, 1), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_purge_erased(struct store *st)
{
	char err[256];
	int rc;

	/*
	 * secure_delete already overwrote the erased values in the database
	 * pages; this moves every page into the file and truncates the
	 * write-ahead log, so no old copy lingers there either.
	 */
	pthread_mutex_lock(&st->adm_mtx);
	rc = store_exec(st->adm, "PRAGMA wal_checkpoint(TRUNCATE)", err,
	    sizeof(err));
	pthread_mutex_unlock(&st->adm_mtx);
	return rc;
}

int
store_invite_delivered(struct store *st, long long id)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_delivered);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return adm_exec(st, s);
}


int
invite_prepare(struct store *st)
{
	if (sqlite3_prepare_v2(st->db, sql_use_token, -1, &st->use_token,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_sel_token, -1, &st->sel_token,
	    NULL) != SQLITE_OK)
		return -1;
	return 0;
}

void
invite_finalize(struct store *st)
{
	sqlite3_finalize(st->use_token);
	sqlite3_finalize(st->sel_token);
}
