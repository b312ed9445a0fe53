/* SPDX-License-Identifier: GPL-2.0-or-later */
/* TLS ClientHello: SNI, ALPN, ECH from real captures, split across segments and records. */
#include <netinet/in.h>
#include <string.h>

#include "classify-capture.h"
#include "classify/classify.h"
#include "tap.h"

struct tls_case {
	const char *capture;
	const char *sni;  /* the flow whose ClientHello carries this SNI must exist */
	const char *alpn; /* NULL: not checked */
	int ech;          /* 1 present, 0 absent, -1 not checked (GREASE ECH) */
};

static const struct tls_case tls_cases[] = {
	{ "tls_1.3_unidirectional_client.pcapng", "www.google.com", "http/1.1", 0 },
	{ "tls_2_reasms.pcapng", "i.instagram.com", NULL, 0 },
	{ "tls_ech.pcapng", "performance.radar.cloudflare.com", NULL, 1 },
	{ "tls_esni_sni_both.pcap", NULL, NULL, 1 },
	{ "whatsappfiles.pcap", "mmg-fna.whatsapp.net", NULL, 0 },
	{ "signal.pcap", "textsecure-service.whispersystems.org", NULL, 0 },
	{ "signal.pcap", "cdn.signal.org", NULL, 0 },
	{ "sites.pcapng", "t.me", NULL, -1 },
	{ "sites.pcapng", "web.telegram.org", NULL, -1 },
	{ "sites.pcapng", "edge-mqtt.facebook.com", NULL, -1 },
	{ "sites.pcapng", "teams.office.com", NULL, -1 },
	{ "teams.pcap", "teams.microsoft.com", "h2", -1 },
	{ "teams.pcap", "eu-api.asm.skype.com", "h2", -1 },
	{ "discord.pcap", "discord.com", NULL, -1 },
	{ "snapchat.pcap", "feelinsonice-hrd.appspot.com", NULL, 0 },
	{ "wechat.pcap", "web.wechat.com", NULL, 0 },
	{ "line.pcap", "uts-front.line-apps.com", NULL, -1 },
	{ "viber.pcap", "dl-media.viber.com", NULL, 0 },
};

static void
check_case(const struct tls_case *tc)
{
	char path[4096];
	struct cap_flows fl;
	bool found = false, need_more_seen = false;
	size_t i;

	if (cap_path(path, sizeof(path), tc->capture) == NULL || cap_read(path, &fl) < 0) {
		tap_ok(true, "# SKIP %s: capture not available", tc->capture);
		return;
	}
	for (i = 0; i < fl.n && !found; i++) {
		struct cap_flow *f = &fl.flows[i];
		struct tls_hello_info info;
		enum classify_status st;

		if (f->ip_proto != IPPROTO_TCP || f->stream_len == 0)
			continue;
		st = classify_tls_client_hello(f->stream, f->stream_len, &info);
		if (st != CLASSIFY_DONE)
			continue;
		if (tc->sni != NULL ? strcmp(info.sni, tc->sni) != 0 : !info.ech)
			continue;
		found = true;
		if (tc->alpn != NULL)
			tap_eq_str(info.alpn, tc->alpn, "%s: ALPN of %s", tc->capture, info.sni);
		if (tc->ech >= 0)
			tap_ok(info.ech == (tc->ech == 1), "%s: %s ECH %s", tc->capture, info.sni,
			       tc->ech ? "present" : "absent");
		tap_ok(info.version >= 0x0301 && info.version <= 0x0304, "%s: version %04x",
		       tc->capture, info.version);
		/* Every shorter prefix of the stream must ask for more, never misparse. */
		for (size_t n = 0; n < f->stream_len; n++) {
			struct tls_hello_info part;

			st = classify_tls_client_hello(f->stream, n, &part);
			if (st == CLASSIFY_DONE)
				break;
			if (st == CLASSIFY_NOT_THIS) {
				need_more_seen = false;
				break;
			}
			need_more_seen = true;
		}
		tap_ok(need_more_seen, "%s: every cut of the ClientHello needs more", tc->capture);
	}
	tap_ok(found, "%s: ClientHello with SNI '%s'", tc->capture, tc->sni ? tc->sni : "(ECH)");
	cap_free(&fl);
}

