/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compressed request bodies through the pipeline. A body sent with
 * Content-Encoding gzip or deflate (zlib or raw) is read decoded, as the
 * server's application will read it: an NHS number inside is blocked on
 * the packet that completes the request, counted or chunked, split across
 * segments anywhere. A body that cannot be decoded (another coding,
 * corrupt data, a label on plain text) is read as sent, so a label alone
 * hides nothing; a decompression bomb is decoded only within bounds and
 * the flow goes on. A zip file (a .xlsx) inside a form upload is opened.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "content/inflate.h"
#include "decode/decode.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "tap.h"
#include "test-decode-build.h"
#include "test-zip-build.h"

static const char policy_text[] = "version: bodies-test-1\n"
                                  "settings: {evidence: redacted, default_action: allow}\n"
                                  "rules:\n"
                                  "  - name: block-phi-over-http\n"
                                  "    when:\n"
                                  "      protocol: http\n"
                                  "      findings: {detector: nhs_number, min_confidence: high}\n"
                                  "    action: block\n";

/* A JSON record ending in a labelled NHS number (a published test vector). */
static const char phi_json[] = "{\"note\":\"bed 4\",\"patient\":{\"nhs_number\":\"4010232137\"}}";
static const char clean_json[] = "{\"order\":{\"gloves\":40,\"aprons\":12}}";

/* What the last alert's NHS number finding says was decoded to read it (the SOC's hint). */
static uint32_t last_decoded = UINT32_MAX;

static void
on_event(const struct phiguard_event *e, void *ctx)
{
	(void)ctx;
	for (uint32_t i = 0; i < e->n_findings && i < PHIGUARD_EVENT_MAX_FINDINGS; i++)
		if (e->kind == PHIGUARD_EVENT_ALERT &&
		    strcmp(e->findings[i].detector, "nhs_number") == 0)
			last_decoded = e->findings[i].decoded;
}

/* The decoded field of the alert since the last call, UINT32_MAX when none came. */
static uint32_t
decoded_since(void)
{
	uint32_t d = last_decoded;

	last_decoded = UINT32_MAX;
	return d;
}

struct session {
	struct pipeline *p;
	uint16_t sport;
	uint32_t seq;
	int64_t ts;
	struct pipeline_result res;
};

/* The client's next segment to port 80 (NULL: the SYN). */
static enum pipeline_action
segment(struct session *s, const void *data, size_t len)
{
	struct pkt_meta meta = { .outbound = true };
	uint8_t buf[2048];
	uint8_t flags = data ? DECODE_TCP_ACK | DECODE_TCP_PSH : DECODE_TCP_SYN;
	size_t l4;

	meta.ts_us = s->ts += 1000;
	l4 = build_tcp(buf + 20, s->sport, 80, s->seq, 0, flags, data, len);
	pipeline_packet(s->p, buf, build_ipv4(buf, 0x0a000002, 0xcb007119, IPPROTO_TCP, l4), &meta,
	                &s->res);
	s->seq += data ? (uint32_t)len : 1;
	return s->res.action;
}

/* @len bytes in segments of at most @mss; the action on the last one. */
static enum pipeline_action
send_all(struct session *s, const void *data, size_t len, size_t mss)
{
	const uint8_t *d = data;
	enum pipeline_action a = PIPELINE_ACCEPT;

	for (size_t off = 0; off < len; off += mss)
		a = segment(s, d + off, len - off < mss ? len - off : mss);
	return a;
}

static struct session
open_session(struct pipeline *p, uint16_t sport)
{
	struct session s = { .p = p, .sport = sport, .seq = 100, .ts = (int64_t)sport * 1000 };

	segment(&s, NULL, 0);
	return s;
}

/* @text compressed: windowBits 15 + 16 gzip, 15 zlib ("deflate"), -15 raw deflate. */
static size_t
compress_as(int bits, const void *text, size_t len, uint8_t *out, size_t size)
{
	z_stream z;
	size_t n;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)size;
	n = deflate(&z, Z_FINISH) == Z_STREAM_END ? size - z.avail_out : 0;
	deflateEnd(&z);
	return n;
}

/* A counted POST: head then body; the action on the last segment. */
static enum pipeline_action
post(struct session *s, const char *coding, const void *body, size_t len, size_t mss)
{
	char head[256];

	snprintf(head, sizeof(head),
	         "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\nContent-Type: "
	         "application/json\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
	         coding, len);
	segment(s, head, strlen(head));
	return send_all(s, body, len, mss);
}

static void
counters(struct pipeline *p, struct pipeline_counters *c)
{
	pipeline_get_counters(p, c);
}

