/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HTTP/1.x request heads: a real capture, then table-driven edge cases. */
#include <netinet/in.h>
#include <string.h>

#include "classify-capture.h"
#include "classify/classify.h"
#include "tap.h"

struct http_case {
	const char *name;
	const char *req;
	enum classify_status status;
	const char *method;
	const char *host;
	int64_t content_length;
	bool chunked;
};

static const struct http_case http_cases[] = {
	{ "plain GET", "GET / HTTP/1.1\r\nHost: Web.WhatsApp.com\r\n\r\n", CLASSIFY_DONE, "GET",
	  "web.whatsapp.com", -1, false },
	{ "host with port",
	  "POST /u HTTP/1.1\r\nhost:  upload.example.org:8080 \r\n"
	  "Content-Length: 1234\r\n\r\nbody",
	  CLASSIFY_DONE, "POST", "upload.example.org", 1234, false },
	{ "IPv6 literal", "GET / HTTP/1.0\r\nHost: [2001:DB8::1]:80\r\n\r\n", CLASSIFY_DONE, "GET",
	  "2001:db8::1", -1, false },
	{ "chunked upload",
	  "PUT /f HTTP/1.1\r\nHost: a.b\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", CLASSIFY_DONE,
	  "PUT", "a.b", -1, true },
	{ "bare LF line ends", "GET / HTTP/1.1\nHost: lf.example\n\n", CLASSIFY_DONE, "GET",
	  "lf.example", -1, false },
	{ "CONNECT target", "CONNECT chat.signal.org:443 HTTP/1.1\r\n\r\n", CLASSIFY_DONE,
	  "CONNECT", "chat.signal.org", -1, false },
	{ "head not complete", "GET / HTTP/1.1\r\nHost: slow", CLASSIFY_NEED_MORE, NULL, NULL, -1,
	  false },
	{ "method cut", "PO", CLASSIFY_NEED_MORE, NULL, NULL, -1, false },
	{ "not HTTP", "\x16\x03\x01\x02\x00\x01", CLASSIFY_NOT_THIS, NULL, NULL, -1, false },
	{ "lower-case method", "get / HTTP/1.1\r\n\r\n", CLASSIFY_NOT_THIS, NULL, NULL, -1, false },
	{ "no version", "GET /\r\nHost: x\r\n\r\n", CLASSIFY_NOT_THIS, NULL, NULL, -1, false },
	{ "length overflow",
	  "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
	  CLASSIFY_DONE, "POST", "x", -1, false },
	{ "length not a number", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12a\r\n\r\n",
	  CLASSIFY_DONE, "POST", "x", -1, false },
	{ "host with a bad byte", "GET / HTTP/1.1\r\nHost: ev\x01l.com\r\n\r\n", CLASSIFY_DONE,
	  "GET", "", -1, false },
};

static void
check_capture(void)
{
	char path[4096];
	struct cap_flows fl;
	struct http_request_info info;

	if (cap_path(path, sizeof(path), "http.pcapng") == NULL || cap_read(path, &fl) < 0) {
		tap_ok(true, "# SKIP http.pcapng not available");
		return;
	}
	tap_ok(fl.n >= 1 && fl.flows[0].ip_proto == IPPROTO_TCP, "http.pcapng: one TCP flow");
	tap_eq_int(classify_http_request(fl.flows[0].stream, fl.flows[0].stream_len, &info),
	           CLASSIFY_DONE, "http.pcapng: request parsed");
	tap_eq_str(info.host, "google.com", "http.pcapng: Host");
	tap_eq_str(info.method, "GET", "http.pcapng: method");
	tap_ok(info.header_len == fl.flows[0].stream_len, "http.pcapng: head is the whole request");
	cap_free(&fl);
}

int
main(void)
{
	static char big[20000];
	struct http_request_info info;

	for (size_t i = 0; i < sizeof(http_cases) / sizeof(http_cases[0]); i++) {
		const struct http_case *c = &http_cases[i];
		enum classify_status st =
		        classify_http_request((const uint8_t *)c->req, strlen(c->req), &info);

		tap_eq_int(st, c->status, "%s: status", c->name);
		if (c->status != CLASSIFY_DONE)
			continue;
		tap_eq_str(info.method, c->method, "%s: method", c->name);
		tap_eq_str(info.host, c->host, "%s: host", c->name);
		tap_eq_int(info.content_length, c->content_length, "%s: content length", c->name);
		tap_ok(info.chunked == c->chunked, "%s: chunked", c->name);
	}
	/* A head that never ends is bounded. */
	memcpy(big, "GET / HTTP/1.1\r\n", 16);
	memset(big + 16, 'a', sizeof(big) - 16);
	tap_eq_int(classify_http_request((const uint8_t *)big, sizeof(big), &info),
	           CLASSIFY_NOT_THIS, "endless head is given up at the limit");
	check_capture();
	return tap_done();
}
