/*
 * test_participants.c — the volunteers' sign-up: the key file, sealing,
 * the consent file, validating a sign-up (every bad input names its
 * field), tokens, expiry weeks, and the store family against a database
 * in a fresh folder under /tmp.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "helpers.h"
#include "invite.h"
#include "phone.h"
#include "sms.h"
#include "participants.h"
#include "response.h"
#include "store.h"
#include "store_invite.h"
#include "store_participants.h"

/* Is needle (n bytes) anywhere in hay (len bytes)? */
static const void *
find(const void *hay, size_t len, const void *needle, size_t n)
{
	const unsigned char *h = hay;
	size_t i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(h + i, needle, n) == 0)
			return h + i;
	return NULL;
}

static struct participants_consent *
shipped_consent(void)
{
	struct participants_consent *c;
	struct buf errors;

	buf_init(&errors, 64 * 1024);
	c = participants_consent_load(TEST_SURVEYS_DIR, &errors);
	if (c == NULL)
		print_error("%s", buf_cstr(&errors));
	assert_non_null(c);
	buf_free(&errors);
	return c;
}

static void
test_key_file_made_0600_and_reread(void **state)
{
	struct participants_keys a, b;
	char dir[64], path[128], err[256];
	struct stat sb;

	(void)state;
	assert_int_equal(test_tmpdir(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/p.key", dir);
	assert_int_equal(participants_keys_load(path, &a, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 32);
	assert_int_equal(participants_keys_load(path, &b, err, sizeof(err)), 0);
	assert_memory_equal(a.seal, b.seal, sizeof(a.seal));
	assert_memory_equal(a.contact, b.contact, sizeof(a.contact));
	/* The three keys differ from each other. */
	assert_memory_not_equal(a.seal, a.contact, sizeof(a.seal));
	assert_memory_not_equal(a.seal, a.token, sizeof(a.seal));
	unlink(path);
	rmdir(dir);
}

static void
test_key_file_refused(void **state)
{
	static const char zero[32];
	struct participants_keys k;
	char dir[64], path[128], err[256];

	(void)state;
	assert_int_equal(test_tmpdir(dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/short.key", dir);
	assert_int_equal(test_write_file(dir, "short.key", "0123456789"), 0);
	chmod(path, 0600);
	assert_int_equal(participants_keys_load(path, &k, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "32 bytes"));
	unlink(path);

	snprintf(path, sizeof(path), "%s/long.key", dir);
	assert_int_equal(test_write_file(dir, "long.key",
	    "0123456789012345678901234567890123456789"), 0);
	chmod(path, 0600);
	assert_int_equal(participants_keys_load(path, &k, err, sizeof(err)),
	    -1);
	unlink(path);

	snprintf(path, sizeof(path), "%s/zero.key", dir);
	assert_int_equal(test_write_file_n(dir, "zero.key", zero, 32), 0);
	chmod(path, 0600);
	assert_int_equal(participants_keys_load(path, &k, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "all zero"));
	unlink(path);

	snprintf(path, sizeof(path), "%s/open.key", dir);
	assert_int_equal(test_write_file(dir, "open.key",
	    "abcdefghijklmnopqrstuvwxyz012345"), 0);
	chmod(path, 0644);
	assert_int_equal(participants_keys_load(path, &k, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "chmod 600"));
	unlink(path);
	rmdir(dir);
}

static void
keys_random(struct participants_keys *k)
{
	randombytes_buf(k, sizeof(*k));
}

static void
test_seal_round_trip_and_padding(void **state)
{
	struct participants_keys k, other;
	unsigned char a[STORE_PART_SEALED_MAX], b[STORE_PART_SEALED_MAX];
	size_t alen, blen;
	char name[200], contact[300];

	(void)state;
	keys_random(&k);
	keys_random(&other);
	assert_int_equal(participants_seal(&k, "Sam", "+31612345678", a,
	    &alen), 0);
	assert_int_equal(participants_seal(&k, "Alexandra-Maria",
	    "someone.longer@example.org", b, &blen), 0);
	/* Padded: the lengths do not tell short from long names. */
	assert_int_equal(alen, blen);
	assert_null(find(a, alen, "Sam", 3));
	assert_null(find(a, alen, "31612345678", 11));
	assert_int_equal(participants_unseal(&k, a, alen, name, sizeof(name),
	    contact, sizeof(contact)), 0);
	assert_string_equal(name, "Sam");
	assert_string_equal(contact, "+31612345678");
	/* Another key, or one flipped bit: refused. */
	assert_int_equal(participants_unseal(&other, a, alen, name,
	    sizeof(name), contact, sizeof(contact)), -1);
	a[alen - 1] ^= 1;
	assert_int_equal(participants_unseal(&k, a, alen, name, sizeof(name),
	    contact, sizeof(contact)), -1);
	/* Two seals of the same text differ (random nonce). */
	assert_int_equal(participants_seal(&k, "Sam", "+31612345678", b,
	    &blen), 0);
	assert_memory_not_equal(a, b, 24);
}

static void
test_shipped_consent(void **state)
{
	struct participants_consent *c = shipped_consent();
	const char *ids[16];

	(void)state;
	assert_true(participants_consent_version(c) >= 1);
	assert_int_equal(participants_ids(c, "ways", ids, 16), 4);
	assert_string_equal(ids[0], "panel");
	assert_string_equal(ids[1], "conversation");
	assert_string_equal(ids[2], "expert");
	assert_string_equal(ids[3], "review");
	assert_true(participants_ids(c, "topics", ids, 16) >= 5);
	assert_int_equal(participants_ids(c, "spoken", ids, 16), 6);
	assert_string_equal(participants_label(c, "ways", "panel", "uk") ==
	    NULL ? "" : "ok", "ok");
	assert_non_null(strstr(participants_text_raw(c, "consent", "nl"),
	    "{months}"));
	assert_non_null(strstr(participants_text_raw(c, "not_anonymous",
	    "nl"), "niet anoniem"));
	participants_consent_free(c);
}

/* A consent file made from the shipped one with one change. */
static void
expect_consent_error(const char *from, const char *to, const char *want)
{
	char *text, *bad;
	struct buf errors, b;
	size_t len;
	const char *at;

	text = test_read_file(TEST_SURVEYS_DIR "/consent.json", &len);
	assert_non_null(text);
	at = strstr(text, from);
	assert_non_null(at);
	buf_init(&b, 1024 * 1024);
	buf_append(&b, text, (size_t)(at - text));
	buf_puts(&b, to);
	buf_puts(&b, at + strlen(from));
	bad = buf_release(&b, &len);
	buf_init(&errors, 64 * 1024);
	assert_null(participants_consent_parse("consent.json", bad, len,
	    &errors));
	if (strstr(buf_cstr(&errors), want) == NULL)
		print_error("want '%s' in:\n%s", want, buf_cstr(&errors));
	assert_non_null(strstr(buf_cstr(&errors), want));
	/* path:line:column: message */
	assert_true(strncmp(buf_cstr(&errors), "consent.json:", 13) == 0);
	buf_free(&errors);
	free(bad);
	free(text);
}

static void
test_bad_consent_files(void **state)
{
	(void)state;
	expect_consent_error("\"version\": 1", "\"version\": 0",
	    "\"version\" must be");
	expect_consent_error("\"version\": 1", "\"version\": \"1\"",
	    "\"version\" must be");
	expect_consent_error("\"title\": {\n      \"nl\"",
	    "\"title\": {\n      \"xx\"", "'title' has no text in 'nl'");
	expect_consent_error("\"id\": \"conversation\"", "\"id\": \"panel\"",
	    "appears twice");
	expect_consent_error("Na {months} maanden", "Na twaalf maanden",
	    "{months}");
	expect_consent_error("\"id\": \"expert\"", "\"id\": \"Expert!\"",
	    "an \"id\"");
	expect_consent_error("\"renewed_text\"", "\"renewed_txt\"",
	    "lacks \"renewed_text\"");
}

struct fx {
	struct participants_consent	*c;
	struct participants_signup	 s;
	struct participants_error	 e;
};

static int
fx_setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->c = shipped_consent();
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	participants_consent_free(f->c);
	free(f);
	return 0;
}

static int
parse(struct fx *f, const char *body)
{
	memset(&f->s, 0, sizeof(f->s));
	memset(&f->e, 0, sizeof(f->e));
	return participants_signup_parse(f->c, body, strlen(body), &f->s,
	    &f->e);
}

#define GOOD_PHONE	"{\"consent_version\": 1, \"consent\": true, " \
	"\"name\": \"Sam\", \"phone\": \"06-1234 5678\", \"ways\": " \
	"[\"panel\", \"review\"], \"topics\": [\"plan\"], \"languages\": " \
	"[\"nl\", \"ar\"], \"lang\": \"ar\"}"

static void
test_signup_valid(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, GOOD_PHONE), 0);
	assert_string_equal(f->s.name, "Sam");
	assert_string_equal(f->s.contact, "+31612345678");
	assert_string_equal(f->s.kind, "sms");
	assert_string_equal(f->s.ways, "panel,review");
	assert_string_equal(f->s.topics, "plan");
	assert_string_equal(f->s.languages, "nl,ar");
	assert_string_equal(f->s.lang, "ar");
	assert_int_equal(f->s.consent_version, 1);
	assert_int_equal(parse(f, "{\"consent_version\": 1, \"consent\": true,"
	    " \"name\": \"Kim\", \"email\": \"Kim.de.Vries@Example.ORG\","
	    " \"ways\": [\"expert\"]}"), 0);
	assert_string_equal(f->s.contact, "kim.de.vries@example.org");
	assert_string_equal(f->s.kind, "email");
	assert_string_equal(f->s.topics, "");
	assert_string_equal(f->s.lang, "nl");
}

/* Each bad body: its status and the field it names. */
static void
expect_bad(struct fx *f, const char *body, int status, const char *field)
{
	if (parse(f, body) != -1)
		fail_msg("accepted: %s", body);
	if (f->e.status != status || strcmp(f->e.field, field) != 0)
		fail_msg("%s: got %d '%s' (%s), want %d '%s'", body,
		    f->e.status, f->e.field, f->e.message, status, field);
}

#define B(x)	"{\"consent_version\": 1, \"consent\": true, " x "}"
#define OK_WAYS	"\"ways\": [\"panel\"]"

static void
test_signup_invalid(void **state)
{
	struct fx *f = *state;

	(void)state;
	expect_bad(f, "not json", 400, "");
	expect_bad(f, "[1]", 400, "");
	/* Consent: the version shown is required and must be current. */
	expect_bad(f, "{\"consent\": true, \"name\": \"Sam\", \"phone\": "
	    "\"0612345678\", " OK_WAYS "}", 422, "consent_version");
	expect_bad(f, "{\"consent_version\": \"1\", \"consent\": true, "
	    "\"name\": \"Sam\", \"phone\": \"0612345678\", " OK_WAYS "}", 422,
	    "consent_version");
	expect_bad(f, "{\"consent_version\": 99, \"consent\": true, "
	    "\"name\": \"Sam\", \"phone\": \"0612345678\", " OK_WAYS "}", 422,
	    "consent_version");
	expect_bad(f, "{\"consent_version\": 1, \"consent\": false, "
	    "\"name\": \"Sam\", \"phone\": \"0612345678\", " OK_WAYS "}", 422,
	    "consent");
	/* Nothing of a response may ride along. */
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    OK_WAYS ", \"submission_id\": \"abc\""), 422, "submission_id");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    OK_WAYS ", \"survey\": \"ouders\""), 422, "survey");
	expect_bad(f, B("\"\": \"Sam\", \"phone\": \"0612345678\", " OK_WAYS),
	    422, "body");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    OK_WAYS ", \"a_field_name_longer_than_32_bytes\": 1"), 422, "body");
	/* Name. */
	expect_bad(f, B("\"phone\": \"0612345678\", " OK_WAYS), 422, "name");
	expect_bad(f, B("\"name\": \"\", \"phone\": \"0612345678\", " OK_WAYS),
	    422, "name");
	expect_bad(f, B("\"name\": \"12345678901234567890123456789012345678901\","
	    " \"phone\": \"0612345678\", " OK_WAYS), 422, "name");
	expect_bad(f, B("\"name\": \"a\\u0007b\", \"phone\": \"0612345678\", "
	    OK_WAYS), 422, "name");
	expect_bad(f, B("\"name\": 5, \"phone\": \"0612345678\", " OK_WAYS),
	    422, "name");
	/* Contact. */
	expect_bad(f, B("\"name\": \"Sam\", " OK_WAYS), 422, "phone");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"12\", " OK_WAYS), 422,
	    "phone");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678901234567890"
	    "12345678901234\", " OK_WAYS), 422, "phone");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": 612345678, " OK_WAYS),
	    422, "phone");
	expect_bad(f, B("\"name\": \"Sam\", \"email\": \"no-at-sign\", "
	    OK_WAYS), 422, "email");
	expect_bad(f, B("\"name\": \"Sam\", \"email\": \"a b@example.nl\", "
	    OK_WAYS), 422, "email");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    "\"email\": \"sam@example.nl\", " OK_WAYS), 422, "email");
	/* Ways, topics, languages. */
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\""), 422,
	    "ways");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    "\"ways\": []"), 422, "ways");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    "\"ways\": [\"lunch\"]"), 422, "ways");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    "\"ways\": [\"panel\", \"panel\"]"), 422, "ways");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    "\"ways\": \"panel\""), 422, "ways");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    OK_WAYS ", \"topics\": [\"weather\"]"), 422, "topics");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    OK_WAYS ", \"languages\": [\"xx\"]"), 422, "languages");
	expect_bad(f, B("\"name\": \"Sam\", \"phone\": \"0612345678\", "
	    OK_WAYS ", \"lang\": \"de\""), 422, "lang");
}

