/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Messages through the pipeline. A server acts on an HTTP request or a
 * mail once it is whole, so a value in its last bytes must be decided
 * before the packet that completes it is let go: a JSON body that ends
 * right after an NHS number is blocked on that packet. A session that
 * opens with EHLO is SMTP (a `protocol: smtp` rule can fire); its message
 * ends at <CRLF>.<CRLF>; a STARTTLS before the first MAIL ends the scan
 * (what follows is ciphertext), a "STARTTLS" line inside a message does not.
 * Without framing, a block decided only as the flow ends is reported as
 * the flag it was.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "tap.h"
#include "test-decode-build.h"

static const char policy_text[] = "version: messages-test-1\n"
                                  "settings: {evidence: redacted, default_action: allow}\n"
                                  "rules:\n"
                                  "  - name: block-phi-in-mail\n"
                                  "    when:\n"
                                  "      protocol: smtp\n"
                                  "      findings: {detector: nhs_number, min_confidence: high}\n"
                                  "    action: block\n"
                                  "  - name: block-phi-over-http\n"
                                  "    when:\n"
                                  "      protocol: http\n"
                                  "      findings: {detector: nhs_number, min_confidence: high}\n"
                                  "    action: block\n";

/* Patient data a message might carry: a labelled NHS number (a published test vector). */
static const char phi_line[] = "Patient NHS no 401 023 2137\r\n";

struct session {
	struct pipeline *p;
	uint16_t sport, dport;
	uint32_t seq;
	int64_t ts;
	struct pipeline_result res;
};

/* The client's next segment to 203.0.113.25 (NULL: the SYN). */
static enum pipeline_action
say(struct session *s, const char *text)
{
	struct pkt_meta meta = { .outbound = true };
	uint8_t buf[1024];
	size_t len = text ? strlen(text) : 0, l4;
	uint8_t flags = text ? DECODE_TCP_ACK | DECODE_TCP_PSH : DECODE_TCP_SYN;

	meta.ts_us = s->ts += 1000;
	l4 = build_tcp(buf + 20, s->sport, s->dport, s->seq, 0, flags, text, len);
	pipeline_packet(s->p, buf, build_ipv4(buf, 0x0a000002, 0xcb007119, IPPROTO_TCP, l4), &meta,
	                &s->res);
	s->seq += text ? (uint32_t)len : 1;
	return s->res.action;
}

struct alerts {
	unsigned n;
	enum phiguard_verdict last;
	char reason[128];
	uint32_t decoded; /* the last alert's findings: what was decoded to read them */
};

/* The alerts of the pipeline the HTTP and SMTP checks share. */
static struct alerts shared_alerts;

static void
on_event(const struct phiguard_event *ev, void *ctx)
{
	struct alerts *a = ctx;

	if (ev->kind != PHIGUARD_EVENT_ALERT)
		return;
	a->n++;
	a->last = ev->verdict;
	a->decoded = 0;
	for (uint32_t i = 0; i < ev->n_findings && i < PHIGUARD_EVENT_MAX_FINDINGS; i++)
		a->decoded |= ev->findings[i].decoded;
	snprintf(a->reason, sizeof(a->reason), "%s", ev->reason);
}

static uint64_t
scanned(struct pipeline *p)
{
	struct pipeline_counters c;

	pipeline_get_counters(p, &c);
	return c.bytes_scanned;
}

