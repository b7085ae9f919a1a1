/*
 * store_team.c — the project team's tables: users, API keys, sessions,
 * the audit log and the "you said, we did" texts.
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
#include "store_team.h"
#include "util.h"

static const char sql_user_add[] =
	"INSERT INTO users (name, role, pwhash, created)"
	" VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	" ON CONFLICT (name) DO NOTHING";
static const char sql_user_find[] =
	"SELECT role, pwhash FROM users WHERE name = ?";
static const char sql_user_passwd[] =
	"UPDATE users SET pwhash = ? WHERE name = ?";
static const char sql_user_remove[] =
	"DELETE FROM users WHERE name = ?";
static const char sql_user_count[] =
	"SELECT count(*) FROM users WHERE role = ?"
	" OR ? IS NULL";
static const char sql_user_list[] =
	"SELECT name, role, created FROM users ORDER BY name";
static const char sql_sessions_of_user[] =
	"DELETE FROM sessions WHERE user = ?";
static const char sql_key_add[] =
	"INSERT INTO api_keys (name, role, key_hash, created)"
	" VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	" ON CONFLICT DO NOTHING";
static const char sql_key_find[] =
	"SELECT name, role FROM api_keys WHERE key_hash = ?"
	" AND revoked IS NULL";
static const char sql_key_revoke[] =
	"UPDATE api_keys SET revoked ="
	" strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
	" WHERE name = ? AND revoked IS NULL";
static const char sql_key_list[] =
	"SELECT name, role, created, revoked FROM api_keys"
	" ORDER BY name";
static const char sql_session_add[] =
	"INSERT INTO sessions (id_hash, user, csrf,"
	" created, seen) VALUES (?, ?, ?, ?, ?)";
static const char sql_session_find[] =
	"SELECT s.user, u.role, s.csrf, s.created, s.seen"
	" FROM sessions s JOIN users u ON u.name = s.user"
	" WHERE s.id_hash = ?";
static const char sql_session_touch[] =
	"UPDATE sessions SET seen = ? WHERE id_hash = ?";
static const char sql_session_delete[] =
	"DELETE FROM sessions WHERE id_hash = ?";
static const char sql_session_purge[] =
	"DELETE FROM sessions WHERE created < ?"
	" OR seen < ?";
static const char sql_audit_add[] =
	"INSERT INTO audit (at, actor, action, detail)"
	" VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?, ?, ?)";
static const char sql_audit_find[] =
	"SELECT at, actor, action, detail FROM audit"
	" WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)"
	" AND (?3 IS NULL OR substr(at, 1, 10) = ?3)"
	" ORDER BY id DESC LIMIT ?4";
static const char sql_yousaid_set[] =
	"INSERT INTO yousaid (survey, location, texts,"
	" updated) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"
	" ON CONFLICT DO UPDATE SET texts = excluded.texts,"
	" updated = excluded.updated";
static const char sql_yousaid_list[] =
	"SELECT survey, location, texts, updated"
	" FROM yousaid ORDER BY survey, location";


int
store_user_add(struct store *st, const char *name, const char *role,
    const char *pwhash)
{
	sqlite3_stmt *s = adm_begin(st, sql_user_add);

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
	sqlite3_stmt *s = adm_begin(st, sql_user_find);
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
	sqlite3_stmt *s = adm_begin(st, sql_user_passwd);
	int n;

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	n = adm_exec(st, s);
	if (n == 1) {
		/* A new password ends every session of the old one. */
		s = adm_begin(st, sql_sessions_of_user);
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
	sqlite3_stmt *s = adm_begin(st, sql_user_remove);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_user_count(struct store *st, const char *role)
{
	sqlite3_stmt *s = adm_begin(st, sql_user_count);
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



int
store_user_list(struct store *st, void (*fn)(const char *const *, void *),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_user_list);

	if (s == NULL)
		return -1;
	return adm_list(st, s, 3, fn, arg);
}

int
store_apikey_add(struct store *st, const char *name, const char *role,
    const unsigned char *hash, size_t hashlen)
{
	sqlite3_stmt *s = adm_begin(st, sql_key_add);

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
	sqlite3_stmt *s = adm_begin(st, sql_key_find);
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
	sqlite3_stmt *s = adm_begin(st, sql_key_revoke);

	if (s == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return adm_exec(st, s);
}

int
store_apikey_list(struct store *st, void (*fn)(const char *const *, void *),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_key_list);

	if (s == NULL)
		return -1;
	return adm_list(st, s, 4, fn, arg);
}

int
store_session_add(struct store *st, const unsigned char *hash, size_t hashlen,
    const char *user, const char *csrf, long long now)
{
	sqlite3_stmt *s = adm_begin(st, sql_session_add);

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
	sqlite3_stmt *s = adm_begin(st, sql_session_find);
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
	sqlite3_stmt *s = adm_begin(st, sql_session_touch);

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
	sqlite3_stmt *s = adm_begin(st, sql_session_delete);

	if (s == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, hash, (int)hashlen, SQLITE_STATIC);
	return adm_exec(st, s) < 0 ? -1 : 0;
}

int
store_session_purge(struct store *st, long long created_before,
    long long seen_before)
{
	sqlite3_stmt *s = adm_begin(st, sql_session_purge);

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
	sqlite3_stmt *s = adm_begin(st, sql_audit_add);

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
	return store_audit_find(st, NULL, NULL, NULL, limit, fn, arg);
}


int
store_yousaid_set(struct store *st, const char *survey, const char *location,
    const char *texts_json)
{
	sqlite3_stmt *s = adm_begin(st, sql_yousaid_set);

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
	sqlite3_stmt *s = adm_begin(st, sql_yousaid_list);

	if (s == NULL)
		return -1;
	return adm_list(st, s, 4, fn, arg);
}

int
store_audit_find(struct store *st, const char *user, const char *action,
    const char *day, int limit, void (*fn)(const char *const *, void *),
    void *arg)
{
	sqlite3_stmt *s = adm_begin(st, sql_audit_find);

	if (s == NULL)
		return -1;
	if (user != NULL)
		sqlite3_bind_text(s, 1, user, -1, SQLITE_STATIC);
	if (action != NULL)
		sqlite3_bind_text(s, 2, action, -1, SQLITE_STATIC);
	if (day != NULL)
		sqlite3_bind_text(s, 3, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, limit);
	return adm_list(st, s, 4, fn, arg);
}