static void
test_email_shapes(void **state)
{
	(void)state;
	assert_true(participants_email_valid("a@b.nl"));
	assert_true(participants_email_valid("first.last+tag@sub.example.org"));
	assert_false(participants_email_valid("a@b"));
	assert_false(participants_email_valid("@example.nl"));
	assert_false(participants_email_valid("a@@example.nl"));
	assert_false(participants_email_valid("a@example..nl"));
	assert_false(participants_email_valid("a@.example.nl"));
	assert_false(participants_email_valid("a@example.nl."));
	assert_false(participants_email_valid("a<b>@example.nl"));
	assert_false(participants_email_valid("ä@example.nl"));
}

static void
test_tokens(void **state)
{
	struct participants_keys k, other;
	unsigned char nonce[STORE_PART_NONCE], h1[32], h2[32];
	char w[PARTICIPANTS_TOKEN_MAX], w2[PARTICIPANTS_TOKEN_MAX];
	char r[PARTICIPANTS_TOKEN_MAX], o[PARTICIPANTS_TOKEN_MAX];
	size_t i;

	(void)state;
	keys_random(&k);
	keys_random(&other);
	randombytes_buf(nonce, sizeof(nonce));
	participants_token(&k, 'w', nonce, w);
	participants_token(&k, 'w', nonce, w2);
	participants_token(&k, 'r', nonce, r);
	participants_token(&other, 'w', nonce, o);
	assert_int_equal(strlen(w), 17);
	for (i = 0; w[i] != '\0'; i++)
		assert_non_null(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz", w[i]));
	assert_string_equal(w, w2);
	assert_string_not_equal(w, r);
	/* Without the key file the database's nonce yields no token. */
	assert_string_not_equal(w, o);
	participants_token_hash(w, h1);
	participants_token_hash(r, h2);
	assert_memory_not_equal(h1, h2, 32);
}

static void
test_cutoff_week(void **state)
{
	char week[9], want[9];
	time_t now = 1795000000;	/* 2026-11-18 */

	(void)state;
	participants_cutoff_week(now, 12, week);
	response_week(now - 365 * 86400, want);
	assert_string_equal(week, want);
	participants_cutoff_week(now, 1, week);
	assert_string_equal(week, "2026-W42");
}

/* The store family against a database file. */
struct sfx {
	char		 dir[64], db[128];
	struct store	*st;
};

static int
s_setup(void **state)
{
	struct sfx *f = xcalloc(1, sizeof(*f));
	char err[256];

	if (test_tmpdir(f->dir, sizeof(f->dir)) == -1)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/k.db", f->dir);
	if (store_open(f->db, &f->st, err, sizeof(err)) == -1) {
		print_error("%s", err);
		return -1;
	}
	*state = f;
	return 0;
}

static int
s_teardown(void **state)
{
	struct sfx *f = *state;
	char path[160];

	store_close(f->st);
	unlink(f->db);
	snprintf(path, sizeof(path), "%s-wal", f->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", f->db);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
row_fill(struct store_participant *p, const char *week, unsigned char tag)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->week, sizeof(p->week), "%s", week);
	p->consent_version = 1;
	snprintf(p->lang, sizeof(p->lang), "nl");
	snprintf(p->kind, sizeof(p->kind), "sms");
	snprintf(p->ways, sizeof(p->ways), "panel");
	snprintf(p->topics, sizeof(p->topics), "plan");
	snprintf(p->languages, sizeof(p->languages), "nl");
	memset(p->sealed, tag, 200);
	p->sealed_len = 200;
	memset(p->contact_hash, tag, sizeof(p->contact_hash));
	memset(p->token_nonce, tag, sizeof(p->token_nonce));
	memset(p->withdraw_hash, tag ^ 0x55, sizeof(p->withdraw_hash));
	memset(p->renew_hash, tag ^ 0xaa, sizeof(p->renew_hash));
}

static void
count_row(const struct store_participant *p, void *arg)
{
	(void)p;
	(*(int *)arg)++;
}

static int
count(struct store *st)
{
	int n = 0;

	assert_int_equal(store_participant_list(st, count_row, &n), 0);
	return n;
}

/* Is the byte pattern anywhere in the database, WAL or shm files? */
static int
on_disk(const char *db, unsigned char tag, size_t run)
{
	const char *sfx[3] = { "", "-wal", "-shm" };
	unsigned char *pat = xmalloc(run);
	size_t i;
	int found = 0;

	memset(pat, tag, run);
	for (i = 0; i < 3; i++) {
		char path[160];
		size_t len;
		char *data;

		snprintf(path, sizeof(path), "%s%s", db, sfx[i]);
		data = test_read_file(path, &len);
		if (data == NULL)
			continue;
		if (find(data, len, pat, run) != NULL)
			found = 1;
		free(data);
	}
	free(pat);
	return found;
}

static void
test_store_add_get_replace(void **state)
{
	struct sfx *f = *state;
	struct store_participant p, q;

	row_fill(&p, "2026-W40", 0x11);
	assert_int_equal(store_participant_add(f->st, &p), 0);
	assert_true(p.id > 0);
	assert_int_equal(store_participant_get(f->st, p.id, &q), 1);
	assert_string_equal(q.week, "2026-W40");
	assert_int_equal(q.sealed_len, 200);
	assert_memory_equal(q.sealed, p.sealed, 200);
	assert_int_equal(store_participant_get(f->st, p.id + 1, &q), 0);
	/* The same contact again replaces the first sign-up. */
	row_fill(&q, "2026-W41", 0x11);
	memset(q.withdraw_hash, 0x77, sizeof(q.withdraw_hash));
	memset(q.renew_hash, 0x78, sizeof(q.renew_hash));
	assert_int_equal(store_participant_add(f->st, &q), 0);
	assert_int_equal(count(f->st), 1);
	assert_int_equal(store_participant_get(f->st, p.id, &p), 0);
}

static void
test_store_withdraw_blocks_and_erases(void **state)
{
	struct sfx *f = *state;
	struct store_participant p;
	unsigned char wh[32];
	char lang[4];

	row_fill(&p, "2026-W40", 0x22);
	snprintf(p.lang, sizeof(p.lang), "tr");
	assert_int_equal(store_participant_add(f->st, &p), 0);
	assert_true(on_disk(f->db, 0x22, 200));
	memset(wh, 0x22 ^ 0x55, sizeof(wh));
	assert_int_equal(store_participant_withdraw(f->st, wh, lang), 1);
	assert_string_equal(lang, "tr");
	assert_int_equal(store_participant_withdraw(f->st, wh, lang), 0);
	assert_int_equal(count(f->st), 0);
	assert_int_equal(store_participant_blocked(f->st, p.contact_hash), 1);
	/* Gone from the file, the WAL and the shm, not only the table. */
	assert_false(on_disk(f->db, 0x22, 200));
	/* A new sign-up of that contact is a new consent: unblocked. */
	assert_int_equal(store_participant_add(f->st, &p), 0);
	assert_int_equal(store_participant_blocked(f->st, p.contact_hash), 0);
}

static void
test_store_delete_renew_expire(void **state)
{
	struct sfx *f = *state;
	struct store_participant a, b, c;
	unsigned char rh[32];

	row_fill(&a, "2025-W10", 0x31);
	row_fill(&b, "2025-W30", 0x32);
	row_fill(&c, "2026-W40", 0x33);
	assert_int_equal(store_participant_add(f->st, &a), 0);
	assert_int_equal(store_participant_add(f->st, &b), 0);
	assert_int_equal(store_participant_add(f->st, &c), 0);
	/* b renews: its week moves on, so it outlives the cutoff. */
	memset(rh, 0x32 ^ 0xaa, sizeof(rh));
	assert_int_equal(store_participant_renew(f->st, rh, "2026-W45"), 1);
	assert_int_equal(store_participant_expire(f->st, "2025-W48"), 1);
	assert_int_equal(count(f->st), 2);
	assert_false(on_disk(f->db, 0x31, 200));
	assert_int_equal(store_participant_delete(f->st, c.id), 1);
	assert_int_equal(store_participant_delete(f->st, c.id), 0);
	assert_false(on_disk(f->db, 0x33, 200));
	assert_int_equal(count(f->st), 1);
}

/* No column of a sign-up is in a response table, and it has no time. */
static void
test_schema_cannot_join(void **state)
{
	struct sfx *f = *state;
	static const char *const others[] = { "responses", "intake", "invitations",
	    "rollup_cells", "rollup_answers" };
	static const char *const timecols[] = { "created", "at", "time",
	    "day", "date", "seen", "updated", "expires", "submission",
	    "survey", "location", "channel", "answers" };
	sqlite3 *db;
	sqlite3_stmt *s;
	size_t i, j;
	int n = 0;

	assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM "
	    "pragma_table_info('participants')", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *col = (const char *)sqlite3_column_text(s, 0);
		sqlite3_stmt *o;

		n++;
		for (j = 0; j < KB_NELEM(timecols); j++)
			if (strcmp(col, timecols[j]) == 0)
				fail_msg("participants has a column '%s'", col);
		for (i = 0; i < KB_NELEM(others); i++) {
			assert_int_equal(sqlite3_prepare_v2(db, "SELECT 1 FROM "
			    "pragma_table_info(?) WHERE name = ? AND name NOT IN "
			    "('id', 'lang', 'week')", -1, &o, NULL),
			    SQLITE_OK);
			sqlite3_bind_text(o, 1, others[i], -1, SQLITE_STATIC);
			sqlite3_bind_text(o, 2, col, -1, SQLITE_STATIC);
			if (sqlite3_step(o) == SQLITE_ROW)
				fail_msg("'%s' is in both participants and %s",
				    col, others[i]);
			sqlite3_finalize(o);
		}
	}
	sqlite3_finalize(s);
	assert_int_equal(n, 13);	/* the columns checked above */
	sqlite3_close(db);
}


