/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Encoders: golden ECS, CEF (escaping of \ | = CR LF), RFC 5424 records, text. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "report/encode.h"
#include "tap.h"

static void
sample_event(struct phiguard_event *e)
{
	struct phiguard_event_finding *f = &e->findings[0];

	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "6f1c2d3e-0000-4000-8000-0000000000e2");
	e->timestamp_us = 1732837201123456LL;
	e->kind = PHIGUARD_EVENT_ALERT;
	snprintf(e->action, sizeof(e->action), "upload");
	e->severity = 8;
	snprintf(e->rule_name, sizeof(e->rule_name), "nhs-number|block");
	snprintf(e->message, sizeof(e->message), "Upload blocked: a=b \\ c|d\r\nx");
	snprintf(e->source_ip, sizeof(e->source_ip), "10.1.2.3");
	e->source_port = 51544;
	snprintf(e->destination_ip, sizeof(e->destination_ip), "203.0.113.10");
	e->destination_port = 443;
	snprintf(e->destination_domain, sizeof(e->destination_domain), "web.whatsapp.com");
	snprintf(e->tls_server_name, sizeof(e->tls_server_name), "web.whatsapp.com");
	snprintf(e->transport, sizeof(e->transport), "tcp");
	snprintf(e->protocol, sizeof(e->protocol), "tls");
	e->bytes_out = 1234;
	e->pid = 4121;
	snprintf(e->executable, sizeof(e->executable), "/usr/bin/chromium");
	e->uid = 1000;
	snprintf(e->user_name, sizeof(e->user_name), "jsmith");
	snprintf(e->host_name, sizeof(e->host_name), "ward3 pc12");
	snprintf(e->host_id, sizeof(e->host_id), "7d3a");
	e->verdict = PHIGUARD_VERDICT_BLOCK;
	snprintf(e->app, sizeof(e->app), "whatsapp");
	snprintf(e->category, sizeof(e->category), "consumer-messaging");
	snprintf(e->policy_version, sizeof(e->policy_version), "2024.11.1");
	snprintf(e->reason, sizeof(e->reason), "nhs_number to consumer-messaging");
	e->n_findings = 1;
	snprintf(f->detector, sizeof(f->detector), "nhs_number");
	f->count = 3;
	f->confidence = PHIGUARD_CONFIDENCE_HIGH;
	f->n_samples = 1;
	snprintf(f->samples[0], sizeof(f->samples[0]), "9** *** ***9");
	f->n_tokens = 1;
	snprintf(f->tokens[0], sizeof(f->tokens[0]), "00112233445566778899aabbccddeeff");
}

static const char golden_ecs[] =
        "{\"@timestamp\":\"2024-11-28T23:40:01.123456Z\","
        "\"message\":\"Upload blocked: a=b \\\\ c|d\\r\\nx\","
        "\"event\":{\"id\":\"6f1c2d3e-0000-4000-8000-0000000000e2\",\"kind\":\"alert\","
        "\"action\":\"upload\",\"severity\":8,\"category\":[\"network\"],\"type\":[\"denied\"]},"
        "\"rule\":{\"name\":\"nhs-number|block\"},"
        "\"source\":{\"ip\":\"10.1.2.3\",\"port\":51544,\"bytes\":1234},"
        "\"destination\":{\"ip\":\"203.0.113.10\",\"port\":443,\"domain\":\"web.whatsapp.com\"},"
        "\"tls\":{\"client\":{\"server_name\":\"web.whatsapp.com\"}},"
        "\"network\":{\"transport\":\"tcp\",\"protocol\":\"tls\"},"
        "\"process\":{\"pid\":4121,\"executable\":\"/usr/bin/chromium\"},"
        "\"user\":{\"id\":\"1000\",\"name\":\"jsmith\"},"
        "\"host\":{\"name\":\"ward3 pc12\",\"id\":\"7d3a\"},"
        "\"labels\":{\"site\":\"RAH\",\"ward\":\"3\\\"A\"},"
        "\"observer\":{\"vendor\":\"phiguard\",\"product\":\"phiguard\",\"version\":\"0.1.0\"},"
        "\"phiguard\":{\"verdict\":\"block\",\"app\":\"whatsapp\",\"category\":\"consumer-messaging\","
        "\"policy_version\":\"2024.11.1\",\"reason\":\"nhs_number to consumer-messaging\","
        "\"findings\":[{\"detector\":\"nhs_number\",\"count\":3,\"confidence\":\"high\","
        "\"samples\":[\"9** *** ***9\"],\"tokens\":[\"00112233445566778899aabbccddeeff\"]}]}}";

