/*
 * fuzz_signup.c — participants_signup_parse (the body of POST
 * /api/participants) against the shipped consent, then sealing what it
 * accepted.  Besides ASan and UBSan it checks:
 *   - a refusal is 400 (no field) or 422 (with a field), with a code and a
 *     message, and leaves the output untouched;
 *   - an accepted sign-up has the current consent version, a name of 1 to
 *     40 characters of valid UTF-8 without control characters, a contact
 *     that is "+digits" (sms) or a lower-case e-mail address, at least one
 *     way, and only ids the consent offers;
 *   - sealing and opening it gives back the same name and contact.
 * The consent is $KB_FUZZ_SURVEYS/consent.json, else surveys/consent.json.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "participants.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct participants_consent *consent;
static struct participants_keys keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("KB_FUZZ_SURVEYS");
	struct buf errors;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	buf_init(&errors, 64 * 1024);
	consent = participants_consent_load(dir ? dir : "surveys", &errors);
	if (consent == NULL) {
		fprintf(stderr, "%s", buf_cstr(&errors));
		abort();
	}
	buf_free(&errors);
	memset(&keys, 7, sizeof(keys));
	return 0;
}

/* Every id of a comma-separated list is one the consent offers. */
static void
known_ids(const char *list, const char *ids)
{
	const char *p = ids;
	char id[64];

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || n >= sizeof(id))
			abort();
		memcpy(id, p, n);
		id[n] = '\0';
		if (participants_label(consent, list, id, "nl")[0] == '\0')
			abort();
		p += n;
		if (*p == ',')
			p++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct participants_signup s, blank;
	struct participants_error e;
	unsigned char sealed[STORE_PART_SEALED_MAX];
	char name[sizeof(s.name)], contact[sizeof(s.contact)];
	size_t len, i;
	long n;

	memset(&s, 0x5a, sizeof(s));
	memset(&blank, 0x5a, sizeof(blank));
	memset(&e, 0, sizeof(e));
	if (participants_signup_parse(consent, (const char *)data, size, &s,
	    &e) == -1) {
		if (memcmp(&s, &blank, sizeof(s)) != 0)
			abort();
		if (e.code[0] == '\0' || e.message[0] == '\0')
			abort();
		if (!(e.status == 400 && e.field[0] == '\0') &&
		    !(e.status == 422 && e.field[0] != '\0'))
			abort();
		return 0;
	}
	if (s.consent_version != participants_consent_version(consent))
		abort();
	n = utf8_length(s.name, strlen(s.name));
	if (n < 1 || n > PARTICIPANTS_NAME_MAX)
		abort();
	for (i = 0; s.name[i] != '\0'; i++)
		if ((unsigned char)s.name[i] < 0x20 || s.name[i] == 0x7f)
			abort();
	if (strcmp(s.kind, "sms") == 0) {
		if (s.contact[0] != '+' || strlen(s.contact) < 8)
			abort();
		for (i = 1; s.contact[i] != '\0'; i++)
			if (s.contact[i] < '0' || s.contact[i] > '9')
				abort();
	} else if (strcmp(s.kind, "email") == 0) {
		if (!participants_email_valid(s.contact))
			abort();
		for (i = 0; s.contact[i] != '\0'; i++)
			if (s.contact[i] >= 'A' && s.contact[i] <= 'Z')
				abort();
	} else {
		abort();
	}
	if (s.ways[0] == '\0')
		abort();
	known_ids("ways", s.ways);
	known_ids("topics", s.topics);
	known_ids("spoken", s.languages);
	if (participants_seal(&keys, s.name, s.contact, sealed, &len) != 0 ||
	    participants_unseal(&keys, sealed, len, name, sizeof(name), contact,
	    sizeof(contact)) != 0 || strcmp(name, s.name) != 0 ||
	    strcmp(contact, s.contact) != 0)
		abort();
	return 0;
}
