/*
 * metrics.c — counts per route and status class, a latency histogram,
 * and the Prometheus text of /metrics.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "auth.h"
#include "http_priv.h"
#include "store_team.h"
#include "util.h"

/* Upper bounds of the latency histogram, in microseconds. */
static const unsigned long long buckets_us[KB_NBUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000
};

void
http_metrics_record(struct http_request *r, int status)
{
	struct http *h = r->h;
	struct timespec now;
	unsigned long long us;
	size_t route = KB_NROUTES, cls, b;

	if (r->route != NULL)
		route = (size_t)(r->route - http_routes);
	cls = status >= 100 && status < 600 ? (size_t)(status / 100 - 1) : 4;
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (unsigned long long)(now.tv_sec - r->start.tv_sec) * 1000000ULL +
	    (unsigned long long)((now.tv_nsec - r->start.tv_nsec) / 1000);
	for (b = 0; b < KB_NBUCKETS && us > buckets_us[b]; b++)
		;
	__atomic_fetch_add(&h->count[route][cls], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->hist[b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->dur_us, us, __ATOMIC_RELAXED);
}

int
http_addr_is_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	/* Parsed, not prefix-matched: "127.evil.example" is no address. */
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_LOOPBACK(&a6))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

/*
 * Prometheus text: counts per route and status class, a latency
 * histogram, and the store's counters.  No addresses, nothing of a
 * respondent.  Only from this machine, or with an API key.
 */
int
http_metrics(struct app *app, struct http_request *r)
{
	struct http *h = r->h;
	const char *authz = http_request_header(r, "Authorization");
	char addr[64], name[64], role[8];
	unsigned long long cum = 0, rows, batches;
	struct buf b;
	size_t i, c;
	char *text;
	size_t len;
	int ok;

	/* Through a trusted proxy this is the client's address, not its own. */
	http_request_client(r, addr, sizeof(addr));
	ok = http_addr_is_loopback(addr);
	if (!ok && authz != NULL && strncmp(authz, "Bearer ", 7) == 0) {
		unsigned char kh[AUTH_TOKEN_HASH];

		auth_token_hash(authz + 7, kh);
		ok = store_apikey_find(app->store, kh, sizeof(kh), name,
		    sizeof(name), role, sizeof(role)) == 1;
	}
	if (!ok)
		return http_reply_error(r, 403, "forbidden", NULL,
		    "metrics are for this machine or an API key");
	buf_init(&b, 256 * 1024);
	buf_puts(&b, "# HELP klankbord_http_requests_total Requests answered, "
	    "by route and status class.\n# TYPE klankbord_http_requests_total "
	    "counter\n");
	for (i = 0; i <= KB_NROUTES; i++) {
		for (c = 0; c < 5; c++) {
			unsigned long long n = __atomic_load_n(&h->count[i][c],
			    __ATOMIC_RELAXED);

			if (n == 0)
				continue;
			buf_printf(&b, "klankbord_http_requests_total{method="
			    "\"%s\",route=\"%s\",code=\"%zuxx\"} %llu\n",
			    i < http_nroutes ? http_routes[i].method : "",
			    i < http_nroutes ? http_routes[i].path : "none",
			    c + 1, n);
		}
	}
	buf_puts(&b, "# HELP klankbord_http_request_duration_seconds Time from "
	    "a request's first byte to its answer.\n# TYPE "
	    "klankbord_http_request_duration_seconds histogram\n");
	for (i = 0; i <= KB_NBUCKETS; i++) {
		cum += __atomic_load_n(&h->hist[i], __ATOMIC_RELAXED);
		if (i < KB_NBUCKETS)
			buf_printf(&b, "klankbord_http_request_duration_seconds_"
			    "bucket{le=\"%g\"} %llu\n",
			    (double)buckets_us[i] / 1e6, cum);
		else
			buf_printf(&b, "klankbord_http_request_duration_seconds_"
			    "bucket{le=\"+Inf\"} %llu\n", cum);
	}
	buf_printf(&b, "klankbord_http_request_duration_seconds_sum %.6f\n"
	    "klankbord_http_request_duration_seconds_count %llu\n",
	    (double)__atomic_load_n(&h->dur_us, __ATOMIC_RELAXED) / 1e6, cum);
	store_counters(app->store, &rows, &batches);
	buf_printf(&b, "# HELP klankbord_responses_stored_total Responses "
	    "committed to disk.\n# TYPE klankbord_responses_stored_total "
	    "counter\nklankbord_responses_stored_total %llu\n"
	    "# HELP klankbord_commits_total Transactions of the response "
	    "writer (group commits).\n# TYPE klankbord_commits_total counter\n"
	    "klankbord_commits_total %llu\n", rows, batches);
	buf_printf(&b, "# HELP klankbord_store_pages_written_total Database "
	    "pages the response writer wrote.\n# TYPE "
	    "klankbord_store_pages_written_total counter\n"
	    "klankbord_store_pages_written_total %llu\n",
	    store_pages_written(app->store));
	sms_metrics(&b, &app->smscfg, app->store);
	buf_printf(&b, "# HELP klankbord_build_info The running version.\n"
	    "# TYPE klankbord_build_info gauge\n"
	    "klankbord_build_info{version=\"%s\"} 1\n",
	    app->version ? app->version : "unknown");
	if (buf_failed(&b)) {
		buf_free(&b);
		return http_reply_error(r, 500, "internal", NULL, "too large");
	}
	text = buf_release(&b, &len);
	http_reply_text(r, "text/plain; version=0.0.4; charset=utf-8", text,
	    len);
	return 200;
}

