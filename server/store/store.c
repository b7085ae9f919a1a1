/*
 * store.c — every SQL statement of Klankbord, the schema migrations and the
 * group-commit writer.
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
#include "util.h"

#define STORE_BATCH_MAX		4096
#define STORE_BUSY_MS		5000

/* The team's statements, prepared on first use on the adm connection. */
enum adm_sql {
	ADM_USER_ADD, ADM_USER_FIND, ADM_USER_PASSWD, ADM_USER_REMOVE,
	ADM_USER_COUNT, ADM_USER_LIST, ADM_SESSIONS_OF_USER,
	ADM_KEY_ADD, ADM_KEY_FIND, ADM_KEY_REVOKE, ADM_KEY_LIST,
	ADM_SESSION_ADD, ADM_SESSION_FIND, ADM_SESSION_TOUCH,
	ADM_SESSION_DELETE, ADM_SESSION_PURGE,
	ADM_AUDIT_ADD, ADM_AUDIT_LIST,
	ADM_ROLLUP_CELLS, ADM_ROLLUP_ANSWERS, ADM_RECENT,
	ADM_YOUSAID_SET, ADM_YOUSAID_LIST,
	ADM_OPTED_OUT, ADM_RECENT_INVITE, ADM_INVITE_ADD, ADM_INVITE_DUE,
	ADM_INVITE_SENT, ADM_INVITE_RETRY, ADM_INVITE_FINAL, ADM_INVITE_EXPIRE,
	ADM_INVITE_BY_TOKEN, ADM_INVITE_BY_REF, ADM_OPTOUT_ADD,
	ADM_OPTOUT_PENDING, ADM_INVITE_COUNTS, ADM_INVITE_DELIVERED,
	ADM_NSQL
};

static const char *const adm_sql_text[ADM_NSQL] = {
	[ADM_USER_ADD] = "INSERT INTO users (name, role, pwhash, created)"
	    " VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	    " ON CONFLICT (name) DO NOTHING",
	[ADM_USER_FIND] = "SELECT role, pwhash FROM users WHERE name = ?",
	[ADM_USER_PASSWD] = "UPDATE users SET pwhash = ? WHERE name = ?",
	[ADM_USER_REMOVE] = "DELETE FROM users WHERE name = ?",
	[ADM_USER_COUNT] = "SELECT count(*) FROM users WHERE role = ?"
	    " OR ? IS NULL",
	[ADM_USER_LIST] = "SELECT name, role, created FROM users ORDER BY name",
	[ADM_SESSIONS_OF_USER] = "DELETE FROM sessions WHERE user = ?",
	[ADM_KEY_ADD] = "INSERT INTO api_keys (name, role, key_hash, created)"
	    " VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	    " ON CONFLICT DO NOTHING",
	[ADM_KEY_FIND] = "SELECT name, role FROM api_keys WHERE key_hash = ?"
	    " AND revoked IS NULL",
	[ADM_KEY_REVOKE] = "UPDATE api_keys SET revoked ="
	    " strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	    " WHERE name = ? AND revoked IS NULL",
	[ADM_KEY_LIST] = "SELECT name, role, created, revoked FROM api_keys"
	    " ORDER BY name",
	[ADM_SESSION_ADD] = "INSERT INTO sessions (id_hash, user, csrf,"
	    " created, seen) VALUES (?, ?, ?, ?, ?)",
	[ADM_SESSION_FIND] = "SELECT s.user, u.role, s.csrf, s.created, s.seen"
	    " FROM sessions s JOIN users u ON u.name = s.user"
	    " WHERE s.id_hash = ?",
	[ADM_SESSION_TOUCH] = "UPDATE sessions SET seen = ? WHERE id_hash = ?",
	[ADM_SESSION_DELETE] = "DELETE FROM sessions WHERE id_hash = ?",
	[ADM_SESSION_PURGE] = "DELETE FROM sessions WHERE created < ?"
	    " OR seen < ?",
	[ADM_AUDIT_ADD] = "INSERT INTO audit (at, actor, action, detail)"
	    " VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?)",
	[ADM_AUDIT_LIST] = "SELECT at, actor, action, detail FROM audit"
	    " ORDER BY id DESC LIMIT ?",
	[ADM_ROLLUP_CELLS] = "SELECT month, location, channel, n, sn, ssum,"
	    " ssq FROM rollup_cells WHERE survey = ?1"
	    " AND (?2 IS NULL OR month >= ?2) AND (?3 IS NULL OR month <= ?3)",
	[ADM_ROLLUP_ANSWERS] = "SELECT month, location, channel, question,"
	    " value, n FROM rollup_answers WHERE survey = ?1"
	    " AND (?2 IS NULL OR month >= ?2) AND (?3 IS NULL OR month <= ?3)",
	[ADM_RECENT] = "SELECT week, location, channel, answers FROM responses"
	    " WHERE survey = ? ORDER BY week DESC LIMIT ?",
	[ADM_YOUSAID_SET] = "INSERT INTO yousaid (survey, location, texts,"
	    " updated) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	    " ON CONFLICT DO UPDATE SET texts = excluded.texts,"
	    " updated = excluded.updated",
	[ADM_YOUSAID_LIST] = "SELECT survey, location, texts, updated"
	    " FROM yousaid ORDER BY survey, location",
	[ADM_OPTED_OUT] = "SELECT 1 FROM optouts WHERE phone_hash = ?",
	[ADM_RECENT_INVITE] = "SELECT 1 FROM invitations WHERE phone_hash = ?"
	    " AND survey = ? AND created > ? LIMIT 1",
	[ADM_INVITE_ADD] = "INSERT INTO invitations (id, survey, location,"
	    " lang, phone, nonce, phone_hash, token_hash, ref, state, created,"
	    " expires, remind_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " 'queued', ?, ?, ?, ?)",
	[ADM_INVITE_DUE] = "SELECT id, survey, location, lang, phone, nonce,"
	    " ref, reminded, tries, state FROM invitations WHERE next_at <= ?"
	    " AND phone IS NOT NULL AND nonce IS NOT NULL"
	    " ORDER BY next_at LIMIT ?",
	[ADM_INVITE_SENT] = "UPDATE invitations SET state = CASE WHEN"
	    " state = 'queued' THEN 'sent' ELSE state END,"
	    " provider_id = coalesce(?2, provider_id), tries = 0,"
	    " reminded = reminded + ?3, next_at = ?4,"
	    " phone = CASE WHEN ?4 IS NULL THEN NULL ELSE phone END,"
	    " nonce = CASE WHEN ?4 IS NULL THEN NULL ELSE nonce END"
	    " WHERE id = ?1 AND next_at IS NOT NULL",
	[ADM_INVITE_RETRY] = "UPDATE invitations SET tries = ?2, next_at = ?3"
	    " WHERE id = ?1 AND next_at IS NOT NULL",
	[ADM_INVITE_FINAL] = "UPDATE invitations SET state = ?2, phone = NULL,"
	    " nonce = NULL, next_at = NULL WHERE id = ?1"
	    " AND state IN ('queued', 'sent', 'delivered')",
	[ADM_INVITE_EXPIRE] = "UPDATE invitations SET state = 'expired',"
	    " phone = NULL, nonce = NULL, next_at = NULL WHERE expires <= ?"
	    " AND state IN ('queued', 'sent', 'delivered')",
	[ADM_INVITE_BY_TOKEN] = "SELECT id, survey, location, lang, state,"
	    " expires, phone_hash FROM invitations WHERE token_hash = ?",
	[ADM_INVITE_BY_REF] = "SELECT id, state FROM invitations"
	    " WHERE ref = ?1 OR provider_id = ?1 LIMIT 1",
	[ADM_OPTOUT_ADD] = "INSERT INTO optouts (phone_hash) VALUES (?)"
	    " ON CONFLICT DO NOTHING",
	[ADM_OPTOUT_PENDING] = "UPDATE invitations SET state = 'optedout',"
	    " phone = NULL, nonce = NULL, next_at = NULL WHERE phone_hash = ?"
	    " AND state IN ('queued', 'sent', 'delivered')",
	[ADM_INVITE_DELIVERED] = "UPDATE invitations SET state = 'delivered'"
	    " WHERE id = ? AND state = 'sent'",
	[ADM_INVITE_COUNTS] = "SELECT state, count(*) FROM invitations"
	    " WHERE survey = ? GROUP BY state",
};

