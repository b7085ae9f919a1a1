/*
 * quickjson.h — a fast path for the JSON that phones and kiosks send:
 * objects, arrays, ASCII strings without escapes, integers, true, false
 * and null.  For anything outside that subset it returns NULL and the
 * caller asks jansson, so errors and rarer shapes behave exactly as
 * jansson has them.  What it does return equals what jansson would build
 * with JSON_REJECT_DUPLICATES (a unit test compares them).
 */
#ifndef KB_QUICKJSON_H
#define KB_QUICKJSON_H

#include <jansson.h>
#include <stddef.h>

/* The object in s[0..n), or NULL: not in the subset (or out of memory). */
json_t	*quickjson_object(const char *s, size_t n);

#endif
