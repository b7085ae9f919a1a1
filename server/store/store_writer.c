/*
 * store_writer.c — the writer thread, which stores whatever has queued in
 * one transaction (group commit) and then reports each job done, and the
 * checkpointer beside it, which keeps the write-ahead log short and
 * truncates it after an erasure.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "store_priv.h"
#include "util.h"

#define STORE_BATCH_MAX		4096
/*
 * The -wal file: a PASSIVE checkpoint beside the writer above LOW (small and
 * often: it never blocks the writer); above HIGH a RESTART, which does block
 * it for a moment (a 40 MiB one cost 80 ms at p99), only as the brake that
 * keeps the file under 64 MiB.
 */
#define STORE_WAL_LOW		(1LL << 20)
#define STORE_WAL_HIGH		(56LL << 20)

/*
 * 1 when the database file was deleted or replaced under the server:
 * whatever the writer commits now would not be in the file it opens next,
 * so from then on nothing is acknowledged (and /healthz fails).
 */
static int
db_gone(struct store *st)
{
	int moved = 0;

	if (__atomic_load_n(&st->gone, __ATOMIC_RELAXED))
		return 1;
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED,
	    &moved) != SQLITE_OK || !moved)
		return 0;
	__atomic_store_n(&st->gone, 1, __ATOMIC_RELAXED);
	log_warnx("store: %s was deleted or replaced while serving; "
	    "refusing responses until klankbord is restarted", st->path);
	return 1;
}

static void
fail_batch(struct store_job *batch)
{
	struct store_job *j, *next;

	for (j = batch; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->result = STORE_FAILED;
		j->done(j, j->arg);
	}
}

int
store_healthy(struct store *st)
{
	return !__atomic_load_n(&st->gone, __ATOMIC_RELAXED);
}

void
store_erase_soon(struct store *st)
{
	pthread_mutex_lock(&st->mtx);
	st->erase_soon = 1;
	pthread_cond_broadcast(&st->ckpt_cond);
	pthread_mutex_unlock(&st->mtx);
}

/* The write-ahead log's size in bytes (0 when absent). */
static long long
wal_size(const struct store *st)
{
	struct stat sb;
	struct buf b;
	long long n = 0;

	buf_init(&b, 4096);
	buf_printf(&b, "%s-wal", st->path);
	if (stat(buf_cstr(&b), &sb) == 0)
		n = (long long)sb.st_size;
	buf_free(&b);
	return n;
}

/*
 * The checkpointer: its own connection, beside the writer.  Under load it
 * copies the log into the database as it goes (PASSIVE), and forces a
 * restart of the log before it passes STORE_WAL_HIGH; when the writer has
 * been idle for a second, or an erasure asks for it, it truncates the log
 * to 0 bytes, so erased data leaves the -wal file too.
 */
static void *
ckpt_main(void *arg)
{
	struct store *st = arg;
	unsigned long long seen = (unsigned long long)-1;
	int idle = 0;

	pthread_mutex_lock(&st->mtx);
	while (!st->stopping) {
		struct timespec ts;
		unsigned long long commits;
		long long size;
		int erase, mode = -1;

		deadline_in(&ts, 250);
		if (!st->erase_soon)
			(void)pthread_cond_timedwait(&st->ckpt_cond, &st->mtx,
			    &ts);
		if (st->stopping)
			break;
		erase = st->erase_soon;
		st->erase_soon = 0;
		pthread_mutex_unlock(&st->mtx);
		commits = __atomic_load_n(&st->commits, __ATOMIC_RELAXED);
		idle = commits == seen ? idle + 1 : 0;
		seen = commits;
		size = wal_size(st);
		if (erase || (idle >= 4 && size > 0))
			mode = SQLITE_CHECKPOINT_TRUNCATE;
		else if (size > STORE_WAL_HIGH)
			mode = SQLITE_CHECKPOINT_RESTART;
		else if (size > STORE_WAL_LOW)
			mode = SQLITE_CHECKPOINT_PASSIVE;
		if (mode != -1 && sqlite3_wal_checkpoint_v2(st->ckpt, NULL,
		    mode, NULL, NULL) != SQLITE_OK && erase) {
			/* Busy: try the erasure again at the next tick. */
			pthread_mutex_lock(&st->mtx);
			st->erase_soon = 1;
			pthread_mutex_unlock(&st->mtx);
		}
		__atomic_fetch_add(&st->checkpoints, mode != -1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&st->mtx);
	}
	pthread_mutex_unlock(&st->mtx);
	return NULL;
}

static void *
writer_main(void *arg)
{
	struct store *st = arg;

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
		if (db_gone(st)) {
			fail_batch(batch);
		} else {
			int cur = 0, hi = 0;

			results_commit_batch(st, batch);
			/* Pages the writer wrote to the log: cost per response. */
			if (sqlite3_db_status(st->db,
			    SQLITE_DBSTATUS_CACHE_WRITE, &cur, &hi, 1) ==
			    SQLITE_OK && cur > 0)
				__atomic_fetch_add(&st->pages_written,
				    (unsigned long long)cur, __ATOMIC_RELAXED);
		}
		pthread_mutex_lock(&st->mtx);
		st->pending -= n;
		pthread_cond_broadcast(&st->cond);
	}
	pthread_mutex_unlock(&st->mtx);
	return NULL;
}

int
store_writer_start(struct store *st, char *err, size_t errlen)
{
	int e;

	/* The checkpointer does it, on its own connection. */
	sqlite3_wal_autocheckpoint(st->db, 0);
	if (sqlite3_open_v2(st->path, &st->ckpt, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", st->path,
		    st->ckpt ? sqlite3_errmsg(st->ckpt) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(st->ckpt, 2000);
	sqlite3_wal_autocheckpoint(st->ckpt, 0);
	/* A connection checkpoints only once it has read the database. */
	if (store_exec(st->ckpt, "PRAGMA journal_mode=WAL;", err,
	    errlen) == -1)
		return -1;
	e = pthread_create(&st->writer, NULL, writer_main, st);
	if (e != 0) {
		snprintf(err, errlen, "cannot start the writer thread: %s",
		    strerror(e));
		return -1;
	}
	st->writer_running = 1;
	e = pthread_create(&st->ckpt_thread, NULL, ckpt_main, st);
	if (e != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread: %s",
		    strerror(e));
		return -1;
	}
	st->ckpt_running = 1;
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

unsigned long long
store_pages_written(struct store *st)
{
	return __atomic_load_n(&st->pages_written, __ATOMIC_RELAXED);
}

void
store_counters(struct store *st, unsigned long long *rows,
    unsigned long long *commits)
{
	*rows = __atomic_load_n(&st->rows_stored, __ATOMIC_RELAXED);
	*commits = __atomic_load_n(&st->commits, __ATOMIC_RELAXED);
}
