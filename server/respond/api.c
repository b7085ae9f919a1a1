/*
 * api.c — the respondents' JSON API.  Handlers are thin: parse, hand to
 * response.c and the store, answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "log.h"
#include "response.h"
#include "util.h"

int
api_healthz(struct app *app, struct http_request *r)
{
	if (!store_healthy(app->store)) {
		http_reply_data(r, "text/plain; charset=utf-8",
		    "database file gone", 18, 0);
		return 503;
	}
	http_reply_data(r, "text/plain; charset=utf-8", "ok", 2, 0);
	return 200;
}

void
api_cache_build(struct app *app)
{
	size_t i, n = survey_set_count(app->surveys), len;
	const char *list;

	app->survey_blobs = xcalloc(n ? n : 1, sizeof(*app->survey_blobs));
	for (i = 0; i < n; i++) {
		const struct survey *s = survey_set_at(app->surveys, i);

		http_blob_init(&app->survey_blobs[i], s->def_json,
		    s->def_json_len);
	}
	list = survey_set_list_json(app->surveys, &len);
	http_blob_init(&app->list_blob, list, len);
}

void
api_cache_free(struct app *app)
{
	size_t i;

	if (app->survey_blobs == NULL)
		return;
	for (i = 0; i < survey_set_count(app->surveys); i++)
		http_blob_free(&app->survey_blobs[i]);
	free(app->survey_blobs);
	app->survey_blobs = NULL;
	http_blob_free(&app->list_blob);
}

int
api_surveys_list(struct app *app, struct http_request *r)
{
	return http_reply_blob(r, "application/json; charset=utf-8",
	    &app->list_blob);
}

int
api_survey_get(struct app *app, struct http_request *r)
{
	const char *id = http_request_tail(r);
	size_t i;

	for (i = 0; i < survey_set_count(app->surveys); i++)
		if (strcmp(survey_set_at(app->surveys, i)->id, id) == 0)
			return http_reply_blob(r, "application/json; "
			    "charset=utf-8", &app->survey_blobs[i]);
	return http_reply_error(r, 404, "unknown_survey", NULL,
	    "there is no such survey");
}

static void
job_free(void *p)
{
	struct store_job *job = p;

	response_clear(&job->r);
	free(job);
}

/* Runs on the writer thread once the job's batch is committed. */
static void
job_done(struct store_job *job, void *arg)
{
	http_request_resume(arg);
	(void)job;
}

int
api_response_post(struct app *app, struct http_request *r)
{
	struct response_error e;
	struct store_job *job;
	const char *body;
	unsigned wait;
	size_t len;

	wait = http_request_throttle(r, HTTP_BUCKET_SUBMIT);
	if (wait > 0)
		return http_reply_too_many(r, wait, "too many responses from this address; "
		    "try again later");
	body = http_request_body(r, &len);
	job = xcalloc(1, sizeof(*job));
	if (response_prepare(app->surveys, body, len, time(NULL), &job->r,
	    &e) == -1) {
		free(job);
		return http_reply_error(r, e.status, e.code, e.field,
		    e.message);
	}
	/* A kiosk sends one response per person: a burst is a fault. */
	if (strcmp(job->r.channel, "kiosk") == 0) {
		wait = http_request_throttle(r, HTTP_BUCKET_KIOSK);
		if (wait > 0) {
			response_clear(&job->r);
			free(job);
			return http_reply_too_many(r, wait, "this kiosk sends responses "
			    "too quickly; try again in a moment");
		}
	}
	job->done = job_done;
	job->arg = r;
	http_request_set_state(r, job, job_free);
	/* Park first: the writer may finish before store_submit returns. */
	http_request_suspend(r);
	store_submit(app->store, job);
	return HTTP_SUSPENDED;
}

int
api_response_finish(struct app *app, struct http_request *r)
{
	struct store_job *job = http_request_state(r);

	(void)app;
	switch (job->result) {
	case STORE_INSERTED:
	case STORE_DUPLICATE: {
		/* {"id": "<hex>"}, written straight out: the id is hex. */
		size_t n = strlen(job->id) + 10;
		char *body = xmalloc(n);

		snprintf(body, n, "{\"id\":\"%s\"}", job->id);
		http_reply_text(r, "application/json; charset=utf-8", body,
		    strlen(body));
		return job->result == STORE_INSERTED ? 201 : 200;
	}
	case STORE_TOKEN_USED:
		return http_reply_error(r, 409, "token_used", "token",
		    "this SMS link was used already; thank you");
	case STORE_TOKEN_EXPIRED:
		return http_reply_error(r, 410, "token_expired", "token",
		    "this SMS link has expired");
	case STORE_TOKEN_UNKNOWN:
		return http_reply_error(r, 404, "unknown_token", "token",
		    "this SMS link is not known");
	case STORE_SHUTTING_DOWN:
		http_reply_header(r, "Retry-After", "5");
		return http_reply_error(r, 503, "shutting_down", NULL,
		    "the server is restarting; try again in a moment");
	default:
		http_reply_header(r, "Retry-After", "30");
		return http_reply_error(r, 503, "storage_unavailable", NULL,
		    "the response could not be saved; try again later");
	}
}