/* header: \ -> \\, | -> \|, CR/LF -> space; extension: \ -> \\, = -> \=, CR/LF -> \r \n */
static const char golden_cef[] =
        "CEF:0|phiguard|phiguard|0.1.0|block:upload|Upload blocked: a=b \\\\ c\\|d  x|8|"
        "rt=1732837201123 externalId=6f1c2d3e-0000-4000-8000-0000000000e2 act=block "
        "cat=consumer-messaging dvchost=ward3 pc12 deviceExternalId=7d3a src=10.1.2.3 spt=51544 "
        "dst=203.0.113.10 dpt=443 dhost=web.whatsapp.com proto=tcp app=tls out=1234 spid=4121 "
        "sproc=/usr/bin/chromium suid=1000 suser=jsmith "
        "msg=Upload blocked: a\\=b \\\\ c|d\\r\\nx reason=nhs_number to consumer-messaging "
        "cs1Label=rule cs1=nhs-number|block cs2Label=app cs2=whatsapp "
        "cs3Label=policyVersion cs3=2024.11.1 cs4Label=serverName cs4=web.whatsapp.com "
        "cs5Label=findings cs5=nhs_number:3:high:00112233445566778899aabbccddeeff "
        "cs6Label=labels cs6=site:RAH,ward:3\"A";

static void
test_golden(void)
{
	struct report_labels labels = { .n = 2 };
	struct report_encode_ctx ctx = { .labels = &labels };
	struct phiguard_event e;
	char buf[8192], want[8192];
	int n;

	snprintf(labels.key[0], sizeof(labels.key[0]), "site");
	snprintf(labels.value[0], sizeof(labels.value[0]), "RAH");
	snprintf(labels.key[1], sizeof(labels.key[1]), "ward");
	snprintf(labels.value[1], sizeof(labels.value[1]), "3\"A");
	sample_event(&e);
	n = report_encode_ecs_ctx(&e, &ctx, buf, sizeof(buf));
	tap_eq_int(n, strlen(golden_ecs), "ecs: length");
	tap_eq_str(buf, golden_ecs, "ecs: golden");
	n = report_encode_cef(&e, &ctx, buf, sizeof(buf));
	tap_eq_int(n, strlen(golden_cef), "cef: length");
	tap_eq_str(buf, golden_cef, "cef: golden");

	/* RFC 5424: PRI local0.err (8 -> 3), host name without spaces, SD with id and seq */
	n = report_encode_syslog(&e, &ctx, REPORT_FORMAT_CEF, 42, buf, sizeof(buf));
	snprintf(want, sizeof(want),
	         "<131>1 2024-11-28T23:40:01.123456Z ward3_pc12 phiguard %ld alert "
	         "[phiguard@32473 id=\"6f1c2d3e-0000-4000-8000-0000000000e2\" seq=\"42\"] %s",
	         (long)getpid(), golden_cef);
	tap_eq_int(n, strlen(want), "rfc5424: length");
	tap_eq_str(buf, want, "rfc5424: record around CEF");
	n = report_encode_syslog(&e, NULL, REPORT_FORMAT_ECS, 0, buf, sizeof(buf));
	tap_ok(n > 0 && strstr(buf, "\"] {\"@timestamp\"") != NULL && strstr(buf, "seq=") == NULL,
	       "rfc5424: ECS body, no seq when 0");

	n = report_format_text(&e, buf, sizeof(buf));
	tap_eq_str(
	        buf,
	        "2024-11-28T23:40:01Z BLOCK whatsapp web.whatsapp.com 203.0.113.10:443 "
	        "action=upload rule=nhs-number|block user=jsmith process=/usr/bin/chromium[4121] "
	        "findings=nhs_numberx3(high) - Upload blocked: a=b \\ c|d??x",
	        "text: one ASCII line");
	tap_ok(n > 0 && strchr(buf, '\n') == NULL, "text: no newline");
}