/* The outbox drain with a recording sender (the gateway's side). */
struct sent {
	char	to[32][32];
	char	text[32][200];
	int	n;
	int	answer;		/* what the "gateway" says */
};

static int
record_send(void *arg, const char *to, const char *text, const char *ref)
{
	struct sent *s = arg;

	assert_true(ref[0] == 'p' && strlen(ref) == 17);
	if (s->n < 32) {
		snprintf(s->to[s->n], sizeof(s->to[0]), "%s", to);
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", text);
		s->n++;
	}
	return s->answer;
}

static int
outbox_count(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	int n = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM "
	    "participant_outbox", -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* A volunteer as the API stores one, sealed with the service's keys. */
static long long
volunteer(struct participants *pp, struct store *st, const char *phone)
{
	const struct participants_keys *k = participants_keys_of(pp);
	struct store_participant p;
	char token[PARTICIPANTS_TOKEN_MAX];

	memset(&p, 0, sizeof(p));
	snprintf(p.week, sizeof(p.week), "2026-W47");
	response_week(time(NULL), p.week);
	p.consent_version = 1;
	snprintf(p.lang, sizeof(p.lang), "nl");
	snprintf(p.kind, sizeof(p.kind), "sms");
	snprintf(p.ways, sizeof(p.ways), "panel");
	assert_int_equal(participants_seal(k, "Sam", phone, p.sealed,
	    &p.sealed_len), 0);
	participants_contact_hash(k, "sms", phone, p.contact_hash);
	randombytes_buf(p.token_nonce, sizeof(p.token_nonce));
	participants_token(k, 'w', p.token_nonce, token);
	participants_token_hash(token, p.withdraw_hash);
	participants_token(k, 'r', p.token_nonce, token);
	participants_token_hash(token, p.renew_hash);
	assert_int_equal(store_participant_add(st, &p), 0);
	return p.id;
}

static void
test_outbox_drain(void **state)
{
	struct sfx *f = *state;
	struct participants *pp = NULL;
	struct invite_keys ik;
	struct sms_config c;
	struct sent s;
	char key[160], err[512];
	unsigned char ph[STORE_PHONE_HASH];
	long long a, b, o;

	snprintf(key, sizeof(key), "%s/p.key", f->dir);
	assert_int_equal(participants_open(TEST_SURVEYS_DIR, key, 12, f->st,
	    &pp, err, sizeof(err)), 0);
	randombytes_buf(&ik, sizeof(ik));
	memset(&c, 0, sizeof(c));
	c.base_url = "https://kb.example.nl";
	c.quiet_from = c.quiet_to = -1;
	memset(&s, 0, sizeof(s));
	a = volunteer(pp, f->st, "+31612345678");
	b = volunteer(pp, f->st, "+31600000001");
	o = volunteer(pp, f->st, "+31600000002");
	/* The third opted out of SMS (the SMS sender's own list). */
	invite_phone_hash(&ik, "+31600000002", ph);
	assert_int_equal(store_optout(f->st, ph), 1);	/* newly opted out */
	assert_int_equal(store_panel_queue(f->st, a, "Praat mee op 12 mei?",
	    0), 0);
	assert_int_equal(store_panel_queue(f->st, b, "Praat mee op 12 mei?",
	    1), 0);
	assert_int_equal(store_panel_queue(f->st, o, "Praat mee op 12 mei?",
	    0), 0);
	/* The gateway is down: both kept, for a later try. */
	s.answer = 1;
	assert_int_equal(participants_outbox_drain(pp, &ik, &c, time(NULL),
	    record_send, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(outbox_count(f->db), 2);
	/* It is back: sent, each with its own withdraw link, then gone. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(participants_outbox_drain(pp, &ik, &c, time(NULL),
	    record_send, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(outbox_count(f->db), 0);
	assert_true(strcmp(s.to[0], s.to[1]) != 0);
	assert_true((strcmp(s.to[0], "+31612345678") == 0) ^
	    (strcmp(s.to[1], "+31612345678") == 0));
	for (int i = 0; i < 2; i++) {
		assert_non_null(strstr(s.text[i], "Praat mee op 12 mei? "
		    "Stoppen: https://kb.example.nl/w/"));
		assert_true(phone_gsm7_length(s.text[i]) <= 160);
	}
	assert_string_not_equal(s.text[0], s.text[1]);
	/* Quiet hours all day: nothing goes. */
	assert_int_equal(store_panel_queue(f->st, a, "Nog een vraag", 0), 0);
	c.quiet_from = 0;
	c.quiet_to = 24 * 60 - 1;
	memset(&s, 0, sizeof(s));
	assert_int_equal(participants_outbox_drain(pp, &ik, &c, time(NULL),
	    record_send, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(outbox_count(f->db), 1);
	/* The volunteer withdraws: the message goes with the sign-up. */
	assert_int_equal(store_participant_delete(f->st, a), 1);
	assert_int_equal(outbox_count(f->db), 0);
	participants_close(pp);
	unlink(key);
}

/* The service's own thread hands the outbox to the sender once set. */
struct threaded {
	pthread_mutex_t	mtx;
	pthread_cond_t	cond;
	int		n;
	char		to[32];
};

static int
threaded_send(void *arg, const char *to, const char *text, const char *ref)
{
	struct threaded *t = arg;

	(void)text;
	(void)ref;
	pthread_mutex_lock(&t->mtx);
	t->n++;
	snprintf(t->to, sizeof(t->to), "%s", to);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mtx);
	return 0;
}

static void
test_outbox_sent_by_the_service_thread(void **state)
{
	struct sfx *f = *state;
	struct participants *pp = NULL;
	struct threaded t;
	struct invite_keys ik;
	struct sms_config c;
	struct timespec ts;
	char key[160], err[512];
	long long a;

	snprintf(key, sizeof(key), "%s/p.key", f->dir);
	assert_int_equal(participants_open(TEST_SURVEYS_DIR, key, 12, f->st,
	    &pp, err, sizeof(err)), 0);
	randombytes_buf(&ik, sizeof(ik));
	memset(&c, 0, sizeof(c));
	c.base_url = "https://kb.example.nl";
	c.quiet_from = c.quiet_to = -1;
	memset(&t, 0, sizeof(t));
	pthread_mutex_init(&t.mtx, NULL);
	pthread_cond_init(&t.cond, NULL);
	a = volunteer(pp, f->st, "+31612345678");
	/* Queued before a sender exists: it waits. */
	assert_int_equal(store_panel_queue(f->st, a, "Praat mee?", 0), 0);
	participants_wake(pp);
	assert_int_equal(outbox_count(f->db), 1);
	participants_set_sender(pp, threaded_send, &t, &ik, &c);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 30;
	pthread_mutex_lock(&t.mtx);
	while (t.n == 0 && pthread_cond_timedwait(&t.cond, &t.mtx, &ts) == 0)
		;
	pthread_mutex_unlock(&t.mtx);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.to, "+31612345678");
	participants_close(pp);
	assert_int_equal(outbox_count(f->db), 0);
	pthread_mutex_destroy(&t.mtx);
	pthread_cond_destroy(&t.cond);
	unlink(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_file_made_0600_and_reread),
		cmocka_unit_test(test_key_file_refused),
		cmocka_unit_test(test_seal_round_trip_and_padding),
		cmocka_unit_test(test_shipped_consent),
		cmocka_unit_test(test_bad_consent_files),
		cmocka_unit_test_setup_teardown(test_signup_valid, fx_setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_signup_invalid, fx_setup,
		    fx_teardown),
		cmocka_unit_test(test_email_shapes),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_cutoff_week),
		cmocka_unit_test_setup_teardown(test_store_add_get_replace,
		    s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(
		    test_store_withdraw_blocks_and_erases, s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_store_delete_renew_expire,
		    s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_schema_cannot_join,
		    s_setup, s_teardown),
		cmocka_unit_test_setup_teardown(test_outbox_drain, s_setup,
		    s_teardown),
		cmocka_unit_test_setup_teardown(
		    test_outbox_sent_by_the_service_thread, s_setup, s_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
