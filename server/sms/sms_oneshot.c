/*
 * sms_oneshot.c — one SMS sent at once, outside the invitation sender:
 * the messages to volunteers of the participation panel go through the
 * same provider dialects, bounded like every other gateway call.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sms.h"
#include "util.h"

#define ONESHOT_CONNECT_TIMEOUT	5L

/* The gateway's answer is not needed: its status says it all. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

int
sms_send_text(const struct sms_config *c, const char *e164,
    const char *text, const char *ref)
{
	struct sms_request req;
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *e = NULL;
	long status = 0, timeout;
	CURLcode cc;
	int rc = 1;

	memset(&req, 0, sizeof(req));
	if (sms_request_build(c, e164, text, ref, &req) == -1)
		return -1;
	headers = curl_slist_append(NULL, req.content_type);
	if (req.auth_header != NULL)
		headers = curl_slist_append(headers, req.auth_header);
	e = curl_easy_init();
	if (e == NULL || headers == NULL)
		goto out;
	timeout = c->timeout > 0 ? (long)c->timeout : 15L;
	curl_easy_setopt(e, CURLOPT_URL, req.url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, req.body);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
	if (req.userpwd != NULL) {
		curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(e, CURLOPT_USERPWD, req.userpwd);
	}
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, timeout <
	    ONESHOT_CONNECT_TIMEOUT ? timeout : ONESHOT_CONNECT_TIMEOUT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		/* The number is never logged; the reason is. */
		log_warnx("panel SMS: %s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cc));
		goto out;		/* the network: later */
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		rc = 0;
	else if (status == 429 || status >= 500)
		rc = 1;
	else {
		log_warnx("panel SMS: the gateway refused it (HTTP %ld)",
		    status);
		rc = -1;
	}
out:
	if (e != NULL)
		curl_easy_cleanup(e);
	curl_slist_free_all(headers);
	sms_request_clear(&req);
	return rc;
}