static void
coded_bodies(struct pipeline *p)
{
	uint8_t z[4096];
	size_t n;
	struct session s;
	struct pipeline_counters c0, c1;

	counters(p, &c0);
	n = compress_as(15 + 16, phi_json, strlen(phi_json), z, sizeof(z));
	s = open_session(p, 41001);
	(void)decoded_since();
	tap_eq_int(post(&s, "gzip", z, n, 1400), PIPELINE_BLOCK,
	           "gzip: a JSON body ending in an NHS number is blocked");
	tap_eq_int((int)decoded_since(), PHIGUARD_DECODED_CONTENT_ENCODING,
	           "gzip: the alert says the value was in a coded body");
	counters(p, &c1);
	tap_eq_int((int)(c1.bodies_decoded - c0.bodies_decoded), 1, "gzip: one body decoded");

	/* The same bytes a few at a time: the decoder keeps its state across segments. */
	s = open_session(p, 41002);
	tap_eq_int(post(&s, "x-gzip", z, n, 7), PIPELINE_BLOCK,
	           "gzip in 7-byte segments (x-gzip): blocked");

	n = compress_as(15 + 16, clean_json, strlen(clean_json), z, sizeof(z));
	s = open_session(p, 41003);
	tap_eq_int(post(&s, "gzip", z, n, 1400), PIPELINE_INSPECT,
	           "gzip: a clean body passes, still inspected");
	n = compress_as(15 + 16, phi_json, strlen(phi_json), z, sizeof(z));
	tap_eq_int(post(&s, "gzip", z, n, 1400), PIPELINE_BLOCK,
	           "gzip: the next request on the connection, with an NHS number, is blocked");

	n = compress_as(15, phi_json, strlen(phi_json), z, sizeof(z));
	s = open_session(p, 41004);
	tap_eq_int(post(&s, "deflate", z, n, 1400), PIPELINE_BLOCK,
	           "deflate (zlib format): blocked");
	n = compress_as(-15, phi_json, strlen(phi_json), z, sizeof(z));
	s = open_session(p, 41005);
	tap_eq_int(post(&s, "deflate", z, n, 1400), PIPELINE_BLOCK,
	           "deflate sent raw, as some clients do: blocked");

	/* Chunked and gzip: chunk framing between pieces of the coded stream. */
	{
		char part[64];
		size_t half;

		n = compress_as(15 + 16, phi_json, strlen(phi_json), z, sizeof(z));
		half = n / 2;
		static const char head[] = "POST /api/notes HTTP/1.1\r\nHost: notes.example\r\n"
		                           "Content-Encoding: gzip\r\nTransfer-Encoding: "
		                           "chunked\r\n\r\n";

		s = open_session(p, 41006);
		segment(&s, head, strlen(head));
		snprintf(part, sizeof(part), "%zx\r\n", half);
		segment(&s, part, strlen(part));
		segment(&s, z, half);
		snprintf(part, sizeof(part), "\r\n%zx\r\n", n - half);
		segment(&s, part, strlen(part));
		tap_eq_int(segment(&s, z + half, n - half), PIPELINE_INSPECT,
		           "gzip, chunked: the last data chunk (the request not yet whole)");
		tap_eq_int(segment(&s, "\r\n0\r\n\r\n", 7), PIPELINE_BLOCK,
		           "gzip, chunked: blocked with the last chunk");
	}
}

static void
undecodable_bodies(struct pipeline *p)
{
	struct session s;
	struct pipeline_counters c0, c1;

	counters(p, &c0);
	s = open_session(p, 42001);
	(void)decoded_since();
	tap_eq_int(post(&s, "gzip", phi_json, strlen(phi_json), 1400), PIPELINE_BLOCK,
	           "plain text labelled gzip is read as sent: blocked");
	tap_eq_int((int)decoded_since(), 0, "... and its alert says nothing was decoded");
	s = open_session(p, 42002);
	tap_eq_int(post(&s, "br", phi_json, strlen(phi_json), 1400), PIPELINE_BLOCK,
	           "plain text labelled br (not decoded here) is read as sent: blocked");
	s = open_session(p, 42003);
	tap_eq_int(post(&s, "gzip, identity", phi_json, strlen(phi_json), 1400), PIPELINE_BLOCK,
	           "a list of codings is read as sent: blocked");
	counters(p, &c1);
	tap_eq_int((int)(c1.bodies_not_decoded - c0.bodies_not_decoded), 3,
	           "the three bodies are counted as not decoded");
}

/*
 * A bomb: 64 MiB of zeros compress to about 64 KiB. Decoding stops at
 * INFLATE_FREE + INFLATE_RATIO x the compressed bytes, so one
 * packet cannot become seconds of scanning; the request goes on.
 */
