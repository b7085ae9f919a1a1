/*
 * ceiling.c — the yardstick of `make bench`: a bare libmicrohttpd daemon
 * with the daemon flags and options of http_start (server/http.c) that
 * does no work of its own.
 *
 *   POST: reads the body fully and answers 201 {"id":"0"} without storing.
 *   GET:  answers 200 with a fixed body of SIZE bytes (the size of the page
 *         the bench measures on the real server).
 *
 * usage: ceiling [SIZE] [suspend]
 * Listens on 127.0.0.1, port 0; prints the port on stdout, then runs until
 * SIGTERM or SIGINT.
 *
 * With "suspend", a POST goes the way the server's responses go, still
 * without any work: the handler suspends the connection and queues it, and
 * one thread (the server's writer) takes whatever has queued and resumes
 * each at once; the answer is queued on the call after the resume.  It
 * measures what suspend and resume cost by themselves.
 *
 * Like the server it answers on a later call than the first for a request:
 * a response queued on the first call makes libmicrohttpd 0.9.75 close the
 * connection, and the ceiling would then measure reconnects.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_MAX	(64 * 1024)
#define SIZE_MAX_ARG	(16 * 1024 * 1024)

struct req {
	char			*body;	/* grown as the body comes, like a buf */
	size_t			 len, cap;
	struct MHD_Connection	*conn;	/* suspend: queued for a resume */
	struct req		*next;
	int			 queued;
};

static int suspend_mode;
static pthread_mutex_t queue_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static struct req *queue;

/* The stand-in for the server's writer: resumes whatever has queued. */
static void *
resumer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&queue_mtx);
	for (;;) {
		struct req *batch, *next;

		while (queue == NULL)
			pthread_cond_wait(&queue_cond, &queue_mtx);
		batch = queue;
		queue = NULL;
		pthread_mutex_unlock(&queue_mtx);
		for (; batch != NULL; batch = next) {
			next = batch->next;
			MHD_resume_connection(batch->conn);
		}
		pthread_mutex_lock(&queue_mtx);
	}
	return NULL;
}

static const char created[] = "{\"id\":\"0\"}";
static char *page;
static size_t page_len;

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *ctype,
    const char *data, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)url;
	(void)version;
	if (r == NULL) {
		/* First call: headers only.  Answer later (keep-alive). */
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;

		/* Copy like the server does, so the body is really read. */
		if (n > BODY_MAX - r->len)
			n = BODY_MAX - r->len;
		if (r->len + n > r->cap) {
			size_t cap = r->cap ? r->cap : 1024;
			char *p;

			while (cap < r->len + n)
				cap *= 2;
			p = realloc(r->body, cap);
			if (p == NULL)
				return MHD_NO;
			r->body = p;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") == 0 && suspend_mode && !r->queued) {
		r->queued = 1;
		r->conn = conn;
		MHD_suspend_connection(conn);
		pthread_mutex_lock(&queue_mtx);
		r->next = queue;
		queue = r;
		pthread_cond_signal(&queue_cond);
		pthread_mutex_unlock(&queue_mtx);
		return MHD_YES;
	}
	if (strcmp(method, "POST") == 0)
		return reply(conn, MHD_HTTP_CREATED,
		    "application/json; charset=utf-8", created,
		    sizeof(created) - 1);
	return reply(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page,
	    page_len);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r != NULL)
		free(r->body);
	free(r);
	*con_cls = NULL;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	struct sockaddr_in sin;
	sigset_t sigs;
	unsigned long n = 1024;
	char *end;
	int sig;

	if (argc == 3 && strcmp(argv[2], "suspend") == 0) {
		suspend_mode = 1;
		argc = 2;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: ceiling [SIZE] [suspend]\n");
		return 2;
	}
	if (argc == 2) {
		errno = 0;
		n = strtoul(argv[1], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[1] ||
		    n > SIZE_MAX_ARG) {
			fprintf(stderr, "ceiling: SIZE must be a number of "
			    "bytes from 0 to %d\n", SIZE_MAX_ARG);
			return 2;
		}
	}
	page_len = n;
	page = malloc(page_len + 1);
	if (page == NULL)
		return 1;
	memset(page, 'x', page_len);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (suspend_mode) {
		pthread_t t;

		/* After the mask, so the signals still come to sigwait. */
		if (pthread_create(&t, NULL, resumer, NULL) != 0) {
			fprintf(stderr, "ceiling: cannot start a thread\n");
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* The flags and options of http_start, TLS aside. */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_ITC, 0,
	    NULL, NULL, on_request, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "ceiling: cannot start libmicrohttpd\n");
		return 1;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (di == NULL || di->port == 0) {
		fprintf(stderr, "ceiling: cannot read the port\n");
		MHD_stop_daemon(d);
		return 1;
	}
	printf("%u\n", (unsigned)di->port);
	fflush(stdout);
	while (sigwait(&sigs, &sig) != 0)
		continue;
	MHD_stop_daemon(d);
	free(page);
	return 0;
}
