/*
 * log.c — one line per event on stderr, written with one write(2) each so
 * lines from different threads never interleave.  When stderr is the
 * journal (JOURNAL_STREAM names it) a line starts with its syslog priority,
 * "<4>", and journald adds the time; otherwise with the local time in ISO
 * 8601 with its offset, "2026-11-30T22:15:03+01:00".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* Syslog priorities, as journald reads them from a line's start. */
#define LOG_PRI_ERR	3
#define LOG_PRI_WARNING	4
#define LOG_PRI_INFO	6
#define LOG_PRI_DEBUG	7

static int log_verbosity;
static int log_journal = -1;	/* -1: not yet known */

/* Is stderr the stream JOURNAL_STREAM ("device:inode") names? */
static int
log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (js == NULL || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int verbosity)
{
	log_verbosity = verbosity;
	log_journal = log_stderr_is_journal();
}

/* "2026-11-30T22:15:03+01:00 " into line; returns its length. */
static size_t
log_time(char *line, size_t size)
{
	struct tm tm;
	time_t now = time(NULL);
	size_t n;

	localtime_r(&now, &tm);
	n = strftime(line, size, "%Y-%m-%dT%H:%M:%S%z ", &tm);
	/* strftime gives +0100; ISO 8601's extended form is +01:00. */
	if (n >= 7 && n + 1 < size) {
		memmove(line + n - 2, line + n - 3, 4);
		line[n - 3] = ':';
		n++;
	}
	return n;
}

static void
log_emit(int pri, const char *level, int with_errno, const char *fmt,
    va_list ap)
{
	char line[1024];
	int saved = errno;
	size_t n;
	int r;

	if (log_journal == -1)
		log_journal = log_stderr_is_journal();
	if (log_journal) {
		r = snprintf(line, sizeof(line), "<%d>", pri);
		n = r > 0 ? (size_t)r : 0;
	} else {
		n = log_time(line, sizeof(line));
	}
	r = snprintf(line + n, sizeof(line) - n, "%s", level);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (r > 0)
		n += (size_t)r < sizeof(line) - n ? (size_t)r : sizeof(line) - n - 1;
	if (with_errno && n < sizeof(line) - 1) {
		r = snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved));
		if (r > 0)
			n += (size_t)r < sizeof(line) - n ?
			    (size_t)r : sizeof(line) - n - 1;
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to report it. */
	}
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_PRI_INFO, "", 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_PRI_WARNING, "warning: ", 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_PRI_WARNING, "warning: ", 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	log_emit(LOG_PRI_DEBUG, "debug: ", 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_PRI_ERR, "fatal: ", 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_PRI_ERR, "fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(1);
}