/* A finding read inside a decoded attachment says so, by kind only, in every format. */
static void
test_decoded(void)
{
	struct phiguard_event e;
	char buf[8192];

	sample_event(&e);
	e.findings[0].decoded = PHIGUARD_DECODED_ZIP | PHIGUARD_DECODED_MIME;
	e.n_findings = 2;
	e.findings[1] = e.findings[0];
	snprintf(e.findings[1].detector, sizeof(e.findings[1].detector), "person_name");
	e.findings[1].decoded = 0;
	tap_ok(report_encode_ecs(&e, buf, sizeof(buf)) > 0 &&
	               strstr(buf, "\"tokens\":[\"00112233445566778899aabbccddeeff\"],"
	                           "\"decoded\":[\"mime\",\"zip\"]}") != NULL,
	       "ecs: decoded kinds after the tokens, outermost first");
	tap_ok(strstr(buf, "\"decoded\":[\"mime\",\"zip\"]") != NULL &&
	               strstr(strstr(buf, "\"decoded\"") + 1, "\"decoded\"") == NULL,
	       "ecs: only the finding that was decoded carries the field");
	tap_ok(report_encode_cef(&e, NULL, buf, sizeof(buf)) > 0 &&
	               strstr(buf, " flexString1Label=decoded flexString1=nhs_number:mime+zip") !=
	                       NULL,
	       "cef: flexString1 names the decoded findings");
	tap_ok(report_format_text(&e, buf, sizeof(buf)) > 0 &&
	               strstr(buf,
	                      "findings=nhs_numberx3(high, in mime+zip),person_namex3(high)") !=
	                       NULL,
	       "text: where the value was read");
}

static void
test_hostile_strings(void)
{
	struct phiguard_event e;
	char buf[8192];
	int n;

	sample_event(&e);
	/* invalid UTF-8, an overlong slash, a control character, and a valid é */
	snprintf(e.tls_server_name, sizeof(e.tls_server_name), "a\xff\xc0\xaf\x01\xc3\xa9.com");
	snprintf(e.destination_domain, sizeof(e.destination_domain), "x\"y\nz");
	n = report_encode_ecs(&e, buf, sizeof(buf));
	tap_ok(n > 0 && strstr(buf, "\"server_name\":\"a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	                            "\\u0001\xc3\xa9.com\"") != NULL,
	       "ecs: invalid UTF-8 -> U+FFFD, control -> \\u0001, valid kept");
	tap_ok(strstr(buf, "\"domain\":\"x\\\"y\\nz\"") != NULL, "ecs: quote and newline escaped");
	n = report_encode_cef(&e, NULL, buf, sizeof(buf));
	tap_ok(n > 0 && strchr(buf, '\n') == NULL && strstr(buf, "dhost=x\"y\\nz") != NULL,
	       "cef: newline in a value becomes \\n, no raw newline");
	snprintf(e.action, sizeof(e.action), "a|b\\c");
	n = report_encode_cef(&e, NULL, buf, sizeof(buf));
	tap_ok(n > 0 && strstr(buf, "|block:a\\|b\\\\c|") != NULL, "cef: header class escaped");
	snprintf(e.id, sizeof(e.id), "a\"b]c\\");
	n = report_encode_syslog(&e, NULL, REPORT_FORMAT_ECS, 1, buf, sizeof(buf));
	tap_ok(n > 0 && strstr(buf, "id=\"a\\\"b\\]c\\\\\"") != NULL,
	       "rfc5424: SD-PARAM value escapes \" ] \\");
	n = report_format_text(&e, buf, sizeof(buf));
	for (int i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f) {
			n = -1;
			break;
		}
	tap_ok(n > 0, "text: printable ASCII only");
}

