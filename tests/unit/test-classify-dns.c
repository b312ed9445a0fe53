/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS responses: real answers with CNAME chains, then hostile messages. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "classify-capture.h"
#include "classify/classify.h"
#include "tap.h"

struct seen {
	unsigned n;
	char name[32][256];
	char addr[32][INET6_ADDRSTRLEN];
	uint32_t ttl[32];
};

static void
on_answer(const char *name, int family, const uint8_t *addr, uint32_t ttl, void *ctx)
{
	struct seen *s = ctx;

	if (s->n == 32)
		return;
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	inet_ntop(family, addr, s->addr[s->n], sizeof(s->addr[0]));
	s->ttl[s->n] = ttl;
	s->n++;
}

/* All answers the capture's DNS responses give for @qname. */
static unsigned
capture_answers(const char *capture, const char *qname, struct seen *out)
{
	char path[4096];
	struct cap_flows fl;
	unsigned responses = 0;

	memset(out, 0, sizeof(*out));
	if (cap_path(path, sizeof(path), capture) == NULL || cap_read(path, &fl) < 0)
		return 0;
	for (size_t i = 0; i < fl.n; i++) {
		for (size_t j = 0; j < fl.flows[i].n_dgrams; j++) {
			struct cap_dgram *d = &fl.flows[i].dgrams[j];
			struct seen s = { 0 };

			if (fl.flows[i].ip_proto != IPPROTO_UDP ||
			    classify_dns_response(d->data, d->len, on_answer, &s) != CLASSIFY_DONE)
				continue;
			responses++;
			for (unsigned k = 0; k < s.n && out->n < 32; k++) {
				if (strcmp(s.name[k], qname) != 0)
					continue;
				memcpy(out->name[out->n], s.name[k], sizeof(s.name[k]));
				memcpy(out->addr[out->n], s.addr[k], sizeof(s.addr[k]));
				out->ttl[out->n++] = s.ttl[k];
			}
		}
	}
	cap_free(&fl);
	return responses;
}

static void
check_captures(void)
{
	struct seen s;
	char path[4096];

	if (cap_path(path, sizeof(path), "dns.pcap") == NULL) {
		tap_ok(true, "# SKIP captures not available");
		return;
	}
	tap_ok(capture_answers("dns.pcap", "e7.whatsapp.net", &s) > 0, "dns.pcap: responses");
	tap_eq_int(s.n, 8, "dns.pcap: e7.whatsapp.net (QinQ + PPPoE) has all 8 addresses");
	/* media.cdn.viber.com is answered through a CNAME chain: addresses map to the question. */
	capture_answers("viber.pcap", "media.cdn.viber.com", &s);
	tap_ok(s.n >= 1, "viber.pcap: media.cdn.viber.com addresses through CNAMEs: %u", s.n);
	capture_answers("viber.pcap", "dl-media.viber.com", &s);
	tap_ok(s.n >= 1, "viber.pcap: dl-media.viber.com addresses through CNAMEs: %u", s.n);
	capture_answers("teams.pcap", "config.teams.microsoft.com", &s);
	tap_ok(s.n >= 1, "teams.pcap: config.teams.microsoft.com addresses: %u", s.n);
	capture_answers("wechat.pcap", "web.wechat.com", &s);
	tap_ok(s.n >= 1, "wechat.pcap: web.wechat.com addresses: %u", s.n);
}

/* Build a response: header + question "a.example" + the given answer bytes. */
static size_t
build(uint8_t *buf, uint16_t ancount, const uint8_t *answers, size_t alen)
{
	static const uint8_t head[] = {
		0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 'a',
		0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',  0x00, 0x00, 0x01, 0x00, 0x01,
	};

	memcpy(buf, head, sizeof(head));
	buf[6] = (uint8_t)(ancount >> 8);
	buf[7] = (uint8_t)ancount;
	memcpy(buf + sizeof(head), answers, alen);
	return sizeof(head) + alen;
}