/* A ClientHello split over two TLS records (legal, rare, used to dodge DPI). */
static void
check_record_split(void)
{
	static const uint8_t hello[] = {
		0x01,
		0x00,
		0x00,
		0x3a,
		0x03,
		0x03,
		/* random */
		1,
		2,
		3,
		4,
		5,
		6,
		7,
		8,
		9,
		10,
		11,
		12,
		13,
		14,
		15,
		16,
		17,
		18,
		19,
		20,
		21,
		22,
		23,
		24,
		25,
		26,
		27,
		28,
		29,
		30,
		31,
		32,
		0x00, /* session id */
		0x00,
		0x02,
		0x13,
		0x01, /* cipher suites */
		0x01,
		0x00, /* compression */
		0x00,
		0x0f, /* extensions */
		0x00,
		0x00,
		0x00,
		0x0b,
		0x00,
		0x09,
		0x00,
		0x00,
		0x06,
		'C',
		'h',
		'a',
		't',
		'.',
		'X',
	};
	uint8_t buf[sizeof(hello) + 10];
	struct tls_hello_info info;
	size_t cut = 20;

	buf[0] = 0x16, buf[1] = 0x03, buf[2] = 0x01, buf[3] = 0, buf[4] = (uint8_t)cut;
	memcpy(buf + 5, hello, cut);
	buf[5 + cut] = 0x16, buf[6 + cut] = 0x03, buf[7 + cut] = 0x01, buf[8 + cut] = 0;
	buf[9 + cut] = (uint8_t)(sizeof(hello) - cut);
	memcpy(buf + 10 + cut, hello + cut, sizeof(hello) - cut);
	tap_eq_int(classify_tls_client_hello(buf, sizeof(buf), &info), CLASSIFY_DONE,
	           "ClientHello over two records");
	tap_eq_str(info.sni, "chat.x", "SNI lower-cased across records");
	tap_eq_int(classify_tls_client_hello(buf, 5 + cut + 3, &info), CLASSIFY_NEED_MORE,
	           "second record header cut");

	/* A bad SNI byte: the name is dropped, the hello still parses. */
	buf[sizeof(buf) - 2] = 0x00;
	tap_eq_int(classify_tls_client_hello(buf, sizeof(buf), &info), CLASSIFY_DONE,
	           "hello with NUL in SNI parses");
	tap_eq_str(info.sni, "", "NUL in SNI: no name");
	/* An extension length running past the hello. */
	buf[10 + cut + (44 - cut) + 1] = 0x40;
	tap_eq_int(classify_tls_client_hello(buf, sizeof(buf), &info), CLASSIFY_NOT_THIS,
	           "extension list overrun is malformed");
}

static void
check_not_tls(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x00, 0x10, 0x00 };
	static const uint8_t huge[] = { 0x16, 0x03, 0x01, 0x48, 0x01, 0x01, 0x00, 0xff, 0xff };
	struct tls_hello_info info;

	tap_eq_int(classify_tls_client_hello(http, sizeof(http) - 1, &info), CLASSIFY_NOT_THIS,
	           "HTTP is not TLS");
	tap_eq_int(classify_tls_client_hello(appdata, sizeof(appdata), &info), CLASSIFY_NOT_THIS,
	           "application data record is not a ClientHello");
	tap_eq_int(classify_tls_client_hello(huge, sizeof(huge), &info), CLASSIFY_NOT_THIS,
	           "record longer than the TLS limit");
	tap_eq_int(classify_tls_client_hello(http, 0, &info), CLASSIFY_NEED_MORE, "empty stream");
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(tls_cases) / sizeof(tls_cases[0]); i++)
		check_case(&tls_cases[i]);
	check_record_split();
	check_not_tls();
	return tap_done();
}
