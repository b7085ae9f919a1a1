/*
 * nl.h — how the team's pages say things in Dutch: numbers with a decimal
 * comma, a definition's Dutch text, who a survey is for.  One place for
 * the dashboard, the goal board and the microdata codebook.
 */
#ifndef KB_NL_H
#define KB_NL_H

#include <jansson.h>

#include "survey.h"
#include "util.h"

/* Appends v with decimals places and a decimal comma ("-0" is "0"). */
void	 nl_num(struct buf *b, double v, int decimals);
/* The Dutch text of a texts object ({"nl": ...}), else English, else "". */
const char *nl_text(json_t *texts);
/* Who a survey is for, as the team says it: "Ouders", "Jongeren", ... */
const char *nl_audience(const struct survey *s);

#endif
