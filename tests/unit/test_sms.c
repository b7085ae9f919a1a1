/*
 * test_sms.c — the pure parts of SMS: numbers, GSM-7, STOP words, quiet
 * hours, each gateway's request format and the message template.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include "invite.h"
#include "phone.h"
#include "sms.h"
#include "store_invite.h"

static void
test_phone_normalise(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "0612345678", "+31612345678" },
		{ "06-12345678", "+31612345678" },
		{ "06 1234 5678", "+31612345678" },
		{ "+31612345678", "+31612345678" },
		{ "+31 6 12345678", "+31612345678" },
		{ "+31 (0)6 1234 5678", "+31612345678" },
		{ "0031612345678", "+31612345678" },
		{ "0031 6 12345678", "+31612345678" },
		{ "31612345678", "+31612345678" },
		{ "612345678", "+31612345678" },
		{ "06 12345678", "+31612345678" },
		{ "(06) 12345678", "+31612345678" },
		{ "06.12.34.56.78", "+31612345678" },
	};
	static const char *const bad[] = {
		"", "06", "061234567", "06123456789", "0201234567",
		"+31201234567", "+310201234567", "12345678", "abc",
		"06-1234-567a", "+", "++31612345678", "+0612345678",
		"+1234567", "+1234567890123456", "0612345678\n",
		"06\x00" "12345678",
		/* Numbers abroad and landlines cannot be invited. */
		"+4915112345678", "+32 470 12 34 56", "0032470123456",
		"31201234567", "201234567", "+31 6 1234567",
	};
	char out[PHONE_MAX], err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(phone_normalise(ok[i].in, out, err,
		    sizeof(err)), 0);
		assert_string_equal(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(phone_normalise(bad[i], out, err,
		    sizeof(err)), -1);
		assert_true(strlen(err) > 0);
	}
}

static void
test_gsm7(void **state)
{
	(void)state;
	assert_int_equal(phone_gsm7_length("Hoe was de hulp?"), 16);
	assert_int_equal(phone_gsm7_length(""), 0);
	/* é, ü, Ä are in the basic set; € and [ ] count twice. */
	assert_int_equal(phone_gsm7_length("café"), 4);
	assert_int_equal(phone_gsm7_length("Zürich Ärger"), 12);
	assert_int_equal(phone_gsm7_length("€5 [x]"), 9);
	/* Not GSM-7: an emoji, a backtick, ë, Polish ł. */
	assert_int_equal(phone_gsm7_length("ok 👍"), -1);
	assert_int_equal(phone_gsm7_length("`x`"), -1);
	assert_int_equal(phone_gsm7_length("financiën"), -1);
	assert_int_equal(phone_gsm7_length("Łódź"), -1);
	/* Invalid UTF-8. */
	assert_int_equal(phone_gsm7_length("\xff\xfe"), -1);
	assert_int_equal(phone_gsm7_length("\xc3"), -1);
}

static void
test_stop_words(void **state)
{
	(void)state;
	assert_true(phone_is_stop_word("STOP"));
	assert_true(phone_is_stop_word(" stop\n"));
	assert_true(phone_is_stop_word("Stoppen."));
	assert_true(phone_is_stop_word("AFMELDEN!"));
	assert_true(phone_is_stop_word("uitschrijven"));
	assert_true(phone_is_stop_word("Stop!!!"));
	assert_true(phone_is_stop_word("'stop'"));
	assert_true(phone_is_stop_word("sToPpEn ,"));
	assert_true(phone_is_stop_word("- AFMELDEN -"));
	assert_true(phone_is_stop_word("stop \xf0\x9f\x9b\x91"));
	assert_true(phone_is_stop_word("STOP ALL"));
	assert_false(phone_is_stop_word("stop nou eens"));
	assert_false(phone_is_stop_word("niet stoppen"));
	assert_false(phone_is_stop_word("stophelp"));
	assert_false(phone_is_stop_word(""));
	assert_false(phone_is_stop_word("bedankt"));
}

