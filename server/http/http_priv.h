/*
 * http_priv.h — the map of server/http/, included only inside it.
 *
 *   http.c      the libmicrohttpd daemon: start, stop, the request and
 *               completion callbacks, in-flight counting
 *   limits.c    connection limits: the file limit, per-address cap,
 *               receive deadlines for slow clients
 *   route.c     the route table, who may use a route, the dispatcher and
 *               the guards of the respondents' submissions
 *   request.c   what a handler reads: headers, query, body, form, client
 *   reply.c     what a handler writes, and sending it
 *   metrics.c   counters and /metrics
 *   ratelimit.c per-address token buckets, in memory only
 */
#ifndef KB_HTTP_PRIV_H
#define KB_HTTP_PRIV_H

#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <time.h>

#include "app.h"
#include "http.h"

#define HTTP_MAX_HEADERS	8
#define KB_NROUTES		64	/* at least KB_NELEM(http_routes) */
#define KB_NBUCKETS		10
#define HTTP_DISCARD_MAX	(1024 * 1024)
#define HTTP_MAX_QUERY_ARGS	32	/* more query parameters: 414 */
#define HTTP_MAX_CONNECTIONS	4000
#define HTTP_RECEIVE_SECONDS	10	/* to receive a request's head and body */
#define HTTP_IDLE_SECONDS	30	/* keep-alive between requests */
#define HTTP_PER_ADDRESS	128	/* connections per address, no proxy */

struct ratelimit;
struct limits;

struct http {
	struct MHD_Daemon	*daemon;
	struct app		*app;
	unsigned		 port;
	int			 tls;
	char			*cert, *key;
	char			*trusted_proxy;
	struct ratelimit	*rate;
	struct limits		*limits;

	pthread_mutex_t		 mtx;
	pthread_cond_t		 idle;
	unsigned		 inflight;
	int			 closing;
	/* Requests by the reload epoch they began in (http_reload_wait). */
	unsigned		 epoch;
	unsigned		 inflight_epoch[2];

	/* Counters for /metrics, updated with atomic adds. */
	unsigned long long	 count[KB_NROUTES + 1][5];	/* by 1xx..5xx */
	unsigned long long	 hist[KB_NBUCKETS + 1];
	unsigned long long	 dur_us;
};

typedef int (*http_handler)(struct app *, struct http_request *);

/* How a route answers someone not logged in. */
enum route_kind {
	PAGE,		/* 303 to the login page; session cookie only */
	API		/* 401 JSON; a session or an API key */
};

struct route {
	const char	*method;
	const char	*path;
	int		 prefix;	/* path is a prefix; the rest is the tail */
	int		 roles;
	enum route_kind	 kind;
	http_handler	 handler;
	http_handler	 finish;	/* after a suspended handler resumes */
};

struct http_request {
	struct http		*h;
	struct MHD_Connection	*conn;
	const struct route	*route;
	const char		*method;
	const char		*url;
	const char		*tail;
	struct buf		 body;
	int			 too_large;
	size_t			 discarded;	/* body bytes seen */
	int			 counted;	/* in h->inflight */
	unsigned		 epoch;		/* slot in h->inflight_epoch */
	int			 suspended;
	int			 resumed;
	struct timespec		 start;

	void			*state;
	void			(*state_free)(void *);
	struct http_auth	 auth;
	char			**form;		/* key, value, ...; NULL-ended */
	int			 form_parsed;
	const char		**qall;		/* the query's, borrowed */

	int			 status;
	const char		*ctype;
	char			*data;
	size_t			 len;
	int			 persistent;	/* data is not ours */
	const char		*hname[HTTP_MAX_HEADERS];
	char			*hvalue[HTTP_MAX_HEADERS];
	size_t			 nheaders;
};

/* route.c */
extern const struct route http_routes[];
extern const size_t http_nroutes;
/* Finds the route, checks who may use it and runs its handler. */
int	 http_dispatch(struct http_request *r);

/* request.c */
int	 http_hexval(char c);
/*
 * 1 when s (a Content-Length value) is larger than max: its digits, after
 * any blanks, name more bytes (a value too long to hold counts as larger);
 * 0 when not, or when it is no number.
 */
int	 http_length_over(const char *s, unsigned long long max);
/* Frees what the request holds (not r itself). */
void	 http_request_clear(struct http_request *r);

/* reply.c: queues the reply, records it and logs it once. */
enum MHD_Result http_send_reply(struct http_request *r, int status);
void	 http_reply_clear(struct http_request *r);

/* metrics.c */
void	 http_metrics_record(struct http_request *r, int status);
int	 http_metrics(struct app *, struct http_request *);
/* 1 when addr (text) is a loopback address: 127.0.0.0/8 or ::1. */
int	 http_addr_is_loopback(const char *addr);

/* ratelimit.c */
struct ratelimit *ratelimit_new(unsigned per_min);
void	 ratelimit_free(struct ratelimit *rl);
/* Takes one from addr's bucket; 0, or the seconds to wait. */
unsigned ratelimit_take(struct ratelimit *rl, const char *addr,
	    enum http_bucket bucket);

/* limits.c */
/*
 * Fits the connection limit to the file limit (raising the soft limit
 * when it can, else lowering *max_conn with a log line), and starts the
 * thread that closes connections past their receive deadline.
 */
struct limits *limits_new(unsigned *max_conn, unsigned receive_seconds,
	    unsigned idle_seconds);
void	 limits_free(struct limits *l);
/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the struct limits. */
void	 limits_on_connection(void *cls, struct MHD_Connection *c,
	    void **socket_context, enum MHD_ConnectionNotificationCode code);
/* The request's headers are in: its body must follow by the deadline. */
void	 limits_request_begin(struct MHD_Connection *c);
/* The request is received: no deadline while it is handled. */
void	 limits_request_received(struct MHD_Connection *c);
/* The reply is sent: the connection may idle until the idle timeout. */
void	 limits_request_done(struct MHD_Connection *c);
/*
 * MHD_OPTION_URI_LOG_CALLBACK; cls points to an int, 1 for TLS.  Answers
 * 414 and ends the connection when the target has too many parameters.
 */
void	*limits_on_uri(void *cls, const char *uri, struct MHD_Connection *c);
/* What limits_on_uri hands on_request for a refused request. */
extern const char limits_refused[];

#endif
