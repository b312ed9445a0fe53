/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SMTP and LMTP, client side (RFC 5321, RFC 2033): the greeting and the commands that matter. */
#include "classify/classify.h"

#include <string.h>
#include <strings.h>

#include "base/macro.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 bytes, CRLF included. */
#define SMTP_LINE_MAX 512

static const char *const smtp_greetings[] = { "EHLO ", "HELO ", "LHLO " };

/*
 * @n bytes of @p against the start of @word, ignoring ASCII case (a NUL in
 * @p differs from every letter of @word).
 */
static bool
smtp_prefix(const uint8_t *p, size_t n, const char *word)
{
	return n <= strlen(word) && strncasecmp((const char *)p, word, n) == 0;
}

enum classify_status
classify_smtp_greeting(const uint8_t *data, size_t len)
{
	size_t i, n = MIN(len, (size_t)5), end = MIN(len, (size_t)SMTP_LINE_MAX);
	bool known = false;

	for (i = 0; i < ARRAY_SIZE(smtp_greetings) && !known; i++)
		known = smtp_prefix(data, n, smtp_greetings[i]);
	if (!known)
		return CLASSIFY_NOT_THIS;
	if (len < 5)
		return CLASSIFY_NEED_MORE;
	/* The client's name: a domain or an address literal, printable, no space. */
	for (i = 5; i < end; i++) {
		uint8_t c = data[i];

		if (c == '\r' && i + 1 == len)
			return CLASSIFY_NEED_MORE; /* its LF is in the next segment */
		if (c == '\n' || (c == '\r' && data[i + 1] == '\n'))
			return i > 5 ? CLASSIFY_DONE : CLASSIFY_NOT_THIS;
		if (c < 0x21 || c > 0x7e)
			return CLASSIFY_NOT_THIS;
	}
	return len < SMTP_LINE_MAX ? CLASSIFY_NEED_MORE : CLASSIFY_NOT_THIS;
}

enum classify_smtp_command
classify_smtp_command(const uint8_t *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 8 && smtp_prefix(line, 8, "STARTTLS"))
		return CLASSIFY_SMTP_STARTTLS;
	if (len >= 5 && smtp_prefix(line, 5, "MAIL "))
		return CLASSIFY_SMTP_MAIL;
	if (len == 4 && smtp_prefix(line, 4, "DATA"))
		return CLASSIFY_SMTP_DATA;
	if (len >= 5 && smtp_prefix(line, 5, "BDAT "))
		return CLASSIFY_SMTP_BDAT;
	if (len == 4 && smtp_prefix(line, 4, "RSET"))
		return CLASSIFY_SMTP_RSET;
	return CLASSIFY_SMTP_OTHER;
}
