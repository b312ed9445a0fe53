/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_STRBUF_H
#define PHIGUARD_REPORT_STRBUF_H

/*
 * A bounded string builder over a caller's buffer. Appends past the end set
 * the overflow flag and are dropped; the buffer stays NUL-terminated.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf;
	size_t size;
	size_t len;
	bool overflow;
};

/* How a string is escaped while it is appended. */
enum strbuf_escape {
	STRBUF_RAW = 0,     /* control characters and invalid UTF-8 still replaced */
	STRBUF_JSON,        /* inside "...": \" \\ \n \r \t \u00XX */
	STRBUF_CEF_HEADER,  /* \\ and \|; CR/LF become a space */
	STRBUF_CEF_VALUE,   /* \\ \= \n \r */
	STRBUF_SD_VALUE,    /* RFC 5424 PARAM-VALUE: \" \\ \] */
	STRBUF_ASCII,       /* printable ASCII only, others become '?' (text for terminals) */
	STRBUF_SYSLOG_NAME, /* RFC 5424 header field: PRINTUSASCII (33..126), others become '_' */
};

void strbuf_init(struct strbuf *sb, char *buf, size_t size);
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append @s (NUL-terminated, at most @max bytes read) escaped as @how, invalid UTF-8 -> U+FFFD. */
void strbuf_add_escaped(struct strbuf *sb, const char *s, size_t max, enum strbuf_escape how);
/* Length, or -ENOSPC on overflow. */
int strbuf_result(const struct strbuf *sb);

#endif
