/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SMTP, client side: the greeting that names the protocol, and the commands the pipeline watches. */
#include <string.h>

#include "classify/classify.h"
#include "tap.h"

struct greeting_case {
	const char *name;
	const char *bytes;
	size_t len; /* 0: strlen */
	enum classify_status status;
};

static const struct greeting_case greeting_cases[] = {
	{ "EHLO with CRLF", "EHLO ws042.trust.nhs.uk\r\n", 0, CLASSIFY_DONE },
	{ "HELO with LF only", "HELO mailer\n", 0, CLASSIFY_DONE },
	{ "LMTP's LHLO", "LHLO relay.example\r\n", 0, CLASSIFY_DONE },
	{ "lower case", "ehlo [10.1.2.3]\r\n", 0, CLASSIFY_DONE },
	{ "pipelined commands after it", "EHLO a\r\nMAIL FROM:<x@y>\r\n", 0, CLASSIFY_DONE },
	{ "verb cut", "EH", 0, CLASSIFY_NEED_MORE },
	{ "verb complete, name cut", "EHLO ws0", 0, CLASSIFY_NEED_MORE },
	{ "CR without its LF yet", "EHLO ws0\r", 0, CLASSIFY_NEED_MORE },
	{ "no name", "EHLO \r\n", 0, CLASSIFY_NOT_THIS },
	{ "space in the name", "EHLO a b\r\n", 0, CLASSIFY_NOT_THIS },
	{ "NUL where the space goes", "EHLO\0x\r\n", 8, CLASSIFY_NOT_THIS },
	{ "control byte in the name", "HELO a\x01\r\n", 0, CLASSIFY_NOT_THIS },
	{ "HTTP", "HEAD / HTTP/1.1\r\n", 0, CLASSIFY_NOT_THIS },
	{ "TLS", "\x16\x03\x01\x02\x00\x01", 6, CLASSIFY_NOT_THIS },
	{ "a server's banner is not a client", "220 mx.example ESMTP\r\n", 0, CLASSIFY_NOT_THIS },
	{ "nothing", "", 0, CLASSIFY_NEED_MORE },
};

struct command_case {
	const char *line;
	enum classify_smtp_command command;
};

static const struct command_case command_cases[] = {
	{ "STARTTLS\r", CLASSIFY_SMTP_STARTTLS },  { "starttls", CLASSIFY_SMTP_STARTTLS },
	{ "STARTTLS now\r", CLASSIFY_SMTP_OTHER }, { "MAIL FROM:<a@b>\r", CLASSIFY_SMTP_MAIL },
	{ "mail from:<a@b>", CLASSIFY_SMTP_MAIL }, { "MAILX", CLASSIFY_SMTP_OTHER },
	{ "EHLO a\r", CLASSIFY_SMTP_OTHER },       { "", CLASSIFY_SMTP_OTHER },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(greeting_cases) / sizeof(greeting_cases[0]); i++) {
		const struct greeting_case *c = &greeting_cases[i];
		size_t len = c->len ? c->len : strlen(c->bytes);

		tap_eq_int(classify_smtp_greeting((const uint8_t *)c->bytes, len), c->status,
		           "greeting: %s", c->name);
	}
	{
		/* A line longer than RFC 5321 allows is not a greeting, however it goes on. */
		uint8_t line[600];

		memcpy(line, "EHLO ", 5);
		memset(line + 5, 'a', sizeof(line) - 5);
		tap_eq_int(classify_smtp_greeting(line, 511), CLASSIFY_NEED_MORE,
		           "greeting: 511 bytes without an end may still be one");
		tap_eq_int(classify_smtp_greeting(line, sizeof(line)), CLASSIFY_NOT_THIS,
		           "greeting: 600 bytes without an end is not");
	}
	for (size_t i = 0; i < sizeof(command_cases) / sizeof(command_cases[0]); i++) {
		const struct command_case *c = &command_cases[i];

		tap_eq_int(classify_smtp_command((const uint8_t *)c->line, strlen(c->line)),
		           c->command, "command: '%s'", c->line);
	}
	return tap_done();
}
