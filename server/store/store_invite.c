/*
 * store_invite.c — SMS invitations (the durable outbox), opt-outs, and
 * what is left of an invitation once it is final.
 *
 * A pending invitation is one row: its number (until the last message is
 * sent), the nonce its token comes from, a keyed hash of the number, its
 * references.  When it becomes final — answered, expired, failed, opted
 * out — the row is deleted.  What remains: a keyed hash of number, survey
 * and ISO week for the 30-day rule (deleted after 30 days), the opt-out
 * link (the number's keyed hash sealed with the token, deleted when the
 * link would have expired, the same whether or not anyone answered), the
 * survey link of a number that opted out but may still answer once (no
 * number in it; gone when answered or expired), the
 * opt-outs' keyed hashes, and counters of invitations sent and answered
 * per survey, location and month.  secure_delete zeroes what is deleted;
 * the eraser's TRUNCATE checkpoints take it out of the WAL.
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
#include "store_invite.h"
#include "store_priv.h"
#include "util.h"

#define ERASE_SETTLE_MS		500	/* let the request's commit land */
#define ERASE_EVERY_MS		2000	/* at most one checkpoint per this */
#define EXPIRE_EVERY_MS		60000	/* the sweep of expired links */
#define RECENT_SECONDS		(30LL * 24 * 3600)

/* The invitations' state beside the store handle. */
struct store_inv {
	sqlite3_stmt	*count_answer;	/* writer: bump answered */
	sqlite3_stmt	*end_answered;	/* writer: the pending row goes */
	sqlite3_stmt	*link_known;	/* writer: a final token's link */
	pthread_t	 eraser;
	int		 running;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	int		 wanted;	/* erasure asked for */
	int		 stopping;
	unsigned long long checkpoints;
};

/*
 * Schema step 5: the tables of what remains, the final rows of earlier
 * releases counted and deleted (their numbers were erased already; the
 * checkpoint at open takes them out of the WAL).
 */
const char migrate_invites_v1[] =
	"CREATE TABLE invite_recent ("
	"  h BLOB PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE invite_links ("
	"  token_hash BLOB PRIMARY KEY, sealed BLOB NOT NULL,"
	"  until INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE invite_open ("
	"  token_hash BLOB PRIMARY KEY, survey TEXT NOT NULL,"
	"  location TEXT NOT NULL, lang TEXT NOT NULL, month TEXT NOT NULL,"
	"  until INTEGER NOT NULL) WITHOUT ROWID;"
	"INSERT INTO invite_open (token_hash, survey, location, lang, month,"
	"  until) SELECT token_hash, survey, location, lang,"
	"  strftime('%Y-%m', created, 'unixepoch'), expires FROM invitations"
	"  WHERE state IN ('queued', 'sent', 'delivered', 'optedout');"
	"CREATE TABLE invite_counts ("
	"  survey TEXT NOT NULL, location TEXT NOT NULL, month TEXT NOT NULL,"
	"  sent INTEGER NOT NULL DEFAULT 0, answered INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (survey, location, month)) WITHOUT ROWID;"
	"INSERT INTO invite_counts (survey, location, month, sent, answered)"
	"  SELECT survey, location, strftime('%Y-%m', created, 'unixepoch'),"
	"  sum(state NOT IN ('queued', 'failed')), sum(state = 'answered')"
	"  FROM invitations GROUP BY 1, 2, 3;"
	"DELETE FROM invitations"
	"  WHERE state NOT IN ('queued', 'sent', 'delivered');"
	"UPDATE invitations SET provider_id = NULL;";

#define PENDING	"state IN ('queued', 'sent', 'delivered')"

static const char sql_sel_token[] =
	"SELECT 1 FROM invite_links WHERE token_hash = ?";
/*
 * Answered: the link may be answered once until it expires, also after
 * its number opted out; it goes, with any pending row, in the response's
 * own transaction.
 */
static const char sql_use_token[] =
	"DELETE FROM invite_open WHERE token_hash = ?1 AND until > ?2"
	" RETURNING survey, location";
static const char sql_end_answered[] =
	"DELETE FROM invitations WHERE token_hash = ?";
static const char sql_count_answer[] =
	"INSERT INTO invite_counts (survey, location, month, answered)"
	" VALUES (?, ?, ?, 1)"
	" ON CONFLICT DO UPDATE SET answered = answered + 1";

