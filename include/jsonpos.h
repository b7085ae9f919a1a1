/*
 * jsonpos.h — finds where a value sits in JSON source text, so that errors
 * found after parsing (a wrong type, an unknown option) can still be
 * reported as file:line:column.  jansson keeps no positions of its own.
 */
#ifndef KB_JSONPOS_H
#define KB_JSONPOS_H

#include <stddef.h>

/*
 * Walks text along path (object keys, or decimal array indexes) and sets
 * *line and *col (1-based, columns in characters) to the start of the
 * value found.  When a segment is missing it stops at the deepest value it
 * reached.  Never fails: malformed text yields the position reached so far.
 */
void	jsonpos_locate(const char *text, size_t len, const char *const *path,
	    size_t depth, int *line, int *col);

#endif
