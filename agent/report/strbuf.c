/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
strbuf_init(struct strbuf *sb, char *buf, size_t size)
{
	sb->buf = buf;
	sb->size = size;
	sb->len = 0;
	sb->overflow = size == 0;
	if (size > 0)
		buf[0] = '\0';
}

void
strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->overflow)
		return;
	if (n >= sb->size - sb->len) {
		sb->overflow = true;
		return;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sb->size - sb->len) {
		sb->overflow = true;
		sb->buf[sb->len] = '\0';
		return;
	}
	sb->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), 0 if invalid. */
static size_t
utf8_valid_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void
add_control(struct strbuf *sb, unsigned char c, enum strbuf_escape how)
{
	switch (how) {
	case STRBUF_JSON:
		if (c == '\n')
			strbuf_adds(sb, "\\n");
		else if (c == '\r')
			strbuf_adds(sb, "\\r");
		else if (c == '\t')
			strbuf_adds(sb, "\\t");
		else
			strbuf_addf(sb, "\\u%04x", c);
		break;
	case STRBUF_CEF_VALUE:
		if (c == '\n')
			strbuf_adds(sb, "\\n");
		else if (c == '\r')
			strbuf_adds(sb, "\\r");
		else
			strbuf_addc(sb, ' ');
		break;
	case STRBUF_SYSLOG_NAME:
		strbuf_addc(sb, '_');
		break;
	case STRBUF_ASCII:
		strbuf_addc(sb, '?');
		break;
	default:
		/* a raw control character could end a record early: make it visible instead */
		strbuf_addc(sb, ' ');
		break;
	}
}

static bool
needs_backslash(unsigned char c, enum strbuf_escape how)
{
	switch (how) {
	case STRBUF_JSON:
		return c == '"' || c == '\\';
	case STRBUF_CEF_HEADER:
		return c == '|' || c == '\\';
	case STRBUF_CEF_VALUE:
		return c == '=' || c == '\\';
	case STRBUF_SD_VALUE:
		return c == '"' || c == '\\' || c == ']';
	default:
		return false;
	}
}

void
strbuf_add_escaped(struct strbuf *sb, const char *s, size_t max, enum strbuf_escape how)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, max);

	for (size_t i = 0; i < n && !sb->overflow;) {
		unsigned char c = p[i];
		size_t len, run = 0;

		/* the common case: a run of printable ASCII that needs no escaping, in one copy */
		while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f &&
		       !needs_backslash(p[i + run], how) &&
		       !(how == STRBUF_SYSLOG_NAME && p[i + run] == ' '))
			run++;
		if (run > 0) {
			strbuf_add(sb, (const char *)p + i, run);
			i += run;
			continue;
		}

		if (c < 0x20 || c == 0x7f) {
			add_control(sb, c, how);
			i++;
			continue;
		}
		if (how == STRBUF_SYSLOG_NAME && (c == ' ' || c >= 0x80)) {
			strbuf_addc(sb, '_');
			i++;
			continue;
		}
		if (c >= 0x80 && how == STRBUF_ASCII) {
			strbuf_addc(sb, '?');
			i++;
			continue;
		}
		len = utf8_valid_len(p + i, n - i);
		if (len == 0) {
			strbuf_adds(sb, "\xef\xbf\xbd"); /* U+FFFD */
			i++;
			continue;
		}
		if (len == 1 && needs_backslash(c, how))
			strbuf_addc(sb, '\\');
		strbuf_add(sb, (const char *)p + i, len);
		i += len;
	}
}

int
strbuf_result(const struct strbuf *sb)
{
	if (sb->overflow)
		return -ENOSPC;
	return (int)sb->len;
}