static const char sql_opted_out[] =
	"SELECT 1 FROM optouts WHERE phone_hash = ?";
static const char sql_recent_pending[] =
	"SELECT 1 FROM invitations WHERE phone_hash = ?"
	" AND survey = ? AND created > ? LIMIT 1";
static const char sql_recent_marker[] =
	"SELECT 1 FROM invite_recent WHERE h = ? AND until > ?";
static const char sql_recent_add[] =
	"INSERT INTO invite_recent (h, until) VALUES (?, ?)"
	" ON CONFLICT DO UPDATE SET until = max(until, excluded.until)";
static const char sql_link_add[] =
	"INSERT INTO invite_links (token_hash, sealed, until) VALUES (?, ?, ?)";
static const char sql_open_add[] =
	"INSERT INTO invite_open (token_hash, survey, location, lang, month,"
	" until) VALUES (?, ?, ?, ?, strftime('%Y-%m', ?, 'unixepoch'), ?)";
static const char sql_open_get[] =
	"SELECT survey, location, lang, until FROM invite_open"
	" WHERE token_hash = ?";
static const char sql_open_end[] =
	"DELETE FROM invite_open WHERE token_hash ="
	" (SELECT token_hash FROM invitations WHERE id = ?1 AND " PENDING ")";
static const char sql_open_forget[] =
	"DELETE FROM invite_open WHERE until <= ?1";
static const char sql_link_get[] =
	"SELECT sealed FROM invite_links WHERE token_hash = ? AND until > ?";
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
static const char sql_count_sent[] =
	"INSERT INTO invite_counts (survey, location, month, sent)"
	" SELECT survey, location, strftime('%Y-%m', ?2, 'unixepoch',"
	" 'localtime', '-3 days', 'weekday 4'), 1"
	" FROM invitations WHERE id = ?1 AND state = 'queued'"
	" AND next_at IS NOT NULL"
	" ON CONFLICT DO UPDATE SET sent = sent + 1";
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
	"DELETE FROM invitations WHERE id = ?1 AND " PENDING;
static const char sql_invite_expire[] =
	"DELETE FROM invitations WHERE expires <= ?1 AND " PENDING;
static const char sql_recent_forget[] =
	"DELETE FROM invite_recent WHERE until <= ?1";
static const char sql_links_forget[] =
	"DELETE FROM invite_links WHERE until <= ?1";
static const char sql_invite_by_token[] =
	"SELECT id, survey, location, lang, state,"
	" expires, phone_hash FROM invitations WHERE token_hash = ?"
	" AND " PENDING;
static const char sql_invite_by_ref[] =
	"SELECT id, state FROM invitations"
	" WHERE ref = ?1 OR provider_id = ?1 LIMIT 1";
static const char sql_optout_add[] =
	"INSERT INTO optouts (phone_hash) VALUES (?)"
	" ON CONFLICT DO NOTHING";
static const char sql_optout_pending[] =
	"DELETE FROM invitations WHERE phone_hash = ? AND " PENDING;
static const char sql_invite_delivered[] =
	"UPDATE invitations SET state = 'delivered'"
	" WHERE id = ? AND state = 'sent'";
static const char sql_invite_tally[] =
	"SELECT location, month, sent, answered FROM invite_counts"
	" WHERE survey = ? ORDER BY location, month";
static const char sql_invite_queued[] =
	"SELECT count(*) FROM invitations WHERE state = 'queued'";

/*
 * Uses an SMS token once, in the response's own transaction: the
 * invitation is final, so its row goes and the answered counter moves.
 * Returns 1 when used now, 0 when refused (job->result says why: a link
 * that is known but closed is "expired", whatever closed it), -1.
 */
