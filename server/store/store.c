/*
 * store.c — the database: opening it, the schema and its migrations, the
 * survey versions, closing, backups, and the helpers the store's files
 * share.  The group-commit writer and the checkpointer beside it are in
 * store_writer.c, the team's connection in store_adm.c; each family of
 * tables has its own file (store_*.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_priv.h"
#include "util.h"


/*
 * Each entry moves the schema one version up; PRAGMA user_version holds
 * how many have run.  Never edit an entry that has shipped: add one.
 *
 * responses has no column that could identify a respondent: no address,
 * agent, cookie, phone, token, day or time; rows reach it only through a
 * release, in random order, so neither ids nor pages follow arrival.
 * submission is a hash of the client's random submission id, for
 * idempotent retries.
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
	/*
	 * 5: the intake and the release.  A response is acknowledged once
	 * it is in intake, an append-only table keyed by rowid (one page
	 * per commit); a release moves the intake into responses in random
	 * order and deletes it.  The responses already stored are moved once
	 * into the new layout in random order: their rowids no longer follow
	 * arrival, and hidden comments are kept by response rowid.
	 */
	"CREATE TABLE intake ("
	"  survey TEXT NOT NULL, version INTEGER NOT NULL,"
	"  channel TEXT NOT NULL, location TEXT NOT NULL,"
	"  lang TEXT NOT NULL, week TEXT NOT NULL, answers TEXT NOT NULL,"
	"  submission BLOB NOT NULL);"
	"CREATE TABLE responses_new ("
	"  id INTEGER PRIMARY KEY,"
	"  survey TEXT NOT NULL, version INTEGER NOT NULL,"
	"  channel TEXT NOT NULL, location TEXT NOT NULL,"
	"  lang TEXT NOT NULL, week TEXT NOT NULL, answers TEXT NOT NULL,"
	"  submission BLOB NOT NULL UNIQUE);"
	"INSERT INTO responses_new (survey, version, channel, location, lang,"
	"  week, answers, submission) SELECT survey, version, channel,"
	"  location, lang, week, answers, submission FROM responses"
	"  ORDER BY random();"
	"DROP TABLE responses;"
	"ALTER TABLE responses_new RENAME TO responses;"
	"CREATE INDEX responses_survey_week ON responses (survey, week);"
	"CREATE TABLE hidden_comments ("
	"  response INTEGER NOT NULL, question TEXT NOT NULL,"
	"  PRIMARY KEY (response, question)) WITHOUT ROWID;",
	/*
	 * 6: client participation (store_participants.c).  A sign-up holds
	 * its ISO week only, its name and contact sealed with a key file of
	 * its own, and no column any response table has: it cannot be
	 * joined to an answer.  Blocks are keyed hashes of contacts that
	 * withdrew, never to be contacted again.
	 */
	"CREATE TABLE participants ("
	"  id INTEGER PRIMARY KEY,"
	"  week TEXT NOT NULL,"
	"  consent_version INTEGER NOT NULL,"
	"  lang TEXT NOT NULL,"
	"  kind TEXT NOT NULL CHECK (kind IN ('sms', 'email')),"
	"  ways TEXT NOT NULL, topics TEXT NOT NULL, languages TEXT NOT NULL,"
	"  sealed BLOB NOT NULL,"
	"  contact_hash BLOB NOT NULL UNIQUE,"
	"  token_nonce BLOB NOT NULL,"
	"  withdraw_hash BLOB NOT NULL UNIQUE,"
	"  renew_hash BLOB NOT NULL UNIQUE);"
	"CREATE TABLE participant_blocks (contact_hash BLOB PRIMARY KEY)"
	"  WITHOUT ROWID;"
	"CREATE TABLE participant_outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  participant INTEGER NOT NULL REFERENCES participants (id)"
	"    ON DELETE CASCADE,"
	"  text TEXT NOT NULL, renew INTEGER NOT NULL DEFAULT 0,"
	"  tries INTEGER NOT NULL DEFAULT 0);",
	/* 7: invitations forget (store_invite.c, issue #14) */
	migrate_invites_v1,
	/* 8: the protected table sets as published (store_protect.c) */
	migrate_protect_v1,
};

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

