/*
 * util.h — allocation, a capped string builder and bounded number parsing.
 * Every module uses these instead of the libc functions the build bans.
 */
#ifndef KB_UTIL_H
#define KB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define KB_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The x* family aborts on exhaustion: callers never check for NULL. */
/* ts = now (CLOCK_REALTIME, as pthread_cond_timedwait wants) + ms. */
void deadline_in(struct timespec *ts, long ms);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * A growable byte buffer with a hard size cap.  It remembers its first
 * error (cap exceeded) so the caller checks once, at the end, with buf_failed.
 * The data is always NUL-terminated when len > 0 or after buf_cstr.
 */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
	int	 failed;
};

void	 buf_init(struct buf *b, size_t max);
void	 buf_append(struct buf *b, const void *p, size_t n);
void	 buf_puts(struct buf *b, const char *s);
void	 buf_putc(struct buf *b, char c);
void	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Appends s with &, <, >, " and ' escaped for HTML text and attributes. */
void	 buf_html(struct buf *b, const char *s);
/* Returns the contents as a C string ("" when empty); owned by b. */
const char *buf_cstr(struct buf *b);
int	 buf_failed(const struct buf *b);
void	 buf_reset(struct buf *b);
void	 buf_free(struct buf *b);
/* Hands the data to the caller (who frees it) and resets b. */
char	*buf_release(struct buf *b, size_t *len);

/*
 * Parses a whole decimal integer in [min, max].  Returns 0 and sets *out,
 * or -1 when s is empty, has trailing characters or is out of range.
 */
int	 num_parse(const char *s, long long min, long long max, long long *out)
	    __attribute__((warn_unused_result));

/* Returns 1 when s is 1..maxlen characters of a-z, 0-9 and the extra set. */
int	 ident_valid(const char *s, size_t maxlen, const char *extra);

/* Returns the number of code points of valid UTF-8 s, or -1 if invalid. */
long	 utf8_length(const char *s, size_t n);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
/*
 * Opens path for reading only when it is a regular file of at most max
 * bytes: a FIFO is not waited on, a device (or a link to one) not read.
 * Returns the stream, or NULL with err "path: why" filled.
 */
FILE	*file_open_regular(const char *path, size_t max, char *err,
	    size_t errlen);
/*
 * Reads such a file whole into a new NUL-terminated buffer (*len its
 * length without the NUL).  NULL with err filled on failure.
 */
char	*file_read_regular(const char *path, size_t max, size_t *len,
	    char *err, size_t errlen);
void	 hex_encode(const unsigned char *in, size_t n, char *out);

#endif