struct store {
	sqlite3			*db;		/* the writer's, or main's before */
	sqlite3			*adm;		/* team actions, under adm_mtx */
	pthread_mutex_t		 adm_mtx;
	char			*path;
	sqlite3_stmt		*ins_response;
	sqlite3_stmt		*sel_submission;
	sqlite3_stmt		*up_cell;
	sqlite3_stmt		*up_answer;
	sqlite3_stmt		*use_token;
	sqlite3_stmt		*sel_token;

	pthread_t		 writer;
	int			 writer_running;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	struct store_job	*head, *tail;
	size_t			 pending;
	int			 stopping;
	int			 adm_init;
	unsigned long long	 rows_stored;	/* atomic */
	unsigned long long	 commits;	/* atomic */
	sqlite3_stmt		*adm_stmts[ADM_NSQL];
};

/*
 * Each entry moves the schema one version up; PRAGMA user_version holds
 * how many have run.  Never edit an entry that has shipped: add one.
 *
 * responses has no column that could identify a respondent: no address,
 * agent, cookie, phone, token, day or time; its id is random, so rows do
 * not reveal the order of arrival.  submission is a hash of the client's
 * random submission id, for idempotent retries.
 */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE survey_versions ("
	"  survey TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  fingerprint TEXT NOT NULL,"
	"  definition TEXT NOT NULL,"
	"  PRIMARY KEY (survey, version)) WITHOUT ROWID;"
	"CREATE TABLE responses ("
	"  id INTEGER PRIMARY KEY,"
	"  survey TEXT NOT NULL,"
	"  version INTEGER NOT NULL,"
	"  channel TEXT NOT NULL,"
	"  location TEXT NOT NULL,"
	"  lang TEXT NOT NULL,"
	"  week TEXT NOT NULL,"
	"  answers TEXT NOT NULL,"
	"  submission BLOB NOT NULL UNIQUE);"
	"CREATE INDEX responses_survey_week ON responses (survey, week);",
	/*
	 * 2: the project team.  Passwords as Argon2id strings, keys and
	 * session ids only as hashes.  The audit log names team members and
	 * what they did, never respondent data.
	 */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer', 'sender')),"
	"  pwhash TEXT NOT NULL,"
	"  created TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE api_keys ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK (role IN ('viewer', 'sender')),"
	"  key_hash BLOB NOT NULL UNIQUE,"
	"  created TEXT NOT NULL,"
	"  revoked TEXT) WITHOUT ROWID;"
	"CREATE TABLE sessions ("
	"  id_hash BLOB PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  seen INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  at TEXT NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT NOT NULL);",
	/*
	 * 3: rollups for the dashboard, kept in the writer's transaction:
	 * per survey, month, location and channel the responses and their
	 * satisfaction sums; and the count of each answer value.  And the
	 * team's "you said, we did" texts.
	 */
	"CREATE TABLE rollup_cells ("
	"  survey TEXT NOT NULL, month TEXT NOT NULL, location TEXT NOT NULL,"
	"  channel TEXT NOT NULL, n INTEGER NOT NULL, sn INTEGER NOT NULL,"
	"  ssum REAL NOT NULL, ssq REAL NOT NULL,"
	"  PRIMARY KEY (survey, month, location, channel)) WITHOUT ROWID;"
	"CREATE TABLE rollup_answers ("
	"  survey TEXT NOT NULL, month TEXT NOT NULL, location TEXT NOT NULL,"
	"  channel TEXT NOT NULL, question TEXT NOT NULL, value TEXT NOT NULL,"
	"  n INTEGER NOT NULL, PRIMARY KEY (survey, month, location, channel,"
	"  question, value)) WITHOUT ROWID;"
	"CREATE TABLE yousaid ("
	"  survey TEXT NOT NULL, location TEXT NOT NULL, texts TEXT NOT NULL,"
	"  updated TEXT NOT NULL,"
	"  PRIMARY KEY (survey, location)) WITHOUT ROWID;",
	/*
	 * 4: SMS invitations, which are also the durable outbox.  phone and
	 * nonce (from which, with the key file, the token is made) are
	 * erased when the invitation is final; phone_hash is keyed.  No
	 * column here matches any in responses: the two cannot be joined.
	 */
	"CREATE TABLE invitations ("
	"  id INTEGER PRIMARY KEY,"
	"  survey TEXT NOT NULL, location TEXT NOT NULL, lang TEXT NOT NULL,"
	"  phone TEXT, nonce BLOB,"
	"  phone_hash BLOB NOT NULL,"
	"  token_hash BLOB NOT NULL UNIQUE,"
	"  ref TEXT NOT NULL UNIQUE,"
	"  provider_id TEXT,"
	"  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered',"
	"    'answered', 'failed', 'expired', 'optedout')),"
	"  created INTEGER NOT NULL, expires INTEGER NOT NULL,"
	"  remind_at INTEGER, next_at INTEGER,"
	"  tries INTEGER NOT NULL DEFAULT 0,"
	"  reminded INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX invitations_due ON invitations (next_at)"
	"  WHERE next_at IS NOT NULL;"
	"CREATE INDEX invitations_phone ON invitations (phone_hash, survey);"
	"CREATE INDEX invitations_provider ON invitations (provider_id);"
	"CREATE TABLE optouts (phone_hash BLOB PRIMARY KEY) WITHOUT ROWID;",
};

