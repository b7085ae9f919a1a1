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
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "invite.h"
#include "phone.h"
#include "sms.h"

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
		{ "+4915112345678", "+4915112345678" },
		{ "+32 470 12 34 56", "+32470123456" },
	};
	static const char *const bad[] = {
		"", "06", "061234567", "06123456789", "0201234567",
		"+31201234567", "+310201234567", "12345678", "abc",
		"06-1234-567a", "+", "++31612345678", "+0612345678",
		"+1234567", "+1234567890123456", "0612345678\n",
		"06\x00" "12345678",
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
	struct sms_config c;

	memset(&c, 0, sizeof(c));
	c.provider = p;
	c.url = "http://127.0.0.1:9/send";
	c.sender = "Klankbord";
	c.key = "k3y";
	c.base_url = "https://kb.example.nl";
	c.templates[0] = "Hoe was de hulp? {link}";
	c.templates[1] = "How was the help? {link}";
	return c;
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
	assert_string_equal(json_string_value(json_object_get(j, "to")),
	    "+31612345678");
	assert_string_equal(json_string_value(json_object_get(j, "message")),
	    "hi \"you\"");
	assert_string_equal(json_string_value(json_object_get(j,
	    "reference")), "ref1");
	assert_string_equal(r.auth_header, "Authorization: Bearer k3y");
	json_decref(j);
	sms_request_clear(&r);

	c = config(SMS_TWILIO);
	assert_int_equal(sms_request_build(&c, "+31612345678", "a&b=c d",
	    "ref1", &r), 0);
	assert_string_equal(r.body, "To=%2B31612345678&From=Klankbord&"
	    "Body=a%26b%3Dc%20d");
	assert_string_equal(r.userpwd, "k3y");
	assert_null(r.auth_header);
	assert_non_null(strstr(r.content_type, "x-www-form-urlencoded"));
	sms_request_clear(&r);

	c = config(SMS_CM);
	assert_int_equal(sms_request_build(&c, "+31612345678", "hi", "ref1",
	    &r), 0);
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "messages"), "authentication"),
	    "producttoken")), "k3y");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_object_get(j, "messages"), "msg"), 0),
	    "reference")), "ref1");
	json_decref(j);
	sms_request_clear(&r);

	c = config(SMS_MESSAGEBIRD);
	assert_int_equal(sms_request_build(&c, "+31612345678", "hi", "ref1",
	    &r), 0);
	assert_string_equal(r.auth_header, "Authorization: AccessKey k3y");
	j = json_loads(r.body, 0, NULL);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j,
	    "recipients"), 0)), "+31612345678");
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
	sms_response_id(SMS_TWILIO, "{\"sid\": \"SM1\"}", id, sizeof(id));
	assert_string_equal(id, "SM1");
	sms_response_id(SMS_MESSAGEBIRD, "{\"id\": 42}", id, sizeof(id));
	assert_string_equal(id, "42");
	sms_response_id(SMS_CM, "{\"messages\": [{\"messageId\": \"m9\"}]}",
	    id, sizeof(id));
	assert_string_equal(id, "m9");
	sms_response_id(SMS_GENERIC, "not json", id, sizeof(id));
	assert_string_equal(id, "");
	sms_response_id(SMS_GENERIC, "{\"id\": [1]}", id, sizeof(id));
	assert_string_equal(id, "");
}

static void
test_message_fits_one_sms(void **state)
{
	struct sms_config c = config(SMS_GENERIC);
	char out[400], err[128];
	char longt[200];

	(void)state;
	assert_int_equal(sms_message(&c, "nl", "https://kb.example.nl/i/abc",
	    out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, "Hoe was de hulp? https://kb.example.nl/i/abc");
	assert_int_equal(sms_message(&c, "de", "L", out, sizeof(out), err,
	    sizeof(err)), 0);
	assert_string_equal(out, "How was the help? L");
	memset(longt, 'x', 150);
	memcpy(longt + 150, " {link}", 8);
	c.templates[0] = longt;
	assert_int_equal(sms_message(&c, "nl", "https://kb.example.nl/i/abc",
	    out, sizeof(out), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "160"));
	c.templates[0] = "Hoe was het? \xf0\x9f\x91\x8d {link}";
	assert_int_equal(sms_message(&c, "nl", "L", out, sizeof(out), err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "GSM-7"));
	c.templates[0] = "no link";
	assert_int_equal(sms_message(&c, "nl", "L", out, sizeof(out), err,
	    sizeof(err)), -1);
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
		cmocka_unit_test(test_message_fits_one_sms),
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