static void
test_quiet_hours(void **state)
{
	struct sms_config c;
	struct tm tm;
	time_t t;
	int from, to;

	(void)state;
	setenv("TZ", "Europe/Amsterdam", 1);
	tzset();
	memset(&c, 0, sizeof(c));
	assert_int_equal(sms_quiet_parse("21:00-09:00", &from, &to), 0);
	assert_int_equal(from, 21 * 60);
	assert_int_equal(to, 9 * 60);
	assert_int_equal(sms_quiet_parse("off", &from, &to), 0);
	assert_int_equal(from, -1);
	assert_int_equal(sms_quiet_parse("25:00-09:00", &from, &to), -1);
	assert_int_equal(sms_quiet_parse("21:00", &from, &to), -1);
	assert_int_equal(sms_quiet_parse("21:00-09:00x", &from, &to), -1);
	c.quiet_from = 21 * 60;
	c.quiet_to = 9 * 60;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 2026 - 1900;
	tm.tm_mon = 10;
	tm.tm_mday = 22;
	tm.tm_isdst = -1;
	tm.tm_hour = 12;
	t = mktime(&tm);
	assert_int_equal(sms_quiet_wait(&c, t), 0);
	tm.tm_hour = 23;
	tm.tm_min = 30;
	t = mktime(&tm);
	/* 23:30 -> 09:00 is 9.5 hours. */
	assert_int_equal(sms_quiet_wait(&c, t), 9 * 3600 + 30 * 60);
	tm.tm_hour = 8;
	tm.tm_min = 59;
	tm.tm_sec = 30;
	t = mktime(&tm);
	assert_int_equal(sms_quiet_wait(&c, t), 30);
	tm.tm_hour = 9;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	t = mktime(&tm);
	assert_int_equal(sms_quiet_wait(&c, t), 0);
	c.quiet_from = -1;
	tm.tm_hour = 23;
	t = mktime(&tm);
	assert_int_equal(sms_quiet_wait(&c, t), 0);
}

static struct sms_config
config(enum sms_provider p)
{
	static json_t *templates;
	struct sms_config c;

	if (templates == NULL)
		templates = json_pack("{s:s, s:s, s:s}", "nl",
		    "{location}: hoe was de hulp? {link}", "en",
		    "{location}: how was the help? {link}", "ar",
		    "{location}: \xd9\x83\xd9\x8a\xd9\x81 {link}");
	memset(&c, 0, sizeof(c));
	c.provider = p;
	c.url = "http://127.0.0.1:9/send";
	c.sender = "Klankbord";
	c.key = "k3y";
	c.base_url = "https://kb.example.nl";
	c.callback_secret = "s e/c";
	c.templates = templates;
	return c;
}

static const char *
field(json_t *j, const char *path)
{
	static char num[32];
	json_t *v = j;
	char key[64];
	const char *p = path, *dot;

	while (v != NULL && *p != '\0') {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s", dot ? (int)(dot - p) :
		    (int)strlen(p), p);
		if (json_is_array(v))
			v = json_array_get(v, (size_t)strtol(key, NULL, 10));
		else
			v = json_object_get(v, key);
		p = dot ? dot + 1 : p + strlen(p);
	}
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)
		    json_integer_value(v));
		return num;
	}
	return json_string_value(v);
}