static const char sql_ins_response[] =
	"INSERT INTO responses (id, survey, version, channel, location, lang,"
	" week, answers, submission) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (submission) DO NOTHING";
static const char sql_up_cell[] =
	"INSERT INTO rollup_cells (survey, month, location, channel, n, sn,"
	" ssum, ssq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT DO UPDATE SET n = n + excluded.n, sn = sn + excluded.sn,"
	" ssum = ssum + excluded.ssum, ssq = ssq + excluded.ssq";
static const char sql_up_answer[] =
	"INSERT INTO rollup_answers (survey, month, location, channel,"
	" question, value, n) VALUES (?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT DO UPDATE SET n = n + excluded.n";
static const char sql_use_token[] =
	"UPDATE invitations SET state = 'answered', phone = NULL,"
	" nonce = NULL, next_at = NULL WHERE token_hash = ?1"
	" AND state IN ('queued', 'sent', 'delivered', 'optedout')"
	" AND expires > ?2";
static const char sql_sel_token[] =
	"SELECT state FROM invitations WHERE token_hash = ?";
static const char sql_sel_submission[] =
	"SELECT id FROM responses WHERE submission = ?";
static const char sql_sel_version[] =
	"SELECT fingerprint FROM survey_versions WHERE survey = ? AND"
	" version = ?";
static const char sql_ins_version[] =
	"INSERT INTO survey_versions (survey, version, fingerprint, definition)"
	" VALUES (?, ?, ?, ?)";
static const char sql_all_versions[] =
	"SELECT survey, version, definition FROM survey_versions"
	" ORDER BY survey, version";

int
store_schema_version(void)
{
	return (int)KB_NELEM(migrations);
}

