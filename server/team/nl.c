/*
 * nl.c — the team's Dutch wording (nl.h).
 */
#include <stdio.h>
#include <string.h>

#include "nl.h"

void
nl_num(struct buf *b, double v, int decimals)
{
	char s[32], *p;

	snprintf(s, sizeof(s), "%.*f", decimals, v);
	if (strcmp(s, "-0") == 0 || strcmp(s, "-0.0") == 0)
		snprintf(s, sizeof(s), "%.*f", decimals, 0.0);
	p = strchr(s, '.');
	if (p != NULL)
		*p = ',';
	buf_puts(b, s);
}

const char *
nl_text(json_t *texts)
{
	const char *t = json_string_value(json_object_get(texts, "nl"));

	if (t == NULL)
		t = json_string_value(json_object_get(texts, "en"));
	return t ? t : "";
}

const char *
nl_audience(const struct survey *s)
{
	switch (s->audience) {
	case SURVEY_AUDIENCE_PARENT:
		return "Ouders";
	case SURVEY_AUDIENCE_YOUTH:
		return "Jongeren";
	case SURVEY_AUDIENCE_STAFF:
		return "Medewerkers";
	case SURVEY_AUDIENCE_ANY:
		break;
	}
	return "Iedereen";
}
