/*
 * web_first.h — the respondent app's start screen drawn on the server
 * (web_first.c), from the page's settings, for the one-request first screen.
 */
#ifndef KB_WEB_FIRST_H
#define KB_WEB_FIRST_H

#include <jansson.h>

#include "util.h"

/* <html lang=".." dir=".." class="phone|kiosk">, from cfg's mode and language. */
void	web_first_html(struct buf *b, json_t *cfg);
/*
 * <div id="app"> with the top bar and the start screen (title, language
 * buttons, intro, the three facts, the start button) exactly as app.js
 * draws them, in cfg's language; a loading note when cfg has no survey.
 */
void	web_first_screen(struct buf *b, json_t *cfg);

#endif