static int
exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
migrate(struct store *st, char *err, size_t errlen)
{
	char sql[64], why[512];
	int v, target = store_schema_version();

	if (user_version(st->db, &v) == -1) {
		snprintf(err, errlen, "%s: not a database Klankbord can read: "
		    "%s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	if (v > target) {
		snprintf(err, errlen, "%s: schema version %d is newer than "
		    "this klankbord understands (%d); run a newer klankbord "
		    "or restore a backup", st->path, v, target);
		return -1;
	}
	for (; v < target; v++) {
		if (exec_sql(st->db, "BEGIN IMMEDIATE", why, sizeof(why)) == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (exec_sql(st->db, migrations[v], why, sizeof(why)) == -1 ||
		    exec_sql(st->db, sql, why, sizeof(why)) == -1 ||
		    exec_sql(st->db, "COMMIT", why, sizeof(why)) == -1) {
			char ignore[64];

			(void)exec_sql(st->db, "ROLLBACK", ignore,
			    sizeof(ignore));
			goto fail;
		}
		log_info("database schema upgraded to version %d", v + 1);
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: upgrading the schema to version %d "
	    "failed: %s", st->path, v + 1, why);
	return -1;
}

int
store_open(const char *path, struct store **out, char *err, size_t errlen)
{
	struct store *st;

	*out = NULL;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	st = xcalloc(1, sizeof(*st));
	/*
	 * Two connections share one database; an in-memory one (unit tests)
	 * must be named and shared, or each connection would see its own.
	 */
	if (strcmp(path, ":memory:") == 0) {
		char name[64];

		snprintf(name, sizeof(name), "file:kb-mem-%p?mode=memory&"
		    "cache=shared", (void *)st);
		st->path = xstrdup(name);
	} else {
		st->path = xstrdup(path);
	}
	path = st->path;
	pthread_mutex_init(&st->mtx, NULL);
	pthread_cond_init(&st->cond, NULL);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/* SQLite opens a write-protected file read-only without a word. */
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		snprintf(err, errlen, "%s: the database is read-only; "
		    "Klankbord must be able to write it", path);
		goto fail;
	}
	/*
	 * WAL with synchronous=FULL: a commit is on disk when COMMIT returns.
	 * secure_delete overwrites deleted content, so erased data does not
	 * linger in free pages.
	 */
	if (exec_sql(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;", err,
	    errlen) == -1) {
		char why[256];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "%s: %s", path, why);
		goto fail;
	}
	if (migrate(st, err, errlen) == -1)
		goto fail;
	{
		pthread_mutexattr_t ma;

		/* Recursive, so a batch (store_batch_begin) can hold it. */
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&st->adm_mtx, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	st->adm_init = 1;
	if (sqlite3_open_v2(path, &st->adm, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL) != SQLITE_OK ||
	    exec_sql(st->adm, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
	    " PRAGMA secure_delete=ON;", err, errlen) == -1) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    st->adm ? sqlite3_errmsg(st->adm) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->adm, STORE_BUSY_MS);
	sqlite3_extended_result_codes(st->adm, 1);
	if (sqlite3_prepare_v2(st->db, sql_ins_response, -1, &st->ins_response,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_sel_submission, -1,
	    &st->sel_submission, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_up_cell, -1, &st->up_cell,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_up_answer, -1, &st->up_answer,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_use_token, -1, &st->use_token,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, sql_sel_token, -1, &st->sel_token,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

int
store_survey_version_check(struct store *st, const char *id,
    long long version, const char *fingerprint, const char *def_json,
    char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(st->db, sql_sel_version, -1, &sel, NULL) !=
	    SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(sel, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sel, 2, version);
	step = sqlite3_step(sel);
	if (step == SQLITE_ROW) {
		const unsigned char *fp = sqlite3_column_text(sel, 0);

		if (fp == NULL || strcmp((const char *)fp, fingerprint) != 0) {
			snprintf(err, errlen, "survey '%s' version %lld: its "
			    "questions differ from the ones stored for that "
			    "version; give the changed survey a new "
			    "\"version\"", id, version);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (step != SQLITE_DONE)
		goto dberr;
	if (sqlite3_prepare_v2(st->db, sql_ins_version, -1, &ins, NULL) !=
	    SQLITE_OK)
		goto dberr;
	sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 2, version);
	sqlite3_bind_text(ins, 3, fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, def_json, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE)
		goto dberr;
	log_info("survey %s version %lld registered", id, version);
	rc = 0;
	goto out;
dberr:
	snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(st->db));
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return rc;
}

int
store_survey_versions_foreach(struct store *st,
    int (*fn)(const char *, long long, const char *, void *), void *arg)
{
	sqlite3_stmt *sel = NULL;
	int rc = -1, step;

	if (sqlite3_prepare_v2(st->db, sql_all_versions, -1, &sel, NULL) !=
	    SQLITE_OK)
		return -1;
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(sel, 0);
		const char *def = (const char *)sqlite3_column_text(sel, 2);

		if (id == NULL || def == NULL)
			continue;
		if (fn(id, sqlite3_column_int64(sel, 1), def, arg) == -1)
			goto out;
	}
	rc = step == SQLITE_DONE ? 0 : -1;
out:
	sqlite3_finalize(sel);
	return rc;
}

/* A random positive 63-bit id, so ids do not follow arrival order. */
static sqlite3_int64
random_id(void)
{
	sqlite3_int64 id;

	do {
		randombytes_buf(&id, sizeof(id));
		id &= INT64_MAX;
	} while (id == 0);
	return id;
}

static void
bind_response(sqlite3_stmt *s, const struct store_response *r,
    sqlite3_int64 id)
{
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, r->survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, r->version);
	sqlite3_bind_text(s, 4, r->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, r->location, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, r->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, r->week, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, r->answers, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 9, r->submission, STORE_SUBMISSION_BYTES,
	    SQLITE_STATIC);
}

static int
step_reset(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Rollup totals gathered in memory before they are written: a batch of
 * responses (or a whole rebuild) touches few distinct rollup rows, so each
 * is written once instead of once per response.  Keys are the row's text
 * columns joined by NUL bytes.
 */
#define AGG_COLS	6

struct agg_entry {
	char		*key;		/* NULL when the slot is free */
	size_t		 keylen;
	uint64_t	 hash;
	long long	 n, sn;
	double		 ssum, ssq;
};

struct agg {
	struct agg_entry	*e;
	size_t			 cap, count;
};

static uint64_t
agg_hash(const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void agg_grow(struct agg *a);

/* The entry for the columns, made (zeroed) when new. */
static struct agg_entry *
agg_get(struct agg *a, const char *const *cols, size_t ncols)
{
	char key[512];
	size_t len = 0, i, slot;
	uint64_t h;

	for (i = 0; i < ncols; i++) {
		size_t n = strlen(cols[i]);

		if (len + n + 1 > sizeof(key))
			n = sizeof(key) - len - 1;
		memcpy(key + len, cols[i], n);
		len += n;
		key[len++] = '\0';
	}
	if (a->count * 10 >= a->cap * 7)
		agg_grow(a);
	h = agg_hash(key, len);
	for (slot = h & (a->cap - 1);; slot = (slot + 1) & (a->cap - 1)) {
		struct agg_entry *e = &a->e[slot];

		if (e->key == NULL) {
			e->key = xstrndup(key, len);
			e->keylen = len;
			e->hash = h;
			a->count++;
			return e;
		}
		if (e->hash == h && e->keylen == len &&
		    memcmp(e->key, key, len) == 0)
			return e;
	}
}

static void
agg_grow(struct agg *a)
{
	struct agg_entry *old = a->e;
	size_t oldcap = a->cap, i, slot;

	a->cap = a->cap ? a->cap * 2 : 256;
	a->e = xcalloc(a->cap, sizeof(*a->e));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		for (slot = old[i].hash & (a->cap - 1); a->e[slot].key != NULL;
		    slot = (slot + 1) & (a->cap - 1))
			;
		a->e[slot] = old[i];
	}
	free(old);
}

static void
agg_free(struct agg *a)
{
	size_t i;

	for (i = 0; i < a->cap; i++)
		free(a->e[i].key);
	free(a->e);
	memset(a, 0, sizeof(*a));
}

/* Splits an entry's key back into its columns. */
static size_t
agg_cols(const struct agg_entry *e, const char **cols)
{
	size_t i = 0, off = 0;

	while (off < e->keylen && i < AGG_COLS) {
		cols[i++] = e->key + off;
		off += strlen(e->key + off) + 1;
	}
	return i;
}

/* Adds one response to the totals. */
static void
rollup_gather(struct agg *cells, struct agg *answers,
    const struct store_response *r)
{
	const char *cols[AGG_COLS] = { r->survey, r->month, r->location,
	    r->channel, NULL, NULL };
	struct agg_entry *e = agg_get(cells, cols, 4);
	size_t i;

	e->n++;
	if (r->scored) {
		e->sn++;
		e->ssum += r->score;
		e->ssq += r->score * r->score;
	}
	for (i = 0; i < r->ntallies; i++) {
		cols[4] = r->tallies[i].question;
		cols[5] = r->tallies[i].value;
		agg_get(answers, cols, 6)->n++;
	}
}

/* Writes the totals, in the open transaction; -1 on a database error. */
static int
rollup_flush(struct store *st, struct agg *cells, struct agg *answers)
{
	const char *cols[AGG_COLS];
	size_t i, k;

	for (i = 0; i < cells->cap; i++) {
		struct agg_entry *e = &cells->e[i];
		sqlite3_stmt *c = st->up_cell;

		if (e->key == NULL || agg_cols(e, cols) != 4)
			continue;
		for (k = 0; k < 4; k++)
			sqlite3_bind_text(c, (int)k + 1, cols[k], -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(c, 5, e->n);
		sqlite3_bind_int64(c, 6, e->sn);
		sqlite3_bind_double(c, 7, e->ssum);
		sqlite3_bind_double(c, 8, e->ssq);
		if (step_reset(c) == -1)
			return -1;
	}
	for (i = 0; i < answers->cap; i++) {
		struct agg_entry *e = &answers->e[i];
		sqlite3_stmt *a = st->up_answer;

		if (e->key == NULL || agg_cols(e, cols) != 6)
			continue;
		for (k = 0; k < 6; k++)
			sqlite3_bind_text(a, (int)k + 1, cols[k], -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(a, 7, e->n);
		if (step_reset(a) == -1)
			return -1;
	}
	return 0;
}

/* The id of an earlier response with this submission: 1, 0 none, -1. */
static int
find_submission(struct store *st, const unsigned char *sub,
    sqlite3_int64 *id)
{
	int rc;

	sqlite3_bind_blob(st->sel_submission, 1, sub, STORE_SUBMISSION_BYTES,
	    SQLITE_STATIC);
	rc = sqlite3_step(st->sel_submission);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st->sel_submission, 0);
	sqlite3_reset(st->sel_submission);
	sqlite3_clear_bindings(st->sel_submission);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Uses an SMS token once, in the response's own transaction.  Opting out
 * stops the messages, not the answer: an opted-out link still answers.  Returns 1
 * when used now, 0 when refused (job->result says why), -1 on an error.
 */
static int
use_token(struct store *st, struct store_job *job)
{
	const unsigned char *state;
	int rc;

	sqlite3_bind_blob(st->use_token, 1, job->r.token_hash,
	    sizeof(job->r.token_hash), SQLITE_STATIC);
	sqlite3_bind_int64(st->use_token, 2, (sqlite3_int64)time(NULL));
	if (step_reset(st->use_token) == -1)
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

/* Inserts one job inside the open transaction; -1 on a database error. */
static int
insert_job(struct store *st, struct store_job *job, struct agg *cells,
    struct agg *answers)
{
	sqlite3_int64 id;
	int tries, rc;

	if (job->r.has_token) {
		/* A retry of a stored response is a repeat, not a reuse. */
		rc = find_submission(st, job->r.submission, &id);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			job->result = STORE_DUPLICATE;
			snprintf(job->id, sizeof(job->id), "%016llx",
			    (unsigned long long)id);
			return 0;
		}
		rc = use_token(st, job);
		if (rc != 1)
			return rc;
	}

	for (tries = 0; tries < 4; tries++) {
		id = random_id();
		bind_response(st->ins_response, &job->r, id);
		rc = sqlite3_step(st->ins_response);
		sqlite3_reset(st->ins_response);
		sqlite3_clear_bindings(st->ins_response);
		if (rc == SQLITE_DONE)
			break;
		/* Only a clash of random ids is worth another try. */
		if (rc != SQLITE_CONSTRAINT_PRIMARYKEY)
			return -1;
	}
	if (rc != SQLITE_DONE)
		return -1;
	if (sqlite3_changes(st->db) == 1) {
		rollup_gather(cells, answers, &job->r);
		job->result = STORE_INSERTED;
	} else {
		if (find_submission(st, job->r.submission, &id) != 1)
			return -1;
		job->result = STORE_DUPLICATE;
	}
	snprintf(job->id, sizeof(job->id), "%016llx", (unsigned long long)id);
	return 0;
}

static void
commit_batch(struct store *st, struct store_job *batch)
{
	struct agg cells = { NULL, 0, 0 }, answers = { NULL, 0, 0 };
	struct store_job *j, *next;
	char err[256];
	int ok = 1;

	if (exec_sql(st->db, "BEGIN IMMEDIATE", err, sizeof(err)) == -1) {
		log_warnx("store: cannot begin a transaction: %s", err);
		ok = 0;
	}
	for (j = batch; ok && j != NULL; j = j->next) {
		if (insert_job(st, j, &cells, &answers) == -1) {
			log_warnx("store: insert failed: %s",
			    sqlite3_errmsg(st->db));
			ok = 0;
		}
	}
	if (ok && rollup_flush(st, &cells, &answers) == -1) {
		log_warnx("store: updating the rollups failed: %s",
		    sqlite3_errmsg(st->db));
		ok = 0;
	}
	agg_free(&cells);
	agg_free(&answers);
	if (ok && exec_sql(st->db, "COMMIT", err, sizeof(err)) == -1) {
		log_warnx("store: commit failed: %s", err);
		ok = 0;
	}
	if (!ok) {
		(void)exec_sql(st->db, "ROLLBACK", err, sizeof(err));
		for (j = batch; j != NULL; j = j->next)
			j->result = STORE_FAILED;
	} else {
		__atomic_fetch_add(&st->commits, 1, __ATOMIC_RELAXED);
		for (j = batch; j != NULL; j = j->next)
			if (j->result == STORE_INSERTED)
				__atomic_fetch_add(&st->rows_stored, 1,
				    __ATOMIC_RELAXED);
	}
	for (j = batch; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->done(j, j->arg);
	}
}

static void *
writer_main(void *arg)
{
	struct store *st = arg;
	unsigned since_checkpoint = 0;

	pthread_mutex_lock(&st->mtx);
	for (;;) {
		struct store_job *batch, *last;
		size_t n = 0;

		while (st->head == NULL && !st->stopping)
			pthread_cond_wait(&st->cond, &st->mtx);
		if (st->head == NULL)
			break;
		/* Whatever has queued goes in this batch: no added wait. */
		batch = last = st->head;
		for (n = 1; last->next != NULL && n < STORE_BATCH_MAX; n++)
			last = last->next;
		st->head = last->next;
		if (st->head == NULL)
			st->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&st->mtx);
		commit_batch(st, batch);
		since_checkpoint++;
		pthread_mutex_lock(&st->mtx);
		st->pending -= n;
		pthread_cond_broadcast(&st->cond);
		/*
		 * Checkpoint when nobody waits (or the log grows long), not
		 * inside a commit someone is waiting for.
		 */
		if ((st->head == NULL && since_checkpoint >= 64) ||
		    since_checkpoint >= 4096) {
			pthread_mutex_unlock(&st->mtx);
			(void)sqlite3_wal_checkpoint_v2(st->db, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
			since_checkpoint = 0;
			pthread_mutex_lock(&st->mtx);
		}
	}
	pthread_mutex_unlock(&st->mtx);
	return NULL;
}

int
store_writer_start(struct store *st, char *err, size_t errlen)
{
	int e;

	/* The writer checkpoints itself, between batches. */
	sqlite3_wal_autocheckpoint(st->db, 0);
	e = pthread_create(&st->writer, NULL, writer_main, st);
	if (e != 0) {
		snprintf(err, errlen, "cannot start the writer thread: %s",
		    strerror(e));
		return -1;
	}
	st->writer_running = 1;
	return 0;
}

void
store_submit(struct store *st, struct store_job *job)
{
	job->next = NULL;
	job->result = STORE_PENDING;
	pthread_mutex_lock(&st->mtx);
	if (st->stopping || !st->writer_running) {
		pthread_mutex_unlock(&st->mtx);
		job->result = STORE_SHUTTING_DOWN;
		job->done(job, job->arg);
		return;
	}
	if (st->tail != NULL)
		st->tail->next = job;
	else
		st->head = job;
	st->tail = job;
	st->pending++;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->mtx);
}

size_t
store_pending(struct store *st)
{
	size_t n;

	pthread_mutex_lock(&st->mtx);
	n = st->pending;
	pthread_mutex_unlock(&st->mtx);
	return n;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->writer_running) {
		pthread_mutex_lock(&st->mtx);
		st->stopping = 1;
		pthread_cond_broadcast(&st->cond);
		pthread_mutex_unlock(&st->mtx);
		pthread_join(st->writer, NULL);
	}
	sqlite3_finalize(st->ins_response);
	sqlite3_finalize(st->sel_submission);
	sqlite3_finalize(st->up_cell);
	sqlite3_finalize(st->up_answer);
	sqlite3_finalize(st->use_token);
	sqlite3_finalize(st->sel_token);
	{
		size_t i;

		for (i = 0; i < ADM_NSQL; i++)
			sqlite3_finalize(st->adm_stmts[i]);
	}
	if (st->adm != NULL && sqlite3_close(st->adm) != SQLITE_OK)
		log_warnx("store: closing %s: %s", st->path,
		    sqlite3_errmsg(st->adm));
	if (st->adm_init)
		pthread_mutex_destroy(&st->adm_mtx);
	if (st->db != NULL && sqlite3_close(st->db) != SQLITE_OK)
		log_warnx("store: closing %s: %s", st->path,
		    sqlite3_errmsg(st->db));
	pthread_mutex_destroy(&st->mtx);
	pthread_cond_destroy(&st->cond);
	free(st->path);
	free(st);
}

int
store_backup(const char *src, const char *dest, char *err, size_t errlen)
{
	sqlite3 *from = NULL, *to = NULL;
	sqlite3_backup *bk = NULL;
	struct buf tmp;
	int rc = -1, step;

	buf_init(&tmp, 4096);
	buf_printf(&tmp, "%s.tmp", dest);
	if (access(src, R_OK) == -1) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto out;
	}
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", src, from ?
		    sqlite3_errmsg(from) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(from, STORE_BUSY_MS);
	(void)unlink(buf_cstr(&tmp));
	if (sqlite3_open_v2(buf_cstr(&tmp), &to, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", buf_cstr(&tmp), to ?
		    sqlite3_errmsg(to) : "out of memory");
		goto out;
	}
	bk = sqlite3_backup_init(to, "main", from, "main");
	if (bk == NULL) {
		snprintf(err, errlen, "%s: %s", dest, sqlite3_errmsg(to));
		goto out;
	}
	/* Copy in steps so a busy server is never held up for long. */
	do {
		step = sqlite3_backup_step(bk, 256);
		if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (step == SQLITE_OK || step == SQLITE_BUSY ||
	    step == SQLITE_LOCKED);
	if (sqlite3_backup_finish(bk) != SQLITE_OK || step != SQLITE_DONE) {
		bk = NULL;
		snprintf(err, errlen, "%s: backup failed: %s", dest,
		    sqlite3_errmsg(to));
		goto out;
	}
	bk = NULL;
	if (sqlite3_close(to) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", dest, sqlite3_errmsg(to));
		goto out;
	}
	to = NULL;
	if (rename(buf_cstr(&tmp), dest) == -1) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (bk != NULL)
		sqlite3_backup_finish(bk);
	if (to != NULL)
		sqlite3_close(to);
	if (from != NULL)
		sqlite3_close(from);
	if (rc == -1)
		(void)unlink(buf_cstr(&tmp));
	buf_free(&tmp);
	return rc;
}

/*
 * The team's side.  Each function takes adm_mtx, prepares (once) and binds
 * its statement, steps it and resets it before unlocking.
 */
static sqlite3_stmt *
adm_begin(struct store *st, enum adm_sql which)
{
	pthread_mutex_lock(&st->adm_mtx);
	if (st->adm_stmts[which] == NULL &&
	    sqlite3_prepare_v2(st->adm, adm_sql_text[which], -1,
	    &st->adm_stmts[which], NULL) != SQLITE_OK) {
		log_warnx("store: %s", sqlite3_errmsg(st->adm));
		pthread_mutex_unlock(&st->adm_mtx);
		return NULL;
	}
	return st->adm_stmts[which];
}

static void
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
static int
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
static int
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

static void
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

int
store_user_add(struct store *st, const char *name, const char *role,
    const char *pwhash)
{
	sqlite3_stmt *s = adm_begin(st, ADM_USER_ADD);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, pwhash, -1, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_user_find(struct store *st, const char *name, char *role,
    size_t rolelen, char *pwhash, size_t pwlen)
{
	sqlite3_stmt *s = adm_begin(st, ADM_USER_FIND);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	copy_col(s, 0, role, rolelen);
	copy_col(s, 1, pwhash, pwlen);
	adm_end(st, s);
	return 1;
}

int
store_user_passwd(struct store *st, const char *name, const char *pwhash)
{
	sqlite3_stmt *s = adm_begin(st, ADM_USER_PASSWD);
	int n;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	n = adm_exec(st, s);
	if (n == 1) {
		/* A new password ends every session of the old one. */
		s = adm_begin(st, ADM_SESSIONS_OF_USER);
		if (s == NULL)
			return -1;
		sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
		if (adm_exec(st, s) == -1)
			return -1;
	}
	return n;
}

int
store_user_remove(struct store *st, const char *name)
{
	sqlite3_stmt *s = adm_begin(st, ADM_USER_REMOVE);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_user_count(struct store *st, const char *role)
{
	sqlite3_stmt *s = adm_begin(st, ADM_USER_COUNT);
	int n = -1;

	if (s == NULL)
		return -1;
	if (role != NULL) {
		sqlite3_bind_text(s, 1, role, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, role, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	adm_end(st, s);
	return n;
}

/* Runs a listing statement, handing up to four text columns to fn. */
static int
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
store_user_list(struct store *st, void (*fn)(const char *const *, void *),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_USER_LIST);

	if (s == NULL)
		return -1;
	return adm_list(st, s, 3, fn, arg);
}

int
store_apikey_add(struct store *st, const char *name, const char *role,
    const unsigned char *hash, size_t hashlen)
{
	sqlite3_stmt *s = adm_begin(st, ADM_KEY_ADD);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 3, hash, (int)hashlen, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_apikey_find(struct store *st, const unsigned char *hash, size_t hashlen,
    char *name, size_t namelen, char *role, size_t rolelen)
{
	sqlite3_stmt *s = adm_begin(st, ADM_KEY_FIND);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, hash, (int)hashlen, SQLITE_STATIC);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	copy_col(s, 0, name, namelen);
	copy_col(s, 1, role, rolelen);
	adm_end(st, s);
	return 1;
}

int
store_apikey_revoke(struct store *st, const char *name)
{
	sqlite3_stmt *s = adm_begin(st, ADM_KEY_REVOKE);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_apikey_list(struct store *st, void (*fn)(const char *const *, void *),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_KEY_LIST);

	if (s == NULL)
		return -1;
	return adm_list(st, s, 4, fn, arg);
}

int
store_session_add(struct store *st, const unsigned char *hash, size_t hashlen,
    const char *user, const char *csrf, long long now)
{
	sqlite3_stmt *s = adm_begin(st, ADM_SESSION_ADD);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, hash, (int)hashlen, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now);
	sqlite3_bind_int64(s, 5, now);
	return adm_exec(st, s) == 1 ? 0 : -1;
}

int
store_session_find(struct store *st, const unsigned char *hash,
    size_t hashlen, struct store_session *out)
{
	sqlite3_stmt *s = adm_begin(st, ADM_SESSION_FIND);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, hash, (int)hashlen, SQLITE_STATIC);
	rc = adm_row(st, s);
	if (rc != 1)
		return rc;
	copy_col(s, 0, out->user, sizeof(out->user));
	copy_col(s, 1, out->role, sizeof(out->role));
	copy_col(s, 2, out->csrf, sizeof(out->csrf));
	out->created = sqlite3_column_int64(s, 3);
	out->seen = sqlite3_column_int64(s, 4);
	adm_end(st, s);
	return 1;
}

int
store_session_touch(struct store *st, const unsigned char *hash,
    size_t hashlen, long long now)
{
	sqlite3_stmt *s = adm_begin(st, ADM_SESSION_TOUCH);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	sqlite3_bind_blob(s, 2, hash, (int)hashlen, SQLITE_STATIC);
	return adm_exec(st, s) < 0 ? -1 : 0;
}

int
store_session_delete(struct store *st, const unsigned char *hash,
    size_t hashlen)
{
	sqlite3_stmt *s = adm_begin(st, ADM_SESSION_DELETE);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, hash, (int)hashlen, SQLITE_STATIC);
	return adm_exec(st, s) < 0 ? -1 : 0;
}

int
store_session_purge(struct store *st, long long created_before,
    long long seen_before)
{
	sqlite3_stmt *s = adm_begin(st, ADM_SESSION_PURGE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, created_before);
	sqlite3_bind_int64(s, 2, seen_before);
	return adm_exec(st, s);
}

int
store_audit_add(struct store *st, const char *actor, const char *action,
    const char *detail)
{
	sqlite3_stmt *s = adm_begin(st, ADM_AUDIT_ADD);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, detail ? detail : "", -1, SQLITE_STATIC);
	return adm_exec(st, s) == 1 ? 0 : -1;
}

int
store_audit_list(struct store *st, int limit,
    void (*fn)(const char *const *, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_AUDIT_LIST);

	if (s == NULL)
		return -1;
	sqlite3_bind_int(s, 1, limit);
	return adm_list(st, s, 4, fn, arg);
}

int
store_rollup_check(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT (SELECT count(*) FROM responses)"
	    " = (SELECT coalesce(sum(n), 0) FROM rollup_cells)", -1, &s,
	    NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		rc = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc;
}

int
store_rollup_rebuild(struct store *st,
    int (*fn)(struct store_response *, void *), void *arg, long long *rows)
{
	struct agg cells = { NULL, 0, 0 }, answers = { NULL, 0, 0 };
	sqlite3_stmt *s = NULL;
	char err[256];
	int rc = -1, step;

	*rows = 0;
	if (exec_sql(st->db, "BEGIN IMMEDIATE; DELETE FROM rollup_cells;"
	    " DELETE FROM rollup_answers;", err, sizeof(err)) == -1) {
		log_warnx("store: %s", err);
		return -1;
	}
	if (sqlite3_prepare_v2(st->db, "SELECT survey, version, channel,"
	    " location, week, answers FROM responses", -1, &s, NULL) !=
	    SQLITE_OK)
		goto out;
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_response r;

		memset(&r, 0, sizeof(r));
		copy_col(s, 0, r.survey, sizeof(r.survey));
		r.version = sqlite3_column_int64(s, 1);
		copy_col(s, 2, r.channel, sizeof(r.channel));
		copy_col(s, 3, r.location, sizeof(r.location));
		copy_col(s, 4, r.week, sizeof(r.week));
		r.answers = (char *)(uintptr_t)sqlite3_column_text(s, 5);
		if (r.answers != NULL && fn(&r, arg) == 0) {
			rollup_gather(&cells, &answers, &r);
			(*rows)++;
		}
		free(r.tallies);
	}
	if (step != SQLITE_DONE)
		goto out;
	sqlite3_finalize(s);
	s = NULL;
	if (rollup_flush(st, &cells, &answers) == -1) {
		log_warnx("store: writing the rollups: %s",
		    sqlite3_errmsg(st->db));
		goto out;
	}
	if (exec_sql(st->db, "COMMIT", err, sizeof(err)) == -1) {
		log_warnx("store: %s", err);
		goto out;
	}
	rc = 0;
out:
	if (s != NULL)
		log_warnx("store: rebuilding the rollups: %s",
		    sqlite3_errmsg(st->db));
	sqlite3_finalize(s);
	if (rc == -1)
		(void)exec_sql(st->db, "ROLLBACK", err, sizeof(err));
	agg_free(&cells);
	agg_free(&answers);
	return rc;
}

