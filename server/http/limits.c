/*
 * limits.c — what keeps slow and idle clients from taking the server
 * offline: the file limit fitted to the connection limit, a deadline for
 * receiving a request (separate from the keep-alive idle timeout), and a
 * cap on query parameters answered before libmicrohttpd parses them.
 *
 * libmicrohttpd's own timeout restarts with every byte, so a client that
 * sends one header byte every few seconds never meets it.  Here each
 * connection has an absolute deadline; a thread shuts down the socket of
 * one that passes it, and libmicrohttpd then closes it as any connection
 * the peer has ended.  The socket is shut down, never closed, so its
 * number cannot be reused under libmicrohttpd's feet; and the record of a
 * connection leaves the list (under the lock) before libmicrohttpd closes
 * the socket.
 */
#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_priv.h"
#include "log.h"
#include "util.h"

#define LIMITS_SPARE_FILES	64	/* the database, logs, SMS, TLS */
#define LIMITS_TICK_MS		200

struct conn_rec {
	struct conn_rec	*prev, *next;
	struct limits	*l;
	int		 fd;
	int		 idle;		/* between requests */
	double		 deadline;	/* monotonic seconds; 0: none */
};

struct limits {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 wake;
	pthread_t	 thread;
	int		 running;
	int		 stop;
	unsigned	 receive_seconds;
	unsigned	 idle_seconds;
	struct conn_rec	*head;
	unsigned long	 expired;	/* connections shut down so far */
};

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Raises the soft file limit to fit max_conn connections; when the hard
 * limit is lower, lowers max_conn instead and says so.
 */
static void
fit_file_limit(unsigned *max_conn)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)*max_conn + LIMITS_SPARE_FILES;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rlim_t old = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
		    rl.rlim_max >= need ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			log_warn("setrlimit");
			rl.rlim_cur = old;
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		unsigned fit = rl.rlim_cur > 2 * LIMITS_SPARE_FILES ?
		    (unsigned)(rl.rlim_cur - LIMITS_SPARE_FILES) :
		    LIMITS_SPARE_FILES;

		log_info("http: the file limit is %llu, so at most %u "
		    "connections instead of %u", (unsigned long long)
		    rl.rlim_cur, fit, *max_conn);
		*max_conn = fit;
	}
}

static void *
reaper(void *arg)
{
	struct limits *l = arg;
	struct timespec ts;

	pthread_mutex_lock(&l->mtx);
	while (!l->stop) {
		double now = now_seconds();
		struct conn_rec *c;

		for (c = l->head; c != NULL; c = c->next) {
			if (c->deadline == 0 || c->deadline > now)
				continue;
			/* libmicrohttpd sees the end and closes it. */
			shutdown(c->fd, SHUT_RDWR);
			c->deadline = 0;
			l->expired++;
		}
		deadline_in(&ts, LIMITS_TICK_MS);
		pthread_cond_timedwait(&l->wake, &l->mtx, &ts);
	}
	pthread_mutex_unlock(&l->mtx);
	return NULL;
}

struct limits *
limits_new(unsigned *max_conn, unsigned receive_seconds,
    unsigned idle_seconds)
{
	struct limits *l = xcalloc(1, sizeof(*l));

	fit_file_limit(max_conn);
	l->receive_seconds = receive_seconds;
	l->idle_seconds = idle_seconds;
	pthread_mutex_init(&l->mtx, NULL);
	pthread_cond_init(&l->wake, NULL);
	if (pthread_create(&l->thread, NULL, reaper, l) == 0)
		l->running = 1;
	else
		log_warnx("http: no thread for receive deadlines");
	return l;
}

void
limits_free(struct limits *l)
{
	struct conn_rec *c, *next;

	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mtx);
	l->stop = 1;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mtx);
	if (l->running)
		pthread_join(l->thread, NULL);
	for (c = l->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->mtx);
	free(l);
}

void
limits_on_connection(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	struct limits *l = cls;
	struct conn_rec *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL)
			return;
		c = xcalloc(1, sizeof(*c));
		c->l = l;
		c->fd = ci->connect_fd;
		c->deadline = now_seconds() + l->receive_seconds;
		pthread_mutex_lock(&l->mtx);
		c->next = l->head;
		if (l->head != NULL)
			l->head->prev = c;
		l->head = c;
		pthread_mutex_unlock(&l->mtx);
		*socket_context = c;
		return;
	}
	if (c == NULL)
		return;
	pthread_mutex_lock(&l->mtx);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&l->mtx);
	free(c);
	*socket_context = NULL;
}

static struct conn_rec *
rec_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

void
limits_request_begin(struct MHD_Connection *conn)
{
	struct conn_rec *c = rec_of(conn);

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->l->mtx);
	/* A keep-alive request's headers are in: its body has the deadline. */
	if (c->idle) {
		c->idle = 0;
		c->deadline = now_seconds() + c->l->receive_seconds;
	}
	pthread_mutex_unlock(&c->l->mtx);
}

void
limits_request_received(struct MHD_Connection *conn)
{
	struct conn_rec *c = rec_of(conn);

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->l->mtx);
	c->deadline = 0;
	pthread_mutex_unlock(&c->l->mtx);
}

void
limits_request_done(struct MHD_Connection *conn)
{
	struct conn_rec *c = rec_of(conn);

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->l->mtx);
	c->idle = 1;
	c->deadline = now_seconds() + c->l->idle_seconds;
	pthread_mutex_unlock(&c->l->mtx);
}

/* The number of query parameters in a request target. */
static size_t
query_count(const char *uri)
{
	const char *q = strchr(uri, '?');
	size_t n = 0;

	if (q == NULL || q[1] == '\0')
		return 0;
	for (n = 1, q++; *q != '\0'; q++)
		if (*q == '&' || *q == ';')
			n++;
	return n;
}

#define TOO_MANY_BODY	"{\"error\":\"uri_too_long\",\"message\":" \
	"\"too many query parameters (at most 32)\"}"
_Static_assert(sizeof(TOO_MANY_BODY) - 1 == 75, "Content-Length below");
_Static_assert(HTTP_MAX_QUERY_ARGS == 32, "the message above");

const char limits_refused[] = "refused";

void *
limits_on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	static const char too_many[] = "HTTP/1.1 414 URI Too Long\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Content-Length: 75\r\nConnection: close\r\n\r\n" TOO_MANY_BODY;
	const union MHD_ConnectionInfo *ci;
	int tls = *(const int *)cls;
	char *q;

	if (query_count(uri) <= HTTP_MAX_QUERY_ARGS)
		return NULL;
	/*
	 * libmicrohttpd would parse every parameter into the connection's
	 * memory pool and, once that is full, stall until the idle timeout
	 * (or worse).  Answer now, end the connection, and cut the query off
	 * in libmicrohttpd's own read buffer (it writes there too) so it parses
	 * none of it.  The request then reaches on_request as refused.
	 */
	q = strchr(uri, '?');
	if (q != NULL)
		q[1] = '\0';
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL) {
		if (!tls)
			(void)send(ci->connect_fd, too_many,
			    sizeof(too_many) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(ci->connect_fd, tls ? SHUT_RDWR : SHUT_WR);
	}
	log_debug("http: refused a request with too many query parameters");
	return (void *)(uintptr_t)limits_refused;
}
