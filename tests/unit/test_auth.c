/*
 * test_auth.c — roles, passwords, tokens and the login throttle.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "authpool.h"

static void
test_roles(void **state)
{
	(void)state;
	assert_int_equal(auth_role_parse("admin"), AUTH_ROLE_ADMIN);
	assert_int_equal(auth_role_parse("viewer"), AUTH_ROLE_VIEWER);
	assert_int_equal(auth_role_parse("sender"), AUTH_ROLE_SENDER);
	assert_int_equal(auth_role_parse("Admin"), 0);
	assert_int_equal(auth_role_parse(NULL), 0);
	assert_string_equal(auth_role_name(AUTH_ROLE_VIEWER), "viewer");
}

static void
test_passwords(void **state)
{
	char hash[AUTH_HASH_MAX], err[128];

	(void)state;
	assert_int_equal(auth_password_acceptable("short", err, sizeof(err)),
	    -1);
	assert_int_equal(auth_password_acceptable("twelve chars", err,
	    sizeof(err)), 0);
	/* Twelve characters, not twelve bytes. */
	assert_int_equal(auth_password_acceptable("ééééééééééé", err,
	    sizeof(err)), -1);
	assert_int_equal(auth_password_acceptable("\\xff\\xfe long enough",
	    err, sizeof(err)), 0);
	assert_int_equal(auth_password_hash("correct horse battery", hash), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_int_equal(auth_password_check(hash, "correct horse battery"), 0);
	assert_int_equal(auth_password_check(hash, "correct horse batterx"), -1);
	assert_int_equal(auth_password_check(NULL, "anything at all"), -1);
}

static void
test_tokens(void **state)
{
	char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];
	unsigned char ha[AUTH_TOKEN_HASH], hb[AUTH_TOKEN_HASH];

	(void)state;
	auth_token_new(a);
	auth_token_new(b);
	assert_int_equal(strlen(a), AUTH_TOKEN_LEN);
	assert_string_not_equal(a, b);
	auth_token_hash(a, ha);
	auth_token_hash(b, hb);
	assert_memory_not_equal(ha, hb, sizeof(ha));
	assert_true(auth_equal(a, a));
	assert_false(auth_equal(a, b));
	assert_false(auth_equal("abc", "abcd"));
}

static void
test_throttle_account_and_address(void **state)
{
	struct auth_throttle *t = auth_throttle_new();
	time_t now = 1000000;
	int i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(auth_throttle_wait(t, "ann", "10.0.0.1", now),
		    0);
		auth_throttle_fail(t, "ann", "10.0.0.1", now);
	}
	assert_true(auth_throttle_wait(t, "ann", "10.0.0.1", now) > 0);
	/* Slowed down from that address only: no lock-out for everyone. */
	assert_int_equal(auth_throttle_wait(t, "ann", "10.0.0.2", now), 0);
	assert_int_equal(auth_throttle_wait(t, "bob", "10.0.0.1", now), 0);
	/* Fifteen minutes later the account may try again. */
	assert_int_equal(auth_throttle_wait(t, "ann", "10.0.0.1",
	    now + 15 * 60), 0);
	/* A success clears the account's count. */
	auth_throttle_fail(t, "cas", "10.0.0.3", now);
	auth_throttle_success(t, "cas", "10.0.0.3", now);
	for (i = 0; i < 4; i++)
		auth_throttle_fail(t, "cas", "10.0.0.3", now);
	assert_int_equal(auth_throttle_wait(t, "cas", "10.0.0.3", now), 0);
	auth_throttle_free(t);
}

static void
test_throttle_reserve_counts_tries_in_flight(void **state)
{
	struct auth_throttle *t = auth_throttle_new();
	time_t now = 3000000;
	int i, allowed = 0;

	(void)state;
	/* Forty tries at once, none judged yet: exactly five get through. */
	for (i = 0; i < 40; i++)
		if (auth_throttle_reserve(t, "ann", "10.0.0.9", now) == 0)
			allowed++;
	assert_int_equal(allowed, 5);
	for (i = 0; i < 5; i++)
		auth_throttle_fail(t, "ann", "10.0.0.9", now);
	assert_true(auth_throttle_reserve(t, "ann", "10.0.0.9", now) > 0);
	/* A try judged a success gives its reservation back. */
	assert_int_equal(auth_throttle_reserve(t, "bob", "10.0.0.9", now), 0);
	auth_throttle_success(t, "bob", "10.0.0.9", now);
	assert_int_equal(auth_throttle_reserve(t, "bob", "10.0.0.9", now), 0);
	auth_throttle_free(t);
}