static void
test_request_formats(void **state)
{
	struct sms_config c;
	struct sms_request r;
	json_t *j;

	(void)state;
	c = config(SMS_GENERIC);
	assert_int_equal(sms_request_build(&c, "+31612345678", "hi \"you\"",
	    "ref1", &r), 0);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(field(j, "to"), "+31612345678");
	assert_string_equal(field(j, "message"), "hi \"you\"");
	assert_string_equal(field(j, "reference"), "ref1");
	assert_string_equal(field(j, "callback_url"),
	    "https://kb.example.nl/sms/status?secret=s+e%2Fc");
	assert_string_equal(r.auth_header, "Authorization: Bearer k3y");
	json_decref(j);
	sms_request_clear(&r);

	/* Twilio: E.164 with a plus, form encoded, a StatusCallback. */
	c = config(SMS_TWILIO);
	assert_int_equal(sms_request_build(&c, "+31612345678", "a&b=c d",
	    "ref1", &r), 0);
	assert_string_equal(r.body, "To=%2B31612345678&From=Klankbord&"
	    "Body=a%26b%3Dc%20d&StatusCallback=https%3A%2F%2Fkb.example.nl"
	    "%2Fsms%2Fstatus%3Fsecret%3Ds%2Be%252Fc");
	assert_string_equal(r.userpwd, "k3y");
	assert_null(r.auth_header);
	assert_non_null(strstr(r.content_type, "x-www-form-urlencoded"));
	sms_request_clear(&r);

	/* CM: 00 and the number; the token in a header and the body. */
	c = config(SMS_CM);
	assert_int_equal(sms_request_build(&c, "+31612345678", "hi", "ref1",
	    &r), 0);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(field(j, "messages.authentication.producttoken"),
	    "k3y");
	assert_string_equal(field(j, "messages.msg.0.reference"), "ref1");
	assert_string_equal(field(j, "messages.msg.0.to.0.number"),
	    "0031612345678");
	assert_string_equal(field(j, "messages.msg.0.body.type"), "auto");
	assert_string_equal(field(j, "messages.msg.0.maximumNumberOfMessageParts"),
	    "2");
	assert_null(field(j, "messages.msg.0.reportUrl"));
	assert_string_equal(r.auth_header, "X-CM-PRODUCTTOKEN: k3y");
	json_decref(j);
	sms_request_clear(&r);

	/* MessageBird: digits without a plus, a reportUrl, the coding. */
	c = config(SMS_MESSAGEBIRD);
	assert_int_equal(sms_request_build(&c, "+31612345678", "hi", "ref1",
	    &r), 0);
	assert_string_equal(r.auth_header, "Authorization: AccessKey k3y");
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(field(j, "recipients.0"), "31612345678");
	assert_string_equal(field(j, "reference"), "ref1");
	assert_string_equal(field(j, "datacoding"), "plain");
	assert_string_equal(field(j, "reportUrl"),
	    "https://kb.example.nl/sms/status?secret=s+e%2Fc");
	json_decref(j);
	sms_request_clear(&r);
	assert_int_equal(sms_request_build(&c, "+31612345678",
	    "\xd9\x83\xd9\x8a\xd9\x81", "ref1", &r), 0);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(field(j, "datacoding"), "unicode");
	json_decref(j);
	sms_request_clear(&r);

	c = config(SMS_NONE);
	assert_int_equal(sms_request_build(&c, "+31612345678", "hi", "ref1",
	    &r), -1);
	c = config(SMS_GENERIC);
	c.url = NULL;
	assert_int_equal(sms_request_build(&c, "+31612345678", "hi", "ref1",
	    &r), -1);
}

static void
test_response_ids(void **state)
{
	char id[64];

	(void)state;
	sms_response_id(SMS_GENERIC, "{\"id\": \"abc\"}", id, sizeof(id));
	assert_string_equal(id, "abc");
	sms_response_id(SMS_TWILIO, "{\"sid\": \"SM1\", \"status\": "
	    "\"queued\"}", id, sizeof(id));
	assert_string_equal(id, "SM1");
	sms_response_id(SMS_MESSAGEBIRD, "{\"id\": \"6fe65f90454aa61536e6a88b"
	    "88972670\", \"recipients\": {\"items\": []}}", id, sizeof(id));
	assert_string_equal(id, "6fe65f90454aa61536e6a88b88972670");
	/* CM answers with no id; its reference is the handle. */
	sms_response_id(SMS_CM, "{\"details\": \"Created 1 message(s)\", "
	    "\"errorCode\": 0, \"messages\": [{\"to\": \"0031612345678\", "
	    "\"status\": \"Accepted\", \"reference\": \"r9\", \"parts\": 1}]}",
	    id, sizeof(id));
	assert_string_equal(id, "r9");
	sms_response_id(SMS_GENERIC, "not json", id, sizeof(id));
	assert_string_equal(id, "");
	sms_response_id(SMS_GENERIC, "{\"id\": [1]}", id, sizeof(id));
	assert_string_equal(id, "");
}

