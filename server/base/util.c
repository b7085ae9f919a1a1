/*
 * util.c — allocation that aborts on exhaustion, the capped string builder,
 * bounded number parsing and small text helpers.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void
deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatalx("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

static int
buf_grow(struct buf *b, size_t extra)
{
	size_t need, ncap;

	if (b->failed)
		return -1;
	if (extra > b->max || b->len > b->max - extra) {
		b->failed = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
		ncap *= 2;
	b->data = xrealloc(b->data, ncap);
	b->cap = ncap;
	return 0;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) == -1)
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = 1;
		return;
	}
	if (buf_grow(b, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
buf_html(struct buf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, rep);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

const char *
buf_cstr(struct buf *b)
{
	if (b->data == NULL)
		return "";
	return b->data;
}

int
buf_failed(const struct buf *b)
{
	return b->failed;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

char *
buf_release(struct buf *b, size_t *len)
{
	char *p = b->data ? b->data : xstrdup("");

	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
	return p;
}

int
num_parse(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	/* strtoll would skip any leading white space and take a '+'. */
	if (s == NULL || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
ident_valid(const char *s, size_t maxlen, const char *extra)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			continue;
		if (extra != NULL && strchr(extra, *s) != NULL)
			continue;
		return 0;
	}
	return n >= 1 && n <= maxlen;
}

long
utf8_length(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	long count = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len, k;
		uint32_t cp;

		if (c < 0x80) {
			if (c == 0)
				return -1;
			i++;
			count++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else
			return -1;
		if (i + len > n)
			return -1;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		i += len;
		count++;
	}
	return count;
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

FILE *
file_open_regular(const char *path, size_t max, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp;
	int fd, flags;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((unsigned long long)st.st_size > (unsigned long long)max) {
		if (max % (1024 * 1024) == 0)
			snprintf(err, errlen, "%s: file is larger than %zu MiB",
			    path, max / (1024 * 1024));
		else if (max % 1024 == 0)
			snprintf(err, errlen, "%s: file is larger than %zu KiB",
			    path, max / 1024);
		else
			snprintf(err, errlen, "%s: file is larger than %zu "
			    "bytes", path, max);
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	fp = fdopen(fd, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return fp;
fail:
	close(fd);
	return NULL;
}

char *
file_read_regular(const char *path, size_t max, size_t *len, char *err,
    size_t errlen)
{
	char chunk[8192];
	struct buf b;
	FILE *fp;
	size_t n;

	fp = file_open_regular(path, max, err, errlen);
	if (fp == NULL)
		return NULL;
	/* The size was checked; a file that grows meanwhile is cut off. */
	buf_init(&b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(fp) || buf_failed(&b)) {
		snprintf(err, errlen, "%s: %s", path, ferror(fp) ?
		    "read error" : "larger than allowed");
		fclose(fp);
		buf_free(&b);
		return NULL;
	}
	fclose(fp);
	return buf_release(&b, len);
}