int
store_step_reset(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
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
		if (store_exec(st->db, "BEGIN IMMEDIATE", why, sizeof(why)) == -1)
			goto fail;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(st->db, migrations[v], why, sizeof(why)) == -1 ||
		    store_exec(st->db, sql, why, sizeof(why)) == -1 ||
		    store_exec(st->db, "COMMIT", why, sizeof(why)) == -1) {
			char ignore[64];

			(void)store_exec(st->db, "ROLLBACK", ignore,
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

/*
 * Creates the database file 0600 before SQLite opens it (SQLite gives the
 * -wal and -shm files the database's mode), and narrows an existing
 * file's mode.  URIs (in-memory databases) are left alone.
 */
static int
private_file(const char *path, char *err, size_t errlen)
{
	static const char *const tails[] = { "", "-wal", "-shm" };
	struct stat sb;
	struct buf b;
	size_t i;
	int fd;

	if (strncmp(path, "file:", 5) == 0)
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	buf_init(&b, 4096);
	for (i = 0; i < KB_NELEM(tails); i++) {
		buf_reset(&b);
		buf_printf(&b, "%s%s", path, tails[i]);
		if (stat(buf_cstr(&b), &sb) == 0 && S_ISREG(sb.st_mode) &&
		    (sb.st_mode & 077) != 0 && chmod(buf_cstr(&b), 0600) == -1)
			log_warn("%s: cannot make it private", buf_cstr(&b));
	}
	buf_free(&b);
	return 0;
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
	pthread_mutex_init(&st->subs_mtx, NULL);
	pthread_cond_init(&st->cond, NULL);
	pthread_cond_init(&st->ckpt_cond, NULL);
	if (private_file(path, err, errlen) == -1)
		goto fail;
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
	if (store_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    " PRAGMA journal_size_limit=8388608;"
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
	    store_exec(st->adm, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
	    " PRAGMA secure_delete=ON;", err, errlen) == -1) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		    st->adm ? sqlite3_errmsg(st->adm) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(st->adm, STORE_BUSY_MS);
	sqlite3_extended_result_codes(st->adm, 1);
	if (results_prepare(st) == -1 || invite_prepare(st) == -1) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

/*
 * Survey versions are read at start-up on the main connection, and on a
 * reload (SIGHUP) while the writer owns it: then on the team's, locked.
 */
static sqlite3 *
versions_db(struct store *st)
{
	if (!st->writer_running)
		return st->db;
	pthread_mutex_lock(&st->adm_mtx);
	return st->adm;
}

static void
versions_db_done(struct store *st, sqlite3 *db)
{
	if (db == st->adm)
		pthread_mutex_unlock(&st->adm_mtx);
}

int
store_survey_version_check(struct store *st, const char *id,
    long long version, const char *fingerprint, const char *def_json,
    char *err, size_t errlen)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	sqlite3 *db = versions_db(st);
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, sql_sel_version, -1, &sel, NULL) !=
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
	if (sqlite3_prepare_v2(db, sql_ins_version, -1, &ins, NULL) !=
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
	snprintf(err, errlen, "%s: %s", st->path, sqlite3_errmsg(db));
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	versions_db_done(st, db);
	return rc;
}

int
store_survey_versions_foreach(struct store *st,
    int (*fn)(const char *, long long, const char *, void *), void *arg)
{
	sqlite3_stmt *sel = NULL;
	sqlite3 *db = versions_db(st);
	int rc = -1, step;

	if (sqlite3_prepare_v2(db, sql_all_versions, -1, &sel, NULL) !=
	    SQLITE_OK)
		goto out;
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
	versions_db_done(st, db);
	return rc;
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
	if (st->ckpt_running) {
		pthread_mutex_lock(&st->mtx);
		st->stopping = 1;
		pthread_cond_broadcast(&st->ckpt_cond);
		pthread_mutex_unlock(&st->mtx);
		pthread_join(st->ckpt_thread, NULL);
	}
	if (st->ckpt != NULL) {
		/* Leave no log behind: erased data goes with it. */
		(void)sqlite3_wal_checkpoint_v2(st->ckpt, NULL,
		    SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_close(st->ckpt);
	}
	results_finalize(st);
	invite_finalize(st);
	{
		size_t i;

		for (i = 0; i < STORE_ADM_MAX; i++)
			sqlite3_finalize(st->adm_stmts[i].stmt);
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
	pthread_mutex_destroy(&st->subs_mtx);
	pthread_cond_destroy(&st->cond);
	pthread_cond_destroy(&st->ckpt_cond);
	free(st->path);
	free(st);
}

int
store_backup(const char *src, const char *dest, char *err, size_t errlen)
{
	sqlite3 *from = NULL, *to = NULL;
	static const char *const sidecars[] = { "-wal", "-shm", "-journal" };
	sqlite3_backup *bk = NULL;
	struct stat sst, dst;
	struct buf tmp;
	int rc = -1, step, fd;
	size_t i;

	buf_init(&tmp, 4096);
	buf_printf(&tmp, "%s.tmp", dest);
	if (access(src, R_OK) == -1 || stat(src, &sst) == -1) {
		snprintf(err, errlen, "%s: %s", src, strerror(errno));
		goto out;
	}
	/*
	 * The destination is replaced by a rename: it must be missing or a
	 * regular file, and not the live database (the same file, or its
	 * -wal or -shm beside it).
	 */
	if (stat(dest, &dst) == 0 && !S_ISREG(dst.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (a device, a "
		    "directory or a pipe); give a new file name", dest);
		goto out;
	}
	if (stat(dest, &dst) == 0 && dst.st_dev == sst.st_dev &&
	    dst.st_ino == sst.st_ino) {
		snprintf(err, errlen, "%s: that is the database itself", dest);
		goto out;
	}
	for (i = 0; i < KB_NELEM(sidecars); i++) {
		struct stat side;
		char *p = NULL;
		size_t n = strlen(src) + strlen(sidecars[i]) + 1;

		p = xmalloc(n);
		snprintf(p, n, "%s%s", src, sidecars[i]);
		if (stat(p, &side) == 0 && stat(dest, &dst) == 0 &&
		    dst.st_dev == side.st_dev && dst.st_ino == side.st_ino) {
			snprintf(err, errlen, "%s: that is the database's %s "
			    "file", dest, sidecars[i] + 1);
			free(p);
			goto out;
		}
		free(p);
	}
	if (sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", src, from ?
		    sqlite3_errmsg(from) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(from, STORE_BUSY_MS);
	(void)unlink(buf_cstr(&tmp));
	/* Made 0600 before SQLite opens it: answers are not for others. */
	fd = open(buf_cstr(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", buf_cstr(&tmp), strerror(errno));
		goto out;
	}
	close(fd);
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