static void
test_limits(void)
{
	struct phiguard_event e;
	char small[64], ts[40];

	sample_event(&e);
	tap_eq_int(report_encode_ecs(&e, small, sizeof(small)), -ENOSPC, "ecs: -ENOSPC");
	tap_ok(strlen(small) < sizeof(small), "ecs: truncated output still terminated");
	tap_eq_int(report_encode_cef(&e, NULL, small, sizeof(small)), -ENOSPC, "cef: -ENOSPC");
	tap_eq_int(report_encode_syslog(&e, NULL, REPORT_FORMAT_ECS, 1, small, sizeof(small)),
	           -ENOSPC, "rfc5424: -ENOSPC");
	tap_eq_int(report_format_text(&e, small, 8), -ENOSPC, "text: -ENOSPC");
	/* the worst case fits in a record: every string field full of escapable bytes */
	memset(&e, 0, sizeof(e));
	memset(e.message, '\x01', sizeof(e.message) - 1);
	memset(e.destination_domain, '"', sizeof(e.destination_domain) - 1);
	memset(e.tls_server_name, '\xff', sizeof(e.tls_server_name) - 1);
	memset(e.executable, '\\', sizeof(e.executable) - 1);
	memset(e.host_name, '\x02', sizeof(e.host_name) - 1);
	e.n_findings = 99; /* out of range: clamped */
	for (int i = 0; i < PHIGUARD_EVENT_MAX_FINDINGS; i++) {
		e.findings[i].n_samples = 99;
		e.findings[i].n_tokens = 99;
		for (int k = 0; k < PHIGUARD_EVENT_MAX_SAMPLES; k++) {
			memset(e.findings[i].samples[k], '\x03', PHIGUARD_SAMPLE_MAX - 1);
			memset(e.findings[i].tokens[k], '\xfe', PHIGUARD_TOKEN_MAX - 1);
		}
	}
	static char big[REPORT_RECORD_MAX];
	tap_ok(report_encode_syslog(&e, NULL, REPORT_FORMAT_ECS, 1, big, sizeof(big)) > 0,
	       "worst-case ECS fits REPORT_RECORD_MAX");
	tap_ok(report_encode_syslog(&e, NULL, REPORT_FORMAT_CEF, 1, big, sizeof(big)) > 0,
	       "worst-case CEF fits REPORT_RECORD_MAX");
	tap_eq_int(report_format_time(0, ts, sizeof(ts)), 27, "time: epoch length");
	tap_eq_str(ts, "1970-01-01T00:00:00.000000Z", "time: epoch");
	report_format_time(-1, ts, sizeof(ts));
	tap_eq_str(ts, "1969-12-31T23:59:59.999999Z", "time: before the epoch");
}

static void
test_state_and_pri(void)
{
	struct report_heartbeat hb = { .policy_hash = "sha256:abc", .packets = 7, .interval = 60 };
	struct report_encode_ctx ctx = { .heartbeat = &hb };
	struct phiguard_event e;
	char buf[8192];

	memset(&e, 0, sizeof(e));
	e.kind = PHIGUARD_EVENT_STATE;
	e.pid = -1;
	e.uid = -1;
	snprintf(e.action, sizeof(e.action), "heartbeat");
	tap_ok(report_encode_ecs_ctx(&e, &ctx, buf, sizeof(buf)) > 0 &&
	               strstr(buf, "\"kind\":\"state\"") && strstr(buf, "\"type\":[\"info\"]") &&
	               strstr(buf, "\"heartbeat\":{\"policy_hash\":\"sha256:abc\",\"packets\":7") &&
	               !strstr(buf, "\"verdict\"") && !strstr(buf, "\"process\"") &&
	               !strstr(buf, "\"user\""),
	       "ecs: heartbeat carries its counters, no verdict, no unknown pid/uid");
	tap_ok(report_encode_cef(&e, &ctx, buf, sizeof(buf)) > 0 &&
	               strstr(buf, "|state:heartbeat|heartbeat|0|") &&
	               strstr(buf, "msg=heartbeat policy_hash:sha256:abc packets:7"),
	       "cef: heartbeat class and counters");
	for (unsigned s = 0; s <= 12; s++) {
		static const unsigned want[] = { 6, 5, 5, 5, 4, 4, 4, 3, 3, 2, 2, 2, 2 };

		e.severity = (uint8_t)s;
		tap_eq_int(report_syslog_pri(&e), 128 + want[s], "pri for severity %u", s);
	}
}

int
main(void)
{
	test_golden();
	test_decoded();
	test_hostile_strings();
	test_limits();
	test_state_and_pri();
	return tap_done();
}
