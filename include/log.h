/*
 * log.h — one line per event on stderr.  Never pass an IP address, phone
 * number, token or answer text to these functions.
 */
#ifndef KB_LOG_H
#define KB_LOG_H

/* 0 = info and warnings, 1 and up = debug as well. */
void	log_init(int verbosity);
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno); log_warnx does not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