int
invite_use_token(struct store *st, struct store_job *job)
{
	struct store_inv *inv = st->inv;
	int rc, used = 0;

	sqlite3_bind_blob(st->use_token, 1, job->r.token_hash,
	    sizeof(job->r.token_hash), SQLITE_STATIC);
	sqlite3_bind_int64(st->use_token, 2, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st->use_token);
	if (rc == SQLITE_ROW) {
		used = 1;
		sqlite3_bind_text(inv->count_answer, 1, (const char *)
		    sqlite3_column_text(st->use_token, 0), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_text(inv->count_answer, 2, (const char *)
		    sqlite3_column_text(st->use_token, 1), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_text(inv->count_answer, 3, job->r.month, -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(st->use_token);
	}
	sqlite3_reset(st->use_token);
	sqlite3_clear_bindings(st->use_token);
	if (rc != SQLITE_DONE)
		return -1;
	if (used) {
		sqlite3_bind_blob(inv->end_answered, 1, job->r.token_hash,
		    sizeof(job->r.token_hash), SQLITE_STATIC);
		if (store_step_reset(inv->count_answer) == -1 ||
		    store_step_reset(inv->end_answered) == -1)
			return -1;
		store_erase_request(st);
		return 1;
	}
	sqlite3_bind_blob(st->sel_token, 1, job->r.token_hash,
	    sizeof(job->r.token_hash), SQLITE_STATIC);
	rc = sqlite3_step(st->sel_token);
	job->result = rc == SQLITE_ROW ? STORE_TOKEN_EXPIRED :
	    STORE_TOKEN_UNKNOWN;
	sqlite3_reset(st->sel_token);
	sqlite3_clear_bindings(st->sel_token);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int
exists_blob(struct store *st, const char *sql, const unsigned char *b,
    size_t n, long long now)
{
	sqlite3_stmt *s = adm_begin(st, sql);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, b, (int)n, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	return adm_exists(st, s);
}

int
store_invite_add(struct store *st, struct store_invite *in, long long now)
{
	sqlite3_stmt *s;
	sqlite3_int64 id;
	int rc, i;

	s = adm_begin(st, sql_opted_out);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, in->phone_hash, sizeof(in->phone_hash),
	    SQLITE_STATIC);
	rc = adm_exists(st, s);
	if (rc != 0)
		return rc == 1 ? STORE_INVITE_OPTED_OUT : -1;
	/* The 30-day rule: a marker of this week or the four before. */
	for (i = 0; i < STORE_RECENT_WEEKS; i++) {
		rc = exists_blob(st, sql_recent_marker, in->recent[i],
		    STORE_PHONE_HASH, now);
		if (rc != 0)
			return rc == 1 ? STORE_INVITE_RECENT : -1;
	}
	/* Pending rows of a release before the markers count too. */
	s = adm_begin(st, sql_recent_pending);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, in->phone_hash, sizeof(in->phone_hash),
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now - RECENT_SECONDS);
	rc = adm_exists(st, s);
	if (rc != 0)
		return rc == 1 ? STORE_INVITE_RECENT : -1;
	if (store_batch_begin(st) == -1)
		return -1;
	s = adm_begin(st, sql_invite_add);
	if (s == NULL)
		goto fail;
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
		goto fail;
	s = adm_begin(st, sql_recent_add);
	if (s == NULL)
		goto fail;
	sqlite3_bind_blob(s, 1, in->recent[0], STORE_PHONE_HASH, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now + RECENT_SECONDS);
	if (adm_exec(st, s) != 1)
		goto fail;
	s = adm_begin(st, sql_open_add);
	if (s == NULL)
		goto fail;
	sqlite3_bind_blob(s, 1, in->token_hash, sizeof(in->token_hash),
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->survey, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->location, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, in->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int64(s, 6, in->expires);
	if (adm_exec(st, s) != 1)
		goto fail;
	s = adm_begin(st, sql_link_add);
	if (s == NULL)
		goto fail;
	sqlite3_bind_blob(s, 1, in->token_hash, sizeof(in->token_hash),
	    SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, in->sealed, (int)in->sealedlen,
	    SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, in->expires);
	if (adm_exec(st, s) != 1)
		goto fail;
	if (store_batch_end(st) == -1)
		return -1;
	snprintf(in->id, sizeof(in->id), "%016llx", (unsigned long long)id);
	return STORE_INVITE_QUEUED;
fail:
	{
		char e[128];

		/* Nothing of a half-made invitation stays. */
		(void)store_exec(st->adm, "ROLLBACK", e, sizeof(e));
	}
	pthread_mutex_unlock(&st->adm_mtx);
	return -1;
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
		sodium_memzero(d.phone, sizeof(d.phone));
	}
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_invite_sent(struct store *st, long long id, const char *provider_id,
    int reminder, long long next_at)
{
	sqlite3_stmt *s;

	if (!reminder) {
		s = adm_begin(st, sql_count_sent);
		if (s == NULL)
			return -1;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)time(NULL));
		if (adm_exec(st, s) < 0)
			return -1;
	}
	s = adm_begin(st, sql_invite_sent);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (provider_id != NULL && *provider_id != '\0')
		sqlite3_bind_text(s, 2, provider_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, reminder ? 1 : 0);
	if (next_at > 0)
		sqlite3_bind_int64(s, 4, next_at);
	if (adm_exec(st, s) < 0)
		return -1;
	if (next_at <= 0)
		store_erase_request(st);	/* the number is gone */
	return 0;
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
	sqlite3_stmt *s;
	int rc;

	(void)state;	/* every final state ends the same way */
	/* A message that never arrived leaves no link to answer. */
	s = adm_begin(st, sql_open_end);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (adm_exec(st, s) < 0)
		return -1;
	s = adm_begin(st, sql_invite_final);
	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	rc = adm_exec(st, s);
	if (rc > 0)
		store_erase_request(st);
	return rc;
}

static int
forget(struct store *st, const char *sql, long long now)
{
	sqlite3_stmt *s = adm_begin(st, sql);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return adm_exec(st, s);
}

int
store_invite_expire(struct store *st, long long now)
{
	int n = forget(st, sql_invite_expire, now);

	if (n > 0)
		store_erase_request(st);
	if (forget(st, sql_recent_forget, now) < 0 ||
	    forget(st, sql_links_forget, now) < 0 ||
	    forget(st, sql_open_forget, now) < 0)
		return -1;
	return n;
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
store_invite_open(struct store *st, const unsigned char *token_hash,
    struct store_invite_view *out)
{
	sqlite3_stmt *s = adm_begin(st, sql_open_get);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, token_hash, STORE_TOKEN_HASH, SQLITE_STATIC);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	memset(out, 0, sizeof(*out));
	copy_col(s, 0, out->survey, sizeof(out->survey));
	copy_col(s, 1, out->location, sizeof(out->location));
	copy_col(s, 2, out->lang, sizeof(out->lang));
	snprintf(out->state, sizeof(out->state), "optedout");
	out->expires = sqlite3_column_int64(s, 3);
	adm_end(st, s);
	return 1;
}

int
store_invite_link(struct store *st, const unsigned char *token_hash,
    long long now, unsigned char *sealed, size_t *sealedlen)
{
	sqlite3_stmt *s = adm_begin(st, sql_link_get);
	int rc, n;

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, token_hash, STORE_TOKEN_HASH, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	n = sqlite3_column_bytes(s, 0);
	if (n <= 0 || n > STORE_SEALED_MAX) {
		adm_end(st, s);
		return 0;
	}
	memcpy(sealed, sqlite3_column_blob(s, 0), (size_t)n);
	*sealedlen = (size_t)n;
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
	int added, ended;

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, phone_hash, STORE_PHONE_HASH, SQLITE_STATIC);
	added = adm_exec(st, s);
	if (added < 0)
		return -1;
	s = adm_begin(st, sql_optout_pending);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, phone_hash, STORE_PHONE_HASH, SQLITE_STATIC);
	ended = adm_exec(st, s);
	if (ended < 0)
		return -1;
	if (ended > 0)
		store_erase_request(st);
	return added > 0 ? 1 : 0;
}