static void
test_throttle_address_survives_many_names(void **state)
{
	time_t now = 2000000;
	char name[32];
	int trial, i;

	(void)state;
	/*
	 * Twenty failures under twenty names from one address must block it,
	 * whichever slots the names fall in.  Each trial has a new secret, so
	 * the slots fall differently; an eviction of the address by a name
	 * would show in some of 300 trials.
	 */
	for (trial = 0; trial < 300; trial++) {
		struct auth_throttle *t = auth_throttle_new();

		for (i = 0; i < 20; i++) {
			assert_int_equal(auth_throttle_wait(t, "next",
			    "192.0.2.7", now), 0);
			snprintf(name, sizeof(name), "user%d", i);
			auth_throttle_fail(t, name, "192.0.2.7", now);
		}
		assert_true(auth_throttle_wait(t, "next", "192.0.2.7", now) >
		    0);
		assert_int_equal(auth_throttle_wait(t, "next", "192.0.2.8",
		    now), 0);
		auth_throttle_free(t);
	}
}

/* The pool's one worker is held inside the first job's callback. */
struct held {
	pthread_mutex_t	mtx;
	pthread_cond_t	cv;
	int		entered, release, done;
};

static void
held_done(struct authpool_job *job, void *arg)
{
	struct held *h = arg;

	(void)job;
	pthread_mutex_lock(&h->mtx);
	h->entered = 1;
	pthread_cond_broadcast(&h->cv);
	while (!h->release)
		pthread_cond_wait(&h->cv, &h->mtx);
	h->done++;
	pthread_mutex_unlock(&h->mtx);
}

static void
count_done(struct authpool_job *job, void *arg)
{
	struct held *h = arg;

	(void)job;
	pthread_mutex_lock(&h->mtx);
	h->done++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mtx);
}

static void
test_authpool_bounded_queue(void **state)
{
	struct held h = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	    0, 0, 0 };
	struct authpool_job jobs[4];
	struct authpool *p = authpool_new(1, 2);
	char hash[AUTH_HASH_MAX];
	int i;

	(void)state;
	assert_non_null(p);
	assert_int_equal(auth_password_hash("correct horse battery", hash), 0);
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < 4; i++) {
		jobs[i].hash = hash;
		jobs[i].pw = i == 0 ? "correct horse battery" : "wrong";
		jobs[i].done = i == 0 ? held_done : count_done;
		jobs[i].arg = &h;
	}
	assert_int_equal(authpool_submit(p, &jobs[0]), 0);
	pthread_mutex_lock(&h.mtx);
	while (!h.entered)
		pthread_cond_wait(&h.cv, &h.mtx);
	pthread_mutex_unlock(&h.mtx);
	assert_int_equal(jobs[0].ok, 1);
	/* The worker is busy: two wait, the third is refused at once. */
	assert_int_equal(authpool_submit(p, &jobs[1]), 0);
	assert_int_equal(authpool_submit(p, &jobs[2]), 0);
	assert_int_equal(authpool_submit(p, &jobs[3]), -1);
	pthread_mutex_lock(&h.mtx);
	h.release = 1;
	pthread_cond_broadcast(&h.cv);
	while (h.done < 3)
		pthread_cond_wait(&h.cv, &h.mtx);
	pthread_mutex_unlock(&h.mtx);
	assert_int_equal(jobs[1].ok, 0);
	assert_int_equal(jobs[2].ok, 0);
	authpool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_passwords),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_throttle_account_and_address),
		cmocka_unit_test(test_throttle_reserve_counts_tries_in_flight),
		cmocka_unit_test(test_authpool_bounded_queue),
		cmocka_unit_test(test_throttle_address_survives_many_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