static void
test_retry_after(void **state)
{
	(void)state;
	assert_int_equal(sms_retry_after("120", 0, 3600), 120);
	assert_int_equal(sms_retry_after(" 7", 0, 3600), 7);
	assert_int_equal(sms_retry_after("99999", 0, 3600), 3600);
	assert_int_equal(sms_retry_after(NULL, 0, 3600), -1);
	assert_int_equal(sms_retry_after("soon", 0, 3600), -1);
	assert_int_equal(sms_retry_after("-5", 0, 3600), -1);
	/* An HTTP date, 90 s ahead of now. */
	assert_int_equal(sms_retry_after("Thu, 01 Jan 1970 00:01:30 GMT", 0,
	    3600), 90);
	assert_int_equal(sms_retry_after("Thu, 01 Jan 1970 00:01:30 GMT",
	    100, 3600), 0);
}

static void
test_message_fits(void **state)
{
	struct sms_config c = config(SMS_GENERIC);
	char out[1024], err[256], longt[400];
	json_t *t;
	int ucs2;

	(void)state;
	assert_int_equal(sms_message(&c, "nl", "Buurtteam Overvecht \xe2\x80\x93"
	    " De Gagel", "https://kb.example.nl/i/abc", out, sizeof(out), err,
	    sizeof(err)), 0);
	/* The dash of the name is made plain: the text stays GSM-7. */
	assert_string_equal(out, "Buurtteam Overvecht - De Gagel: hoe was de "
	    "hulp? https://kb.example.nl/i/abc");
	assert_true(sms_text_length(out, &ucs2) <= 160 && !ucs2);
	/* A language without a template gets the Dutch one. */
	assert_int_equal(sms_message(&c, "de", "X", "L", out, sizeof(out),
	    err, sizeof(err)), 0);
	assert_string_equal(out, "X: hoe was de hulp? L");
	assert_int_equal(sms_message(&c, "ar", "X", "L", out, sizeof(out),
	    err, sizeof(err)), 0);
	assert_int_equal(sms_text_length(out, &ucs2), 8);
	assert_true(ucs2);

	/* GSM-7 at its limit: 160 fits, 161 does not. */
	t = json_object();
	memset(longt, 'x', 154);
	memcpy(longt + 154, "{link}", 7);
	json_object_set_new(t, "nl", json_string(longt));
	c.templates = t;
	assert_int_equal(sms_message(&c, "nl", "", "ABCDEF", out, sizeof(out),
	    err, sizeof(err)), 0);
	assert_int_equal(strlen(out), 160);
	assert_int_equal(sms_message(&c, "nl", "", "ABCDEFG", out,
	    sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "160"));
	/* UCS-2 at its limit: 134 fits, 135 does not. */
	memset(longt, 0, sizeof(longt));
	memcpy(longt, "\xd9\x83{link}", 8);
	json_object_set_new(t, "nl", json_string(longt));
	memset(out, 0, sizeof(out));
	{
		char link[200];

		memset(link, 'y', 133);
		link[133] = '\0';
		assert_int_equal(sms_message(&c, "nl", "", link, out,
		    sizeof(out), err, sizeof(err)), 0);
		link[133] = 'y';
		link[134] = '\0';
		assert_int_equal(sms_message(&c, "nl", "", link, out,
		    sizeof(out), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "134"));
	}
	/* An emoji counts two UTF-16 units. */
	assert_int_equal(sms_text_length("\xf0\x9f\x91\x8d", &ucs2), 2);
	json_decref(t);
}

/* A callback's header lookup for the tests: from a NULL-ended list. */
static const char *
headers_of(void *arg, const char *name)
{
	const char *const *h = arg;
	size_t i;

	for (i = 0; h != NULL && h[i] != NULL; i += 2)
		if (strcasecmp(h[i], name) == 0)
			return h[i + 1];
	return NULL;
}

