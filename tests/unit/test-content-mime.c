/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A mail's text as its reader sees it (agent/content/mime.c): base64 and
 * quoted-printable parts decoded, headers, boundaries and plain parts as
 * sent, in whatever pieces the mail arrives.
 */
#include <stdlib.h>
#include <string.h>

#include "content/mime.h"
#include "tap.h"

struct text {
	char buf[16384];
	size_t n;
};

static bool
collect(const uint8_t *data, size_t len, void *ctx)
{
	struct text *t = ctx;

	if (t->n + len < sizeof(t->buf)) {
		memcpy(t->buf + t->n, data, len);
		t->n += len;
	}
	t->buf[t->n] = '\0';
	return true;
}

/* @mail through a decoder in pieces of @piece bytes (0: whole); the parts decoded. */
static unsigned
decode(const char *mail, size_t piece, struct text *t)
{
	uint64_t parts = 0;
	struct mime_decoder *md = mime_decoder_new(&parts);
	size_t len = strlen(mail);

	memset(t, 0, sizeof(*t));
	if (piece == 0)
		piece = len;
	for (size_t off = 0; off < len; off += piece)
		mime_decoder_feed(md, (const uint8_t *)mail + off,
		                  len - off < piece ? len - off : piece, collect, t);
	mime_decoder_end(md, collect, t);
	mime_decoder_free(md);
	return (unsigned)parts;
}

/* A referral as a mail client writes it: a quoted-printable note, a base64 CSV. */
static const char referral[] = "From: ward7@trust.nhs.uk\r\n"
                               "Subject: list\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed;\r\n"
                               "\tboundary=\"==outer 42\"\r\n"
                               "\r\n"
                               "This is a multi-part message in MIME format.\r\n"
                               "--==outer 42\r\n"
                               "Content-Type: multipart/alternative; boundary=inner\r\n"
                               "\r\n"
                               "--inner\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\n"
                               "Content-Transfer-Encoding: quoted-printable\r\n"
                               "\r\n"
                               "Please see Mrs Smith, NHS no 401 023 21=\r\n"
                               "37, a=3Db =C3=A9t=C3=A9\r\n"
                               "--inner--\r\n"
                               "--==outer 42\r\n"
                               "Content-Type: text/csv; name=list.csv\r\n"
                               "Content-Transfer-Encoding: BASE64\r\n"
                               "Content-Disposition: attachment; filename=list.csv\r\n"
                               "\r\n"
                               "bmFtZSxuaHNfbnVtYmVyLGRvYg0KSmFuZSBTbWl0aCw0MDEgMDIz\r\n"
                               "IDIxMzcsMDEvMDIvMTk2MA0K\r\n"
                               "--==outer 42--\r\n"
                               "epilogue =41 bmFtZQ==\r\n";

static void
test_referral(void)
{
	struct text whole, bytes, odd;
	unsigned parts = decode(referral, 0, &whole);

	tap_eq_int(parts, 2, "two coded parts decoded (quoted-printable, base64)");
	tap_ok(strstr(whole.buf, "NHS no 401 023 2137, a=b \xc3\xa9t\xc3\xa9\r\n") != NULL,
	       "quoted-printable: a soft line break no longer cuts the number; =XX decoded");
	tap_ok(strstr(whole.buf, "name,nhs_number,dob\r\nJane Smith,401 023 2137,01/02/1960\r\n") !=
	               NULL,
	       "base64 across lines: the CSV's text");
	tap_ok(strstr(whole.buf, "bmFtZSxu") == NULL, "the base64 text itself is not passed on");
	tap_ok(strstr(whole.buf, "Subject: list\r\n") != NULL &&
	               strstr(whole.buf, "--==outer 42\r\n") != NULL &&
	               strstr(whole.buf, "Content-Disposition: attachment; filename=list.csv") !=
	                       NULL,
	       "headers and boundaries pass as sent");
	tap_ok(strstr(whole.buf, "epilogue =41 bmFtZQ==\r\n") != NULL,
	       "after the closing boundary: text as sent");
	decode(referral, 1, &bytes);
	decode(referral, 7, &odd);
	tap_ok(bytes.n == whole.n && memcmp(bytes.buf, whole.buf, whole.n) == 0,
	       "byte by byte: the same text");
	tap_ok(odd.n == whole.n && memcmp(odd.buf, whole.buf, whole.n) == 0,
	       "in 7-byte pieces: the same text");
}

static void
test_single_part(void)
{
	struct text t;

	decode("Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	       "TkhTIG5vIDQwMTAyMzIxMzc=\r\n",
	       0, &t);
	tap_ok(strstr(t.buf, "\r\nNHS no 4010232137") != NULL,
	       "a single-part mail in base64 (padding)");
	decode("Subject: x\r\nContent-Transfer-Encoding: 7bit\r\n\r\nNHS no =34010232137\r\n", 0,
	       &t);
	tap_ok(strstr(t.buf, "NHS no =34010232137\r\n") != NULL, "a 7bit mail passes as sent");
	decode("Subject: x\r\n\r\nplain\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n", 0,
	       &t);
	tap_ok(strstr(t.buf, "aGk=") != NULL, "header words in a body are text, not headers");
	/* Unfinished: the last line without its end still goes out. */
	decode("Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nend =3D x", 0, &t);
	tap_ok(strstr(t.buf, "end = x") != NULL && strstr(t.buf, "=3D") == NULL,
	       "a last line without its end is decoded at the end");
}