static void
bomb(struct pipeline *p)
{
	const size_t plain = 64U << 20, cap = 1U << 20;
	uint8_t *zeros = calloc(1, plain), *z = malloc(cap);
	size_t n;
	struct session s;
	struct pipeline_counters c0, c1;

	if (!tap_ok(zeros != NULL && z != NULL, "bomb: memory"))
		goto out;
	n = compress_as(15 + 16, zeros, plain, z, cap);
	tap_ok(n > 0 && n < 128 * 1024, "bomb: 64 MiB of zeros in %zu bytes", n);
	counters(p, &c0);
	s = open_session(p, 43001);
	tap_eq_int(post(&s, "gzip", z, n, 1400), PIPELINE_INSPECT,
	           "bomb: the request passes (nothing in it)");
	counters(p, &c1);
	tap_ok(c1.bytes_scanned - c0.bytes_scanned <= INFLATE_FREE + INFLATE_RATIO * n,
	       "bomb: decoded within the bound (%llu bytes scanned for %zu sent)",
	       (unsigned long long)(c1.bytes_scanned - c0.bytes_scanned), n);
	tap_eq_int((int)(c1.bodies_not_decoded - c0.bodies_not_decoded), 1,
	           "bomb: counted as not decoded");
	/* The connection goes on: its next request is read. */
	n = compress_as(15 + 16, phi_json, strlen(phi_json), z, cap);
	tap_eq_int(post(&s, "gzip", z, n, 1400), PIPELINE_BLOCK,
	           "bomb: the next request on the connection is decoded and blocked");
out:
	free(zeros);
	free(z);
}

/* @form (multipart/form-data, boundary XyZ) POSTed on a connection of its own; the last action. */
static enum pipeline_action
upload(struct pipeline *p, uint16_t port, const uint8_t *form, size_t n)
{
	struct session s = open_session(p, port);
	char head[256];
	int h = snprintf(head, sizeof(head),
	                 "POST /upload HTTP/1.1\r\nHost: notes.example\r\nContent-Type: "
	                 "multipart/form-data; boundary=XyZ\r\nContent-Length: %zu\r\n\r\n",
	                 n);

	segment(&s, head, (size_t)h);
	return send_all(&s, form, n, 100);
}

/*
 * A spreadsheet of patients uploaded through a form: the file is a zip of
 * XML, raw inside multipart/form-data. Its shared strings hold the column
 * label and the numbers as text, as a clinical export writes them.
 */
static void
office_files(struct pipeline *p)
{
	static const char strings[] =
	        "<sst><si><t>Name</t></si><si><t>NHS number</t></si><si><t>Jane Smith</t></si>"
	        "<si><t>401 023 2137</t></si><si><t>John Brown</t></si><si><t>401 023 2145</t>"
	        "</si></sst>";
	static const char clean[] = "<sst><si><t>Item</t></si><si><t>Gloves</t></si></sst>";
	static uint8_t form[4096];
	const char *const texts[] = { strings, clean };
	struct pipeline_counters c0, c1;

	counters(p, &c0);
	for (int i = 0; i < 2; i++) {
		size_t n;

		n = (size_t)snprintf(
		        (char *)form, sizeof(form),
		        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
		        "filename=\"list.xlsx\"\r\nContent-Type: application/"
		        "vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n");
		n += zip_entry(form + n, "[Content_Types].xml", "<Types/>", 8, 0, 0);
		n += zip_entry(form + n, "xl/sharedStrings.xml", texts[i], strlen(texts[i]), 8, 8);
		memcpy(form + n, "PK\1\2\r\n--XyZ--\r\n", 16);
		n += 16;
		tap_eq_int(
		        upload(p, (uint16_t)(44001 + i), form, n),
		        i == 0 ? PIPELINE_BLOCK : PIPELINE_INSPECT,
		        i == 0 ? "a spreadsheet with labelled NHS numbers, uploaded in a form, is "
		                 "blocked"
		               : "a clean spreadsheet uploaded the same way passes");
		if (i == 0)
			tap_eq_int((int)decoded_since(), PHIGUARD_DECODED_ZIP,
			           "the alert says the values were in a zip entry");
	}
	counters(p, &c1);
	tap_eq_int((int)(c1.zip_entries_decoded - c0.zip_entries_decoded), 2,
	           "each upload's deflated entry was inflated");
}

