/*
 * store_team.h — the project team's tables (store_team.c): users, API
 * keys, sessions, the audit log, and "you said, we did".
 */
#ifndef KB_STORE_TEAM_H
#define KB_STORE_TEAM_H

#include <stddef.h>

#include "store.h"

/*
 * The project team: users, API keys, sessions and the audit log.  Roles
 * are "admin", "viewer" and "sender".  Functions return -1 on a database
 * error (logged); finders return 1 when found and 0 when not; changers
 * return the number of rows changed.
 */
struct store_session {
	char		user[64];
	char		role[8];
	char		csrf[64];
	long long	created;	/* seconds since the epoch */
	long long	seen;
};

/* 1 when added, 0 when the name is taken. */
int	 store_user_add(struct store *st, const char *name, const char *role,
	    const char *pwhash) __attribute__((warn_unused_result));
int	 store_user_find(struct store *st, const char *name, char *role,
	    size_t rolelen, char *pwhash, size_t pwlen)
	    __attribute__((warn_unused_result));
/* Also ends the user's sessions. */
int	 store_user_passwd(struct store *st, const char *name,
	    const char *pwhash) __attribute__((warn_unused_result));
int	 store_user_remove(struct store *st, const char *name)
	    __attribute__((warn_unused_result));
/* Users with role, or all users when role is NULL. */
int	 store_user_count(struct store *st, const char *role);
/* fn gets name, role, created. */
int	 store_user_list(struct store *st,
	    void (*fn)(const char *const *cols, void *), void *arg);
int	 store_apikey_add(struct store *st, const char *name, const char *role,
	    const unsigned char *hash, size_t hashlen)
	    __attribute__((warn_unused_result));
int	 store_apikey_find(struct store *st, const unsigned char *hash,
	    size_t hashlen, char *name, size_t namelen, char *role,
	    size_t rolelen) __attribute__((warn_unused_result));
int	 store_apikey_revoke(struct store *st, const char *name)
	    __attribute__((warn_unused_result));
/* fn gets name, role, created, revoked (NULL if not). */
int	 store_apikey_list(struct store *st,
	    void (*fn)(const char *const *cols, void *), void *arg);
int	 store_session_add(struct store *st, const unsigned char *hash,
	    size_t hashlen, const char *user, const char *csrf, long long now)
	    __attribute__((warn_unused_result));
int	 store_session_find(struct store *st, const unsigned char *hash,
	    size_t hashlen, struct store_session *out)
	    __attribute__((warn_unused_result));
int	 store_session_touch(struct store *st, const unsigned char *hash,
	    size_t hashlen, long long now);
int	 store_session_delete(struct store *st, const unsigned char *hash,
	    size_t hashlen);
int	 store_session_purge(struct store *st, long long created_before,
	    long long seen_before);
int	 store_audit_add(struct store *st, const char *actor,
	    const char *action, const char *detail);
/* The newest limit entries first; fn gets at, actor, action, detail. */
int	 store_audit_list(struct store *st, int limit,
	    void (*fn)(const char *const *cols, void *), void *arg);
/*
 * The same, only rows of actor user, action and the day "YYYY-MM-DD"
 * (each NULL: any), newest first.
 */
int	 store_audit_find(struct store *st, const char *user,
	    const char *action, const char *day, int limit,
	    void (*fn)(const char *const *cols, void *), void *arg);

/* "You said, we did": one JSON object of texts per language. */
int	 store_yousaid_set(struct store *st, const char *survey,
	    const char *location, const char *texts_json)
	    __attribute__((warn_unused_result));
/* fn gets survey, location, texts JSON, updated. */
int	 store_yousaid_list(struct store *st,
	    void (*fn)(const char *const *cols, void *), void *arg);

#endif