static void
check_synthetic(void)
{
	uint8_t buf[512];
	struct seen s;
	size_t n;
	/* a.example CNAME b.example (b is written at offset 39..), b.example A 192.0.2.7 */
	static const uint8_t chain[] = {
		0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00,
		0x04, 0x01, 'b',  0xc0, 0x0e, 0xc0, 0x27, 0x00, 0x01, 0x00, 0x01,
		0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 192,  0,    2,    7,
	};
	/* An A record for an unrelated name must not be credited to the question. */
	static const uint8_t unrelated[] = {
		0x01, 'z',  0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00,
		0x04, 198,  51,   100,  1,    0xc0, 0x0c, 0x00, 0x1c, 0x00, 0x01, 0x00,
		0x00, 0x00, 0x3c, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,
		0,    0,    0,    0,    0,    0,    0,    0,    1,
	};
	/* A pointer to itself: the hop limit ends it. */
	static const uint8_t loop[] = {
		0xc0, 0x1b, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 1, 2, 3, 4,
	};
	/* CNAME loop a -> b -> a, plus an A for b. */
	static const uint8_t cname_loop[] = {
		0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,
		0x01, 'b',  0xc0, 0x0e, 0xc0, 0x27, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00,
		0x00, 0x3c, 0x00, 0x02, 0xc0, 0x0c, 0xc0, 0x27, 0x00, 0x01, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 10,   0,    0,    1,
	};
	/* rdlength past the end. */
	static const uint8_t overrun[] = {
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x40, 1, 2, 3, 4,
	};

	memset(&s, 0, sizeof(s));
	n = build(buf, 2, chain, sizeof(chain));
	tap_eq_int(classify_dns_response(buf, n, on_answer, &s), CLASSIFY_DONE, "CNAME chain");
	tap_eq_int(s.n, 1, "one address");
	tap_eq_str(s.name[0], "a.example", "credited to the question, not the CNAME target");
	tap_eq_str(s.addr[0], "192.0.2.7", "address");
	tap_eq_int(s.ttl[0], 300, "TTL of the A record");

	memset(&s, 0, sizeof(s));
	n = build(buf, 2, unrelated, sizeof(unrelated));
	tap_eq_int(classify_dns_response(buf, n, on_answer, &s), CLASSIFY_DONE, "unrelated record");
	tap_eq_int(s.n, 1, "only the AAAA of the question");
	tap_eq_str(s.addr[0], "2001:db8::1", "AAAA address");

	memset(&s, 0, sizeof(s));
	n = build(buf, 1, loop, sizeof(loop));
	tap_eq_int(classify_dns_response(buf, n, on_answer, &s), CLASSIFY_NOT_THIS,
	           "compression pointer loop is malformed");
	tap_eq_int(s.n, 0, "nothing learned from a loop");

	memset(&s, 0, sizeof(s));
	n = build(buf, 3, cname_loop, sizeof(cname_loop));
	tap_eq_int(classify_dns_response(buf, n, on_answer, &s), CLASSIFY_DONE, "CNAME loop");
	tap_eq_int(s.n, 1, "address in a CNAME loop still tied to the question");

	memset(&s, 0, sizeof(s));
	n = build(buf, 1, overrun, sizeof(overrun));
	tap_eq_int(classify_dns_response(buf, n, on_answer, &s), CLASSIFY_NOT_THIS,
	           "rdlength overrun");

	n = build(buf, 1, chain, sizeof(chain));
	buf[2] = 0x01; /* a query, not a response */
	tap_eq_int(classify_dns_response(buf, n, on_answer, &s), CLASSIFY_NOT_THIS, "query");
	buf[2] = 0x81;
	buf[3] = 0x83; /* NXDOMAIN */
	memset(&s, 0, sizeof(s));
	tap_eq_int(classify_dns_response(buf, n, on_answer, &s), CLASSIFY_DONE, "NXDOMAIN");
	tap_eq_int(s.n, 0, "NXDOMAIN teaches nothing");
	tap_eq_int(classify_dns_response(buf, 5, on_answer, &s), CLASSIFY_NOT_THIS, "truncated");
}

static void
check_query(void)
{
	static const uint8_t q[] = {
		0x78, 0x43, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x02, 'E',  '7',  0x08, 'w',  'h',  'a',  't',  's',  'a',
		'p',  'p',  0x03, 'n',  'e',  't',  0x00, 0x00, 0x01, 0x00, 0x01,
	};
	uint8_t bad[sizeof(q)];
	char name[256];

	tap_eq_int(classify_dns_query(q, sizeof(q), name, sizeof(name)), CLASSIFY_DONE,
	           "query name");
	tap_eq_str(name, "e7.whatsapp.net", "query name lower case");
	tap_eq_int(classify_dns_query(q, 20, name, sizeof(name)), CLASSIFY_NOT_THIS, "cut name");
	memcpy(bad, q, sizeof(q));
	bad[13] = ' ';
	tap_eq_int(classify_dns_query(bad, sizeof(bad), name, sizeof(name)), CLASSIFY_NOT_THIS,
	           "space in a label");
	tap_eq_str(name, "", "no name on error");
}

int
main(void)
{
	check_query();
	check_captures();
	check_synthetic();
	return tap_done();
}