static void
test_twilio_signatures(void **state)
{
	static const char *const params[] = { "CallSid", "CA1234567890ABCDE",
	    "Digits", "1234", "From", "+14158675309", "To", "+18005551212",
	    "Caller", "+14158675309", NULL };
	static const char *const dup[] = { "Sid", "CA123", "SidAccount",
	    "AC123", "Digits", "5678", "Digits", "1234", NULL };
	const char *url = "https://mycompany.com/myapp.php?foo=1&bar=2";
	const char *body = "{\"property\": \"value\", \"boolean\": true}";

	(void)state;
	/* Twilio's own helper test vectors. */
	assert_true(sms_twilio_signature_ok("12345", url, params, NULL, 0,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	assert_true(sms_twilio_signature_ok("12345",
	    "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, NULL, 0,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	assert_true(sms_twilio_signature_ok("12345", url, params, NULL, 0,
	    "kvajT1Ptam85bY51eRf/AJRuM3w="));
	assert_true(sms_twilio_signature_ok("12345",
	    "http://mycompany.com:1234/myapp.php?foo=1&bar=2", params, NULL, 0,
	    "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
	assert_true(sms_twilio_signature_ok("12345", url, dup, NULL, 0,
	    "IK+Dwps556ElfBT0I3Rgjkr1wJU="));
	assert_true(sms_twilio_signature_ok("12345", "https://mycompany.com/"
	    "myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e"
	    "41502b283a80c7cf19632632f96e6620", NULL, body, strlen(body),
	    "a9nBmqA0ju/hNViExpshrM61xv4="));
	/* And their neighbours: key, URL, parameter, body, encoding. */
	assert_false(sms_twilio_signature_ok("12346", url, params, NULL, 0,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	assert_false(sms_twilio_signature_ok("12345",
	    "https://mycompany.com/myapp.php?foo=1&bar=3", params, NULL, 0,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	assert_false(sms_twilio_signature_ok("12345", url, dup, NULL, 0,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
	assert_false(sms_twilio_signature_ok("12345", "https://mycompany.com/"
	    "myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e"
	    "41502b283a80c7cf19632632f96e6620", NULL, "{}", 2,
	    "a9nBmqA0ju/hNViExpshrM61xv4="));
	assert_false(sms_twilio_signature_ok("12345", url, params, NULL, 0,
	    "not base64!"));
	assert_false(sms_twilio_signature_ok("12345", url, params, NULL, 0,
	    NULL));
	assert_false(sms_twilio_signature_ok("", url, params, NULL, 0,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

static void
test_messagebird_signatures(void **state)
{
	static const char key[] = "36efdd1aace2e26cd490f0d951138253bef2f7c6d34"
	    "d18981da781555cc4cebb";
	static const char tok_qb[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJp"
	    "c3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5Mj"
	    "YwLCJqdGkiOiI5M2U1NTAwNi1hMGU4LTQ1MjYtYTE5MC1mYTVmZjAwZWExMTYiLCJ1"
	    "cmxfaGFzaCI6IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2ZjQ3YzQ1NzJkOWNlZmEyNT"
	    "dlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAiLCJwYXlsb2FkX2hhc2giOiJkZmZkNjAy"
	    "MWJiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEzNj"
	    "IxODI5ODZmIn0._H--TOuYFLpeEH39-rg5E3IHVkjHozBcaKVWPRC5m9I";
	static const char tok_plain[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e"
	    "yJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc"
	    "5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiL"
	    "CJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI"
	    "0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.6Fp0rVOsRr1fj9S2GidXAfkmPV"
	    "ofKr8_RTffC6G6r2E";
	static const char tok_hs512[] = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.e"
	    "yJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc"
	    "5MjYwLCJqdGkiOiI1OWEyNDRkYy1lOWFkLTRlMjMtOTc3OC0zNzFmYWEyMzhmNzIiL"
	    "CJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1NGI"
	    "0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.rd6r0iMyNGnVPCwurETphE3Y8r"
	    "pAyvvnUK0S8WvGUkt2E1QSRAZ7NZJZBHw1Y_Wb5W-sK9HJr_PRL2vz4jRT3Q";
	static const char tok_wrongkey[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ"
	    "9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1"
	    "NDc5MjYwLCJqdGkiOiIyNDNjMjdhZS0yZjAyLTQ2YTAtODg1Mi1jNjZmMzdlYTlmND"
	    "YiLCJ1cmxfaGFzaCI6IjBmMTE1ZGIwNjJiN2MwZGQwMzBiMTY4NzhjOTlkZWE1YzM1"
	    "NGI0OWRjMzdiMzhlYjg4NDYxNzljNzc4M2U5ZDcifQ.JgSeYyOtlEKAXk8bz30iJI4t"
	    "Xgf4lxknoiezawuVhb4";
	static const char *const q[] = { "recipient", "31612345678",
	    "reference", "FOO", "statusDatetime", "2019-01-11T09:17:11+00:00",
	    "id", "eef0ab57a9e049be946f3821568c2b2e", "status", "delivered",
	    "mccmnc", "20408", "ported", "1", NULL };
	const time_t now = 1625479200;	/* 2021-07-05T12:00:00+02:00 */

	(void)state;
	assert_true(sms_messagebird_jwt_ok(key, tok_qb,
	    "https://example.com/path?bar=1&foo=2", "Hello, World!", 13, now));
	assert_true(sms_messagebird_jwt_ok(key, tok_plain,
	    "https://example.com/", "", 0, now));
	assert_true(sms_messagebird_jwt_ok(key, tok_hs512,
	    "https://example.com/", "", 0, now));
	/* Expired, not yet valid, other URL, body changed, other key. */
	assert_false(sms_messagebird_jwt_ok(key, tok_plain,
	    "https://example.com/", "", 0, now + 62));
	assert_false(sms_messagebird_jwt_ok(key, tok_plain,
	    "https://example.com/", "", 0, now - 2));
	assert_false(sms_messagebird_jwt_ok(key, tok_qb,
	    "https://example.com/path?foo=2&bar=1", "Hello, World!", 13, now));
	assert_false(sms_messagebird_jwt_ok(key, tok_qb,
	    "https://example.com/path?bar=1&foo=2", "", 0, now));
	assert_false(sms_messagebird_jwt_ok(key, tok_plain,
	    "https://example.com/", "Hello, World!", 13, now));
	assert_false(sms_messagebird_jwt_ok(key, tok_wrongkey,
	    "https://example.com/", "", 0, now));
	assert_false(sms_messagebird_jwt_ok("other", tok_plain,
	    "https://example.com/", "", 0, now));
	/* alg "none" is never accepted, even with a valid-looking body. */
	assert_false(sms_messagebird_jwt_ok(key, "eyJhbGciOiJub25lIiwidHlwIjo"
	    "iSldUIn0.eyJpc3MiOiJNZXNzYWdlQmlyZCJ9.", "https://example.com/",
	    "", 0, now));
	assert_false(sms_messagebird_jwt_ok(key, "a.b", "https://example.com/",
	    "", 0, now));

	/* The older MessageBird-Signature, the Ruby SDK's example. */
	assert_true(sms_messagebird_legacy_ok("PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd",
	    "KVBdcVdz2lYMwcBLZCRITgxUfA/WkwSi+T3Wxl2HL6w=", "1547198231", q,
	    "", 0, 1547198231, 300));
	assert_false(sms_messagebird_legacy_ok("PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd",
	    "KVBdcVdz2lYMwcBLZCRITgxUfA/WkwSi+T3Wxl2HL6w=", "1547198232", q,
	    "", 0, 1547198231, 300));
	assert_false(sms_messagebird_legacy_ok("PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd",
	    "KVBdcVdz2lYMwcBLZCRITgxUfA/WkwSi+T3Wxl2HL6w=", "1547198231", q,
	    "x", 1, 1547198231, 300));
	/* Too old a timestamp is refused however right the signature. */
	assert_false(sms_messagebird_legacy_ok("PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd",
	    "KVBdcVdz2lYMwcBLZCRITgxUfA/WkwSi+T3Wxl2HL6w=", "1547198231", q,
	    "", 0, 1547198231 + 3600, 300));
}

static void
test_callbacks(void **state)
{
	static const char *const none[] = { NULL };
	struct sms_config c;
	struct sms_report rep;
	struct sms_reply reply;
	struct sms_cb cb;
	static const char xml[] = "<?xml version=\"1.0\"?>\n<MESSAGES SENT="
	    "\"2026-11-30T12:00:00\"><MSG RECEIVED=\"2026-11-30T12:00:05\">"
	    "<TO>0031612345678</TO><REFERENCE>abc123</REFERENCE><STATUS>"
	    "<CODE>3</CODE><ERRORCODE>5</ERRORCODE><ERRORDESCRIPTION>Unknown"
	    "</ERRORDESCRIPTION></STATUS></MSG></MESSAGES>";
	static const char *const cmget[] = { "sent", "x", "to",
	    "0031612345678", "REFERENCE", "abc123", "STATUSCODE", "2", NULL };
	static const char *const mbget[] = { "id", "e8077d80", "reference",
	    "abc123", "recipient", "31612345678", "status", "delivery_failed",
	    "statusDatetime", "2016-05-03T08:58:10+00:00", NULL };
	static const char *const tw[] = { "MessageSid", "SM1",
	    "MessageStatus", "undelivered", "ErrorCode", "30003", NULL };

	(void)state;
	memset(&cb, 0, sizeof(cb));
	cb.method = "POST";
	cb.query = none;
	cb.header = headers_of;

	c = config(SMS_CM);
	cb.ctype = "application/xml";
	cb.body = xml;
	cb.bodylen = strlen(xml);
	assert_int_equal(sms_callback_report(&c, &cb, &rep), 0);
	assert_string_equal(rep.ref, "abc123");
	assert_int_equal(rep.state, SMS_STATE_FAILED);
	cb.json = json_loads("{\"messages\":{\"msg\":{\"reference\":\"abc123\","
	    "\"status\":{\"code\":2}}}}", 0, NULL);
	cb.body = "{}";
	cb.bodylen = 2;
	assert_int_equal(sms_callback_report(&c, &cb, &rep), 0);
	assert_int_equal(rep.state, SMS_STATE_DELIVERED);
	json_decref(cb.json);
	cb.json = json_loads("{\"from\":{\"number\":\"0031612345678\"},"
	    "\"to\":{\"number\":\"3197\"},\"message\":{\"text\":\"Stop\"}}", 0,
	    NULL);
	assert_int_equal(sms_callback_reply(&c, &cb, &reply), 0);
	assert_string_equal(reply.from, "0031612345678");
	assert_string_equal(reply.text, "Stop");
	json_decref(cb.json);
	cb.json = NULL;
	cb.method = "GET";
	cb.body = "";
	cb.bodylen = 0;
	cb.query = cmget;
	assert_int_equal(sms_callback_report(&c, &cb, &rep), 0);
	assert_int_equal(rep.state, SMS_STATE_DELIVERED);
	/* CM signs nothing: accepted on the shared secret alone. */
	assert_true(sms_callback_signed(&c, &cb));

	c = config(SMS_MESSAGEBIRD);
	cb.query = mbget;
	assert_int_equal(sms_callback_report(&c, &cb, &rep), 0);
	assert_string_equal(rep.ref, "abc123");
	assert_int_equal(rep.state, SMS_STATE_FAILED);
	/* With a signing key, an unsigned callback is refused. */
	c.signing_key = "PlLrKaqvZNRR5zAjm42ZT6q1SQxgbbGd";
	cb.harg = NULL;
	assert_false(sms_callback_signed(&c, &cb));

	c = config(SMS_TWILIO);
	c.key = "AC1:authtoken";
	cb.method = "POST";
	cb.query = none;
	cb.form = tw;
	cb.url = "https://kb.example.nl/sms/status";
	assert_int_equal(sms_callback_report(&c, &cb, &rep), 0);
	assert_string_equal(rep.ref, "SM1");
	assert_int_equal(rep.state, SMS_STATE_FAILED);
	assert_false(sms_callback_signed(&c, &cb));	/* no header */
	cb.query = none;
	assert_int_equal(sms_callback_report(&c, &cb, &rep), 0);
}

static void
test_tokens(void **state)
{
	struct invite_keys k1, k2;
	unsigned char n1[STORE_NONCE], n2[STORE_NONCE];
	char t1[INVITE_TOKEN_MAX], t2[INVITE_TOKEN_MAX], t3[INVITE_TOKEN_MAX];

	(void)state;
	memset(&k1, 1, sizeof(k1));
	memset(&k2, 2, sizeof(k2));
	memset(n1, 7, sizeof(n1));
	memset(n2, 8, sizeof(n2));
	invite_token(&k1, n1, t1);
	invite_token(&k1, n1, t2);
	assert_string_equal(t1, t2);		/* the same for a resend */
	invite_token(&k1, n2, t3);
	assert_string_not_equal(t1, t3);
	invite_token(&k2, n1, t3);
	assert_string_not_equal(t1, t3);	/* needs the key file */
	/* 96 bits in base 62: 16 or 17 characters, all valid. */
	assert_true(strlen(t1) >= 15 && strlen(t1) <= 17);
	assert_true(invite_token_valid(t1));
	assert_false(invite_token_valid("short"));
	assert_false(invite_token_valid("abc-defghijklmn"));
	assert_false(invite_token_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_links_and_markers(void **state)
{
	struct invite_keys k;
	unsigned char ph[STORE_PHONE_HASH], out[STORE_PHONE_HASH];
	unsigned char sealed[STORE_SEALED_MAX], sealed2[STORE_SEALED_MAX];
	unsigned char a[STORE_RECENT_WEEKS][STORE_PHONE_HASH];
	unsigned char b[STORE_RECENT_WEEKS][STORE_PHONE_HASH];
	size_t n, n2;

	(void)state;
	memset(&k, 3, sizeof(k));
	memset(ph, 9, sizeof(ph));
	/* The opt-out link opens with its token only. */
	n = invite_link_seal("Tok3nTok3nTok3n", ph, sealed);
	assert_true(n > STORE_PHONE_HASH && n <= STORE_SEALED_MAX);
	assert_int_equal(invite_link_open("Tok3nTok3nTok3n", sealed, n, out), 0);
	assert_memory_equal(out, ph, sizeof(ph));
	assert_int_equal(invite_link_open("Tok3nTok3nTok3m", sealed, n, out),
	    -1);
	assert_int_equal(invite_link_open("Tok3nTok3nTok3n", sealed, n - 1,
	    out), -1);
	/* Sealed twice, it looks different: no equal rows to compare. */
	n2 = invite_link_seal("Tok3nTok3nTok3n", ph, sealed2);
	assert_int_equal(n, n2);
	assert_memory_not_equal(sealed, sealed2, n);
	/* Markers: this week's equals next week's "a week before". */
	invite_recent_hashes(&k, "+31612345678", "ouders", 1764547200, a);
	invite_recent_hashes(&k, "+31612345678", "ouders",
	    1764547200 + 7 * 24 * 3600, b);
	assert_memory_equal(a[0], b[1], STORE_PHONE_HASH);
	assert_memory_not_equal(a[0], b[0], STORE_PHONE_HASH);
	invite_recent_hashes(&k, "+31612345678", "jongeren", 1764547200, b);
	assert_memory_not_equal(a[0], b[0], STORE_PHONE_HASH);
	invite_recent_hashes(&k, "+31600000001", "ouders", 1764547200, b);
	assert_memory_not_equal(a[0], b[0], STORE_PHONE_HASH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_normalise),
		cmocka_unit_test(test_gsm7),
		cmocka_unit_test(test_stop_words),
		cmocka_unit_test(test_quiet_hours),
		cmocka_unit_test(test_request_formats),
		cmocka_unit_test(test_response_ids),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_message_fits),
		cmocka_unit_test(test_twilio_signatures),
		cmocka_unit_test(test_messagebird_signatures),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_links_and_markers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