/* A .csv.gz export uploaded through a form: a gzip file, raw inside multipart/form-data. */
static void
gzip_files(struct pipeline *p)
{
	static const char csv[] = "name,nhs_number\nJane Smith,401 023 2137\n"
	                          "John Brown,401 023 2145\n";
	static const char clean[] = "item,count\nGloves,400\n";
	const char *const texts[] = { csv, clean };
	struct pipeline_counters c0, c1;

	counters(p, &c0);
	for (int i = 0; i < 2; i++) {
		static uint8_t form[4096], gz[1024];
		size_t n, z = compress_as(15 + 16, texts[i], strlen(texts[i]), gz, sizeof(gz));

		n = (size_t)snprintf((char *)form, sizeof(form),
		                     "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
		                     "filename=\"list.csv.gz\"\r\nContent-Type: application/gzip"
		                     "\r\n\r\n");
		memcpy(form + n, gz, z);
		n += z;
		memcpy(form + n, "\r\n--XyZ--\r\n", 11);
		n += 11;
		tap_eq_int(upload(p, (uint16_t)(44011 + i), form, n),
		           i == 0 ? PIPELINE_BLOCK : PIPELINE_INSPECT,
		           i == 0 ? "a .csv.gz of NHS numbers, uploaded in a form, is blocked"
		                  : "a clean .csv.gz uploaded the same way passes");
		if (i == 0)
			tap_eq_int((int)decoded_since(), PHIGUARD_DECODED_GZIP,
			           "the alert says the values were in a gzip file");
	}
	counters(p, &c1);
	tap_eq_int((int)(c1.gzip_files_decoded - c0.gzip_files_decoded), 2,
	           "each upload's gzip file was inflated");
}

/* One masked client frame at @out (RFC 6455 5.2); its length. */
static size_t
ws_frame(uint8_t *out, bool fin, unsigned opcode, const char *text)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t len = strlen(text);

	out[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	out[1] = (uint8_t)(0x80 | len);
	memcpy(out + 2, key, 4);
	for (size_t i = 0; i < len; i++)
		out[6 + i] = (uint8_t)text[i] ^ key[i & 3];
	return 6 + len;
}

/*
 * A cleartext ws:// chat: after the upgrade request every client frame is
 * masked, so nothing was found before. Now a message carrying an NHS
 * number is blocked on the frame that completes it.
 */
static void
websocket_chat(struct pipeline *p)
{
	static const char upgrade[] = "GET /chat HTTP/1.1\r\nHost: notes.example\r\n"
	                              "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	                              "Sec-WebSocket-Version: 13\r\n\r\n";
	struct session s = open_session(p, 45001);
	struct pipeline_counters c0, c1;
	uint8_t f[128];

	counters(p, &c0);
	tap_eq_int(segment(&s, upgrade, strlen(upgrade)), PIPELINE_INSPECT,
	           "websocket: the upgrade request passes");
	tap_eq_int(segment(&s, f, ws_frame(f, true, 1, "{\"msg\":\"bed 4 needs obs\"}")),
	           PIPELINE_INSPECT, "websocket: a clean message passes");
	tap_eq_int(segment(&s, f, ws_frame(f, false, 1, "{\"msg\":\"Patient NHS no ")),
	           PIPELINE_INSPECT, "websocket: the first fragment of the next passes");
	(void)decoded_since();
	tap_eq_int(segment(&s, f, ws_frame(f, true, 0, "401 023 2137\"}")), PIPELINE_BLOCK,
	           "websocket: the frame completing a message with an NHS number is blocked");
	tap_eq_int((int)decoded_since(), PHIGUARD_DECODED_WEBSOCKET,
	           "websocket: the alert says the value was in a WebSocket message");
	counters(p, &c1);
	tap_eq_int((int)(c1.websocket_messages - c0.websocket_messages), 2,
	           "websocket: two messages read");

	/* A refused upgrade: the client goes on with HTTP, read as sent. */
	{
		static const char next[] =
		        "GET /notes?nhs=4010232137 HTTP/1.1\r\n"
		        "Host: notes.example\r\nX-Note: more text after it\r\n\r\n";

		s = open_session(p, 45002);
		segment(&s, upgrade, strlen(upgrade));
		tap_eq_int(segment(&s, next, strlen(next)), PIPELINE_BLOCK,
		           "websocket refused: the HTTP that follows is read as sent");
	}
}

int
main(void)
{
	struct policy *policy = NULL;
	struct phiguard_error err;
	struct pipeline_config cfg;
	struct pipeline *p;

	tap_eq_int(policy_load_buffer(policy_text, strlen(policy_text), "bodies-test.yaml", &policy,
	                              &err),
	           0, "policy with an http rule loads");
	pipeline_config_defaults(&cfg);
	p = pipeline_new(&cfg, policy, on_event, NULL);
	tap_ok(p != NULL, "pipeline created");
	coded_bodies(p);
	undecodable_bodies(p);
	bomb(p);
	office_files(p);
	gzip_files(p);
	websocket_chat(p);
	pipeline_free(p);
	policy_unref(policy);
	return tap_done();
}
