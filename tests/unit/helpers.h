/*
 * helpers.h — what several unit tests share: temporary folders under /tmp,
 * writing files into them, and parsing a survey held in a string.  Every
 * function is static inline so a test that does not use one pays nothing.
 */
#ifndef KB_TEST_HELPERS_H
#define KB_TEST_HELPERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "survey.h"
#include "util.h"

/* The shipped surveys, relative to the repository root (where tests run). */
#define TEST_SURVEYS_DIR	"surveys"

/*
 * Makes a fresh folder /tmp/klankbord-test.XXXXXX and writes its path into
 * dir (at least 64 bytes).  Returns 0, or -1 when mkdtemp fails.
 */
static inline int
test_tmpdir(char *dir, size_t len)
{
	if (snprintf(dir, len, "/tmp/klankbord-test.XXXXXX") >= (int)len)
		return -1;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

/* Writes n bytes to dir/name.  Returns 0 or -1. */
static inline int
test_write_file_n(const char *dir, const char *name, const char *text,
    size_t n)
{
	char path[4096];
	FILE *fp;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	if (n > 0 && fwrite(text, 1, n, fp) != n)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

static inline int
test_write_file(const char *dir, const char *name, const char *text)
{
	return test_write_file_n(dir, name, text, strlen(text));
}

/*
 * Reads the whole file at path into a NUL-terminated allocation (the caller
 * frees it).  Returns NULL when the file cannot be read.
 */
static inline char *
test_read_file(const char *path, size_t *len)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *fp;

	fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	buf_init(&b, 16 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_release(&b, len);
}

/* Removes dir and the plain files in it (tests make no subfolders). */
static inline void
test_rmtree(const char *dir)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(dir);
}

/*
 * Copies the first line of s (without its newline) into out; "" when s is
 * empty.  Returns out, for use inside an assertion.
 */
static inline const char *
test_first_line(const char *s, char *out, size_t outlen)
{
	size_t n = strcspn(s, "\n");

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* The number of lines (newline-terminated) in s. */
static inline int
test_count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/*
 * Parses a survey definition held in a string, reporting errors under the
 * name "t.json".  errors must be initialised by the caller.
 */
static inline struct survey *
test_survey_parse(const char *text, struct buf *errors)
{
	return survey_parse("t.json", text, strlen(text), errors);
}

#endif