static void
http_messages(struct pipeline *p)
{
	static const char json[] = "{\"patient\":{\"nhs\":\"4010232137\"}}";
	static const char clean[] = "{\"order\":{\"gloves\":40}}";
	char req[512];
	struct session s = { .p = p, .sport = 43001, .dport = 80, .seq = 100, .ts = 1000000 };

	snprintf(req, sizeof(req),
	         "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\nContent-Type: "
	         "application/json\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(json), json);
	say(&s, NULL);
	tap_eq_int(say(&s, req), PIPELINE_BLOCK,
	           "HTTP: a JSON body ending in an NHS number is blocked on the packet that "
	           "completes it");

	/* Keep-alive: the first request is clean, the second completes in two segments. */
	s = (struct session){ .p = p, .sport = 43002, .dport = 80, .seq = 100, .ts = 2000000 };
	snprintf(
	        req, sizeof(req),
	        "POST /api/orders HTTP/1.1\r\nHost: notes.example\r\nContent-Length: %zu\r\n\r\n%s",
	        strlen(clean), clean);
	say(&s, NULL);
	tap_eq_int(say(&s, req), PIPELINE_INSPECT, "HTTP: a clean request passes, still inspected");
	snprintf(req, sizeof(req),
	         "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\nContent-Length: %zu\r\n\r\n",
	         strlen(json));
	tap_eq_int(say(&s, req), PIPELINE_INSPECT, "HTTP: the next request's head passes");
	tap_eq_int(say(&s, json), PIPELINE_BLOCK,
	           "HTTP: its body, ending in an NHS number, is blocked");

	/* Chunked: the request ends with its last chunk and trailer. */
	s = (struct session){ .p = p, .sport = 43004, .dport = 80, .seq = 100, .ts = 4000000 };
	say(&s, NULL);
	snprintf(req, sizeof(req),
	         "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\nTransfer-Encoding: "
	         "chunked\r\n\r\n%zx;note=x\r\n%s\r\n",
	         strlen(json), json);
	tap_eq_int(say(&s, req), PIPELINE_INSPECT, "HTTP chunked: a chunk ending in an NHS number");
	tap_eq_int(say(&s, "0\r\nX-Trailer: 1\r\n\r\n"), PIPELINE_BLOCK,
	           "HTTP chunked: blocked with the last chunk, which completes the request");
	s = (struct session){ .p = p, .sport = 43005, .dport = 80, .seq = 100, .ts = 4500000 };
	say(&s, NULL);
	snprintf(req, sizeof(req),
	         "POST /api/orders HTTP/1.1\r\nHost: notes.example\r\nTransfer-Encoding: "
	         "chunked\r\n\r\n%zx\r\n%s\r\n0\r\n\r\n",
	         strlen(clean), clean);
	tap_eq_int(say(&s, req), PIPELINE_INSPECT, "HTTP chunked: a clean request passes");
	snprintf(req, sizeof(req),
	         "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\nContent-Length: %zu\r\n\r\n%s",
	         strlen(json), json);
	tap_eq_int(say(&s, req), PIPELINE_BLOCK,
	           "HTTP: after it, a counted request ending in an NHS number is blocked");

	/* Keep-alive with the next head split across segments: followed line by line. */
	s = (struct session){ .p = p, .sport = 43006, .dport = 80, .seq = 100, .ts = 4700000 };
	say(&s, NULL);
	snprintf(
	        req, sizeof(req),
	        "POST /api/orders HTTP/1.1\r\nHost: notes.example\r\nContent-Length: %zu\r\n\r\n%s",
	        strlen(clean), clean);
	say(&s, req);
	tap_eq_int(say(&s, "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\nCont"),
	           PIPELINE_INSPECT, "HTTP: half of the next head");
	snprintf(req, sizeof(req), "ent-length:  %zu\r\nX-A: b\r\n\r\n", strlen(json));
	tap_eq_int(say(&s, req), PIPELINE_INSPECT, "HTTP: the rest of it");
	tap_eq_int(say(&s, json), PIPELINE_BLOCK,
	           "HTTP: its body, ending in an NHS number, is blocked (split head followed)");
	s = (struct session){ .p = p, .sport = 43007, .dport = 80, .seq = 100, .ts = 4800000 };
	say(&s, NULL);
	say(&s, "GET / HTTP/1.1\r\nHost: notes.example\r\n\r\n");
	say(&s, "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\nTransfer-");
	snprintf(req, sizeof(req), "Encoding: chunked\r\n\r\n%zx\r\n%s\r\n", strlen(json), json);
	tap_eq_int(say(&s, req), PIPELINE_INSPECT, "HTTP: a split chunked head and its chunk");
	tap_eq_int(say(&s, "0\r\n\r\n"), PIPELINE_BLOCK, "HTTP: blocked with its last chunk");

	/* A head is a whole message: an identifier in its last header. */
	s = (struct session){ .p = p, .sport = 43003, .dport = 80, .seq = 100, .ts = 3000000 };
	say(&s, NULL);
	tap_eq_int(say(&s, "GET /lookup HTTP/1.1\r\nHost: notes.example\r\n"
	                   "X-Subject: NHS no 4010232137\r\n\r\n"),
	           PIPELINE_BLOCK, "HTTP: a GET whose head ends in an NHS number is blocked");
}

static void
smtp_messages(struct pipeline *p)
{
	uint64_t before;
	struct session s = { .p = p, .sport = 42001, .dport = 25, .seq = 100, .ts = 5000000 };

	say(&s, NULL);
	tap_eq_int(say(&s, "EH"), PIPELINE_ACCEPT, "SMTP: half a greeting: not decided yet");
	tap_eq_int(say(&s, "LO ws042.trust.nhs.uk\r\n"), PIPELINE_INSPECT,
	           "SMTP: EHLO: cleartext mail, inspected for the smtp rule");
	say(&s, "MAIL FROM:<ward7@trust.nhs.uk>\r\nRCPT TO:<someone@mail.example>\r\nDATA\r\n");
	say(&s, "Subject: bed 4\r\n\r\n");
	say(&s, phi_line);
	tap_eq_int(say(&s, ".\r\n"), PIPELINE_BLOCK,
	           "SMTP: the end of a message with an NHS number in it is blocked (the server "
	           "never accepts the mail)");

	s = (struct session){ .p = p, .sport = 42002, .dport = 25, .seq = 100, .ts = 6000000 };
	say(&s, NULL);
	say(&s, "EHLO ws042\r\n");
	tap_eq_int(say(&s, "STARTTLS\r\n"), PIPELINE_BYPASS,
	           "SMTP: STARTTLS before MAIL: no longer scanned, the kernel carries it");
	before = scanned(p);
	say(&s, phi_line);
	tap_eq_int(scanned(p), before, "SMTP: nothing after STARTTLS is scanned");
	tap_ok(s.res.action != PIPELINE_BLOCK, "SMTP: nor blocked on bytes that would be TLS");

	s = (struct session){ .p = p, .sport = 42003, .dport = 25, .seq = 100, .ts = 7000000 };
	say(&s, NULL);
	say(&s, "EHLO ws042\r\nMAIL FROM:<a@trust.nhs.uk>\r\n");
	say(&s, "RCPT TO:<b@mail.example>\r\nDATA\r\n");
	tap_eq_int(say(&s, "STARTTLS\r\n"), PIPELINE_INSPECT,
	           "SMTP: a STARTTLS line inside a message is text: still scanned");
	tap_eq_int(say(&s, "Subject: x\r\n\r\nclean text\r\n.\r\n"), PIPELINE_INSPECT,
	           "SMTP: a clean message ends and passes");
	say(&s, "MAIL FROM:<a@trust.nhs.uk>\r\nRCPT TO:<b@mail.example>\r\nDATA\r\n");
	tap_eq_int(say(&s, "Subject: y\r\n\r\nPatient NHS no 401 023 2137\r\n.\r\n"),
	           PIPELINE_BLOCK,
	           "SMTP: the second mail of the session, with an NHS number, is blocked");
	tap_eq_int((int)shared_alerts.decoded, 0,
	           "SMTP: a plain mail's alert says nothing was decoded");

	/*
	 * MIME: an NHS number that only the decoded text shows, in a base64
	 * CSV attachment or cut by a quoted-printable soft line break.
	 */
	{
		static const char *const coded[] = {
			"Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\n"
			"Content-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n\r\n"
			"bmFtZSxuaHNfbnVtYmVyLGRvYg0KSmFuZSBTbWl0aCw0MDEgMDIz\r\n"
			"IDIxMzcsMDEvMDIvMTk2MA0K\r\n--b1--\r\n",
			"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n"
			"\r\nPlease see Mrs Smith, NHS no 401 023 21=\r\n37 today\r\n",
		};

		for (size_t i = 0; i < 2; i++) {
			s = (struct session){ .p = p,
				              .sport = (uint16_t)(42010 + i),
				              .dport = 25,
				              .seq = 100,
				              .ts = 7500000 + (int64_t)i * 100000 };
			say(&s, NULL);
			say(&s, "EHLO ws042\r\nMAIL FROM:<a@trust.nhs.uk>\r\n"
			        "RCPT TO:<b@mail.example>\r\nDATA\r\n");
			say(&s, "Subject: list\r\nMIME-Version: 1.0\r\n");
			tap_eq_int(say(&s, coded[i]), PIPELINE_INSPECT,
			           "SMTP MIME %s: the part itself passes (the mail goes on)",
			           i ? "quoted-printable" : "base64");
			tap_eq_int(
			        say(&s, ".\r\n"), PIPELINE_BLOCK,
			        "SMTP MIME %s: an NHS number only the decoded text shows is blocked "
			        "at the end of the mail",
			        i ? "quoted-printable" : "base64");
			tap_eq_int((int)shared_alerts.decoded, PHIGUARD_DECODED_MIME,
			           "SMTP MIME %s: the alert says the value was in a coded part",
			           i ? "quoted-printable" : "base64");
		}
		s = (struct session){
			.p = p, .sport = 42012, .dport = 25, .seq = 100, .ts = 7800000
		};
		say(&s, NULL);
		say(&s, "EHLO ws042\r\nMAIL FROM:<a@trust.nhs.uk>\r\nRCPT TO:<b@mail.example>\r\n"
		        "DATA\r\n");
		tap_eq_int(say(&s, "Subject: order\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		                   "aXRlbSxjb3VudA0KZ2xvdmVzLDQwDQphcHJvbnMsMTINCg==\r\n.\r\n"),
		           PIPELINE_INSPECT, "SMTP MIME: a clean base64 mail passes");
	}

	s = (struct session){ .p = p, .sport = 42004, .dport = 25, .seq = 100, .ts = 8000000 };
	say(&s, NULL);
	tap_ok(say(&s, "220 not a client greeting\r\n") != PIPELINE_INSPECT,
	       "bytes that are not a greeting are not SMTP (no rule wants their content)");
}

int
main(void)
{
	struct policy *policy = NULL;
	struct phiguard_error err;
	struct pipeline_config cfg;
	struct pipeline *p;

	tap_eq_int(policy_load_buffer(policy_text, strlen(policy_text), "messages-test.yaml",
	                              &policy, &err),
	           0, "policy with protocol: smtp and http rules loads");
	pipeline_config_defaults(&cfg);
	p = pipeline_new(&cfg, policy, on_event, &shared_alerts);
	tap_ok(p != NULL, "pipeline created");
	http_messages(p);
	smtp_messages(p);
	pipeline_free(p);

	/*
	 * No framing: a value in a stream's last bytes is decided when the flow
	 * ends, after they left. The alert must not claim a block.
	 */
	{
		static const char unframed[] =
		        "version: unframed-test-1\n"
		        "settings: {evidence: redacted, default_action: allow}\n"
		        "rules:\n"
		        "  - name: block-nhs-number\n"
		        "    when: {findings: {detector: nhs_number, min_confidence: high}}\n"
		        "    action: block\n";
		struct alerts a = { 0 };
		struct policy *raw = NULL;
		struct session s = { .sport = 44001, .dport = 9000, .seq = 100, .ts = 9000000 };

		tap_eq_int(
		        policy_load_buffer(unframed, strlen(unframed), "unframed.yaml", &raw, &err),
		        0, "unframed: policy loads");
		s.p = p = pipeline_new(&cfg, raw, on_event, &a);
		say(&s, NULL);
		tap_eq_int(
		        say(&s, "custom protocol: NHS no 401 023 2137"), PIPELINE_INSPECT,
		        "unframed: the packet ending in the value passes (nothing says it ends)");
		pipeline_flush(p);
		tap_ok(a.n == 1 && a.last == PHIGUARD_VERDICT_FLAG &&
		               strstr(a.reason, "not blocked") != NULL,
		       "unframed: decided as the flow ends, reported as a flag that was not blocked "
		       "('%s')",
		       a.reason);
		pipeline_free(p);
		policy_unref(raw);
	}
	policy_unref(policy);
	return tap_done();
}