static void
bind_range(sqlite3_stmt *s, const char *survey, const char *from,
    const char *to)
{
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	if (from != NULL)
		sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
	if (to != NULL)
		sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
}

static const char *
col_text(sqlite3_stmt *s, int i)
{
	const char *t = (const char *)sqlite3_column_text(s, i);

	return t ? t : "";
}

int
store_rollup_cells(struct store *st, const char *survey, const char *from,
    const char *to, void (*fn)(const char *, const char *, const char *,
    long long, long long, double, double, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_ROLLUP_CELLS);
	int rc;

	if (s == NULL)
		return -1;
	bind_range(s, survey, from, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), col_text(s, 1), col_text(s, 2),
		    sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
		    sqlite3_column_double(s, 5), sqlite3_column_double(s, 6),
		    arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_rollup_answers(struct store *st, const char *survey, const char *from,
    const char *to, void (*fn)(const char *, const char *, const char *,
    const char *, const char *, long long, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_ROLLUP_ANSWERS);
	int rc;

	if (s == NULL)
		return -1;
	bind_range(s, survey, from, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), col_text(s, 1), col_text(s, 2),
		    col_text(s, 3), col_text(s, 4),
		    sqlite3_column_int64(s, 5), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_recent_answers(struct store *st, const char *survey, int limit,
    void (*fn)(const char *, const char *, const char *, const char *,
    void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_RECENT);
	int rc;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		fn(col_text(s, 0), col_text(s, 1), col_text(s, 2),
		    col_text(s, 3), arg);
	adm_end(st, s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_yousaid_set(struct store *st, const char *survey, const char *location,
    const char *texts_json)
{
	sqlite3_stmt *s = adm_begin(st, ADM_YOUSAID_SET);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, survey, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, location, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, texts_json, -1, SQLITE_STATIC);
	return adm_exec(st, s) == 1 ? 0 : -1;
}

int
store_yousaid_list(struct store *st, void (*fn)(const char *const *, void *),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_YOUSAID_LIST);

	if (s == NULL)
		return -1;
	return adm_list(st, s, 4, fn, arg);
}

static int
adm_exists(struct store *st, sqlite3_stmt *s)
{
	int rc = adm_row(st, s);

	if (rc == 1)
		adm_end(st, s);
	return rc;
}

int
store_invite_add(struct store *st, struct store_invite *in, long long now)
{
	sqlite3_stmt *s;
	sqlite3_int64 id;
	int rc;

	s = adm_begin(st, ADM_OPTED_OUT);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, in->phone_hash, sizeof(in->phone_hash),
	    SQLITE_STATIC);
	rc = adm_exists(st, s);
	if (rc != 0)
		return rc == 1 ? STORE_INVITE_OPTED_OUT : -1;
	s = adm_begin(st, ADM_RECENT_INVITE);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, in->phone_hash, sizeof(in->phone_hash),
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 2, in->survey, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now - 30LL * 24 * 3600);
	rc = adm_exists(st, s);
	if (rc != 0)
		return rc == 1 ? STORE_INVITE_RECENT : -1;
	s = adm_begin(st, ADM_INVITE_ADD);
	if (s == NULL)
		return -1;
	id = random_id();
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
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_DUE);
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
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_SENT);

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
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_RETRY);

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
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_FINAL);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, state, -1, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_invite_expire(struct store *st, long long now)
{
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_EXPIRE);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, now);
	return adm_exec(st, s);
}

