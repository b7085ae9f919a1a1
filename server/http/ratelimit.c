/*
 * ratelimit.c — token buckets per client address, in memory only.  The
 * table holds keyed hashes, never an address; a full neighbourhood of
 * the table gives up its least recently used slot.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_priv.h"
#include "util.h"

#define RATE_SLOTS		4096
#define RATE_PROBE		8

struct rate_slot {
	uint64_t	key;
	double		tokens;
	double		last;
};

struct ratelimit {
	unsigned		 per_min;
	unsigned char		 secret[crypto_shorthash_KEYBYTES];
	pthread_mutex_t		 mtx;
	struct rate_slot	 slot[RATE_SLOTS];
};

struct ratelimit *
ratelimit_new(unsigned per_min)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	rl->per_min = per_min;
	crypto_shorthash_keygen(rl->secret);
	pthread_mutex_init(&rl->mtx, NULL);
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mtx);
	free(rl);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

unsigned
ratelimit_take(struct ratelimit *rl, const char *addr, enum http_bucket bucket)
{
	char text[INET6_ADDRSTRLEN + 8];
	unsigned char key[crypto_shorthash_BYTES];
	double now, rate, cap;
	struct rate_slot *slot = NULL, *oldest = NULL;
	uint64_t k;
	unsigned wait = 0;
	size_t i;
	int n;

	if (rl->per_min == 0)
		return 0;
	if (bucket == HTTP_BUCKET_KIOSK) {
		/* Three at once (a queue flushing), then one per 5 s. */
		cap = 3;
		rate = 1.0 / 5.0;
	} else if (bucket == HTTP_BUCKET_OPTOUT) {
		cap = 5;
		rate = 1.0 / 10.0;
	} else {
		cap = rl->per_min;
		rate = cap / 60.0;
	}
	n = snprintf(text, sizeof(text), "%s%c", addr, (char)('0' + bucket));
	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	/* A keyed hash: the table never holds an address itself. */
	crypto_shorthash(key, (const unsigned char *)text, (size_t)n,
	    rl->secret);
	memcpy(&k, key, sizeof(k));
	k |= 1;
	now = now_seconds();
	pthread_mutex_lock(&rl->mtx);
	for (i = 0; i < RATE_PROBE; i++) {
		struct rate_slot *s = &rl->slot[(k + i) % RATE_SLOTS];

		if (s->key == k) {
			slot = s;
			break;
		}
		if (oldest == NULL || s->last < oldest->last)
			oldest = s;
	}
	if (slot == NULL) {
		slot = oldest;
		slot->key = k;
		slot->tokens = cap;
		slot->last = now;
	}
	slot->tokens += (now - slot->last) * rate;
	if (slot->tokens > cap)
		slot->tokens = cap;
	slot->last = now;
	if (slot->tokens >= 1.0)
		slot->tokens -= 1.0;
	else
		wait = (unsigned)((1.0 - slot->tokens) / rate) + 1;
	pthread_mutex_unlock(&rl->mtx);
	return wait;
}

unsigned
http_request_throttle(struct http_request *r, enum http_bucket bucket)
{
	char addr[INET6_ADDRSTRLEN + 2];

	http_request_client(r, addr, sizeof(addr));
	return ratelimit_take(r->h->rate, addr, bucket);
}

int
http_reply_too_many(struct http_request *r, unsigned wait,
    const char *message)
{
	char secs[16];

	snprintf(secs, sizeof(secs), "%u", wait);
	http_reply_header(r, "Retry-After", secs);
	return http_reply_error(r, 429, "too_many_requests", NULL, message);
}