/* Headers with encoded words (RFC 2047): a non-ASCII subject or name is sent so. */
static void
test_encoded_words(void)
{
	struct text t;

	decode("Subject: re =?UTF-8?Q?Mrs_Siobh=C3=A1n_?= =?utf-8?b?TydOZWlsbA==?= bed 4\r\n"
	       "X-Odd: =?broken =?x?Z?y?= =?UTF-8?Q?ok?=\r\n\r\n=?UTF-8?Q?body?=\r\n",
	       0, &t);
	tap_ok(strstr(t.buf, "Subject: re Mrs Siobh\xc3\xa1n O'Neill bed 4\r\n") != NULL,
	       "encoded words decoded, the blank between two of them dropped");
	tap_ok(strstr(t.buf, "X-Odd: =?broken =?x?Z?y?= ok\r\n") != NULL,
	       "what is not an encoded word stays as sent");
	tap_ok(strstr(t.buf, "\r\n=?UTF-8?Q?body?=\r\n") != NULL,
	       "a body's text is not read as encoded words");
}

static void
test_long_line(void)
{
	static char mail[4096];
	struct text t;
	size_t n;

	n = (size_t)snprintf(mail, sizeof(mail),
	                     "Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	memset(mail + n, 'Q', 1500);
	memcpy(mail + n + 1500, "\r\naGk=\r\n", 9);
	decode(mail, 0, &t);
	tap_ok(strstr(t.buf, "QQQQ") != NULL && strstr(t.buf, "hi") != NULL,
	       "a line longer than any mail line passes as sent; the next is decoded");
}

/* Coded parts only, each announced: how `phiguard scan` reads a saved mail. */
struct named {
	struct text text;
	char names[256];
};

static void
on_part(const char *name, void *ctx)
{
	struct named *nt = ctx;
	size_t n = strlen(nt->names);

	snprintf(nt->names + n, sizeof(nt->names) - n, "[%s]", name);
	collect((const uint8_t *)"|", 1, &nt->text);
}

static bool
collect_named(const uint8_t *data, size_t len, void *ctx)
{
	struct named *nt = ctx;

	return collect(data, len, &nt->text);
}

static void
decode_coded(const char *mail, size_t piece, struct named *nt)
{
	struct mime_decoder *md = mime_decoder_new(NULL);
	size_t len = strlen(mail);

	memset(nt, 0, sizeof(*nt));
	mime_decoder_coded_only(md, on_part);
	for (size_t off = 0; off < len; off += piece)
		mime_decoder_feed(md, (const uint8_t *)mail + off,
		                  len - off < piece ? len - off : piece, collect_named, nt);
	mime_decoder_end(md, collect_named, nt);
	mime_decoder_free(md);
}

static void
test_coded_only(void)
{
	static const char unnamed[] = "Subject: =?utf-8?q?Mrs_Smith?=\r\n"
	                              "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	                              "--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
	                              "--b\r\nContent-Type: text/csv; name=\"a.csv\"\r\n"
	                              "Content-Transfer-Encoding: base64\r\n\r\naGk=\r\n"
	                              "--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
	                              "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	                              "x=3Dy\r\n--b--\r\n";
	struct named whole, bytes;

	decode_coded(referral, 1000, &whole);
	tap_ok(strcmp(whole.names, "[][list.csv]") == 0,
	       "each coded part announced, named by its Content-Disposition filename (%s)",
	       whole.names);
	tap_ok(strcmp(whole.text.buf, "|Please see Mrs Smith, NHS no 401 023 2137, a=b "
	                              "\xc3\xa9t\xc3\xa9\r\n|name,nhs_number,dob\r\n"
	                              "Jane Smith,401 023 2137,01/02/1960\r\n") == 0,
	       "only the coded parts' text goes out: no header, boundary or epilogue");
	decode_coded(referral, 1, &bytes);
	tap_ok(strcmp(bytes.names, whole.names) == 0 && strcmp(bytes.text.buf, whole.text.buf) == 0,
	       "byte by byte: the same parts and text");
	decode_coded(unnamed, 1000, &whole);
	tap_ok(strcmp(whole.names, "[a.csv][]") == 0 && strcmp(whole.text.buf, "|hi|x=y\r\n") == 0,
	       "Content-Type's name when no filename; a part after it starts unnamed (%s %s)",
	       whole.names, whole.text.buf);
}

int
main(void)
{
	test_referral();
	test_coded_only();
	test_single_part();
	test_encoded_words();
	test_long_line();
	return tap_done();
}