int
store_invite_tally(struct store *st, const char *survey,
    void (*fn)(const char *location, const char *month, long long sent,
    long long answered, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_tally);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), col_text(s, 1), sqlite3_column_int64(s, 2),
		    sqlite3_column_int64(s, 3), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

long long
store_invite_queued(struct store *st)
{
	sqlite3_stmt *s = adm_begin(st, sql_invite_queued);
	long long n;

	if (s == NULL || adm_row(st, s) != 1)
		return -1;
	n = sqlite3_column_int64(s, 0);
	adm_end(st, s);
	return n;
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

static int
checkpoint(struct store *st)
{
	int rc;

	/*
	 * secure_delete already overwrote the erased values in the pages;
	 * this moves every page into the file and truncates the write-ahead
	 * log, so no old copy lingers there either.  Busy (a reader still
	 * needs the log) counts as not done: the eraser tries again.
	 */
	pthread_mutex_lock(&st->adm_mtx);
	rc = sqlite3_wal_checkpoint_v2(st->adm, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	pthread_mutex_unlock(&st->adm_mtx);
	return rc == SQLITE_OK ? 0 : -1;
}

int
store_purge_erased(struct store *st)
{
	return checkpoint(st);
}

void
store_erase_request(struct store *st)
{
	struct store_inv *inv = st->inv;

	if (inv == NULL)
		return;
	pthread_mutex_lock(&inv->mtx);
	inv->wanted = 1;
	pthread_cond_signal(&inv->cond);
	pthread_mutex_unlock(&inv->mtx);
}

unsigned long long
store_erasures(struct store *st)
{
	unsigned long long n;

	if (st->inv == NULL)
		return 0;
	pthread_mutex_lock(&st->inv->mtx);
	n = st->inv->checkpoints;
	pthread_mutex_unlock(&st->inv->mtx);
	return n;
}

/*
 * The eraser: after a request, waits a moment (the request's own commit
 * lands first), checkpoints, and then rests, so a burst of opt-outs or
 * answers costs one checkpoint per interval, not one each.  A checkpoint
 * that readers kept from finishing is tried again.
 */
static void *
eraser_main(void *arg)
{
	struct store *st = arg;
	struct store_inv *inv = st->inv;
	struct timespec ts;

	pthread_mutex_lock(&inv->mtx);
	for (;;) {
		while (!inv->wanted && !inv->stopping) {
			deadline_in(&ts, EXPIRE_EVERY_MS);
			if (pthread_cond_timedwait(&inv->cond, &inv->mtx,
			    &ts) != ETIMEDOUT)
				continue;
			/* Links expire also when no SMS sender runs. */
			pthread_mutex_unlock(&inv->mtx);
			(void)store_invite_expire(st, (long long)time(NULL));
			pthread_mutex_lock(&inv->mtx);
		}
		if (inv->stopping)
			break;
		deadline_in(&ts, ERASE_SETTLE_MS);
		while (!inv->stopping && pthread_cond_timedwait(&inv->cond,
		    &inv->mtx, &ts) != ETIMEDOUT)
			;
		inv->wanted = 0;
		pthread_mutex_unlock(&inv->mtx);
		if (checkpoint(st) == -1)
			store_erase_request(st);
		pthread_mutex_lock(&inv->mtx);
		inv->checkpoints++;
		deadline_in(&ts, ERASE_EVERY_MS - ERASE_SETTLE_MS);
		while (!inv->stopping && pthread_cond_timedwait(&inv->cond,
		    &inv->mtx, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&inv->mtx);
	return NULL;
}

int
invite_prepare(struct store *st)
{
	struct store_inv *inv = xcalloc(1, sizeof(*inv));

	st->inv = inv;
	pthread_mutex_init(&inv->mtx, NULL);
	pthread_cond_init(&inv->cond, NULL);
	if (sqlite3_prepare_v2(st->db, sql_use_token, -1, &st->use_token,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_sel_token, -1, &st->sel_token,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_count_answer, -1,
	    &inv->count_answer, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_end_answered, -1,
	    &inv->end_answered, NULL) != SQLITE_OK)
		return -1;
	/*
	 * Whatever a crash interrupted is finished before anything is
	 * served: expired invitations end, and the WAL, which may still hold
	 * numbers of invitations that became final, is emptied into the file
	 * whose pages secure_delete has zeroed.
	 */
	if (store_invite_expire(st, (long long)time(NULL)) < 0)
		return -1;
	if (checkpoint(st) == -1) {
		/* Another process holds the log: the eraser keeps trying. */
		log_warnx("%s: the write-ahead log is in use; erasing finished "
		    "invitations from it as soon as it is free", st->path);
		inv->wanted = 1;
	}
	if (pthread_create(&inv->eraser, NULL, eraser_main, st) != 0)
		return -1;
	inv->running = 1;
	return 0;
}

void
invite_finalize(struct store *st)
{
	struct store_inv *inv = st->inv;

	sqlite3_finalize(st->use_token);
	sqlite3_finalize(st->sel_token);
	if (inv == NULL)
		return;
	if (inv->running) {
		pthread_mutex_lock(&inv->mtx);
		inv->stopping = 1;
		pthread_cond_signal(&inv->cond);
		pthread_mutex_unlock(&inv->mtx);
		pthread_join(inv->eraser, NULL);
		/* A request the eraser had no time for. */
		if (inv->wanted && st->adm != NULL)
			(void)checkpoint(st);
	}
	sqlite3_finalize(inv->count_answer);
	sqlite3_finalize(inv->end_answered);
	pthread_mutex_destroy(&inv->mtx);
	pthread_cond_destroy(&inv->cond);
	free(inv);
	st->inv = NULL;
}