int
store_invite_by_token(struct store *st, const unsigned char *token_hash,
    struct store_invite_view *out)
{
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_BY_TOKEN);
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
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_BY_REF);
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
	sqlite3_stmt *s = adm_begin(st, ADM_OPTOUT_ADD);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, phone_hash, STORE_PHONE_HASH, SQLITE_STATIC);
	if (adm_exec(st, s) < 0)
		return -1;
	s = adm_begin(st, ADM_OPTOUT_PENDING);
	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, phone_hash, STORE_PHONE_HASH, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_invite_counts(struct store *st, const char *survey,
    void (*fn)(const char *state, long long n, void *), void *arg)
{
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_COUNTS);
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
	rc = exec_sql(st->adm, "PRAGMA wal_checkpoint(TRUNCATE)", err,
	    sizeof(err));
	pthread_mutex_unlock(&st->adm_mtx);
	return rc;
}

int
store_invite_delivered(struct store *st, long long id)
{
	sqlite3_stmt *s = adm_begin(st, ADM_INVITE_DELIVERED);

	if (s == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return adm_exec(st, s);
}

int
store_batch_begin(struct store *st)
{
	char err[256];

	pthread_mutex_lock(&st->adm_mtx);
	if (exec_sql(st->adm, "BEGIN IMMEDIATE", err, sizeof(err)) == -1) {
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

	rc = exec_sql(st->adm, "COMMIT", err, sizeof(err));
	if (rc == -1) {
		log_warnx("store: %s", err);
		(void)exec_sql(st->adm, "ROLLBACK", err, sizeof(err));
	}
	pthread_mutex_unlock(&st->adm_mtx);
	return rc;
}

void
store_counters(struct store *st, unsigned long long *rows,
    unsigned long long *commits)
{
	*rows = __atomic_load_n(&st->rows_stored, __ATOMIC_RELAXED);
	*commits = __atomic_load_n(&st->commits, __ATOMIC_RELAXED);
}
