/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-bodies [MiB=32 [FLOWS=32]]: what reading a compressed request body
 * costs. The same clinical text is POSTed through the pipeline (default
 * policy, an external cleartext destination: every byte goes through the
 * matcher) once as sent and once with Content-Encoding: gzip, in 1448-byte
 * segments; the matcher's stream API alone over the same text is the
 * baseline. Process CPU time, best of three, alternating; figures are MB/s
 * of text (decoded bytes), and ratios against the matcher in the same run.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cpu-time.h"
#include "decode/decode.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "test-decode-build.h"

#define MSS 1448

struct body {
	uint8_t *data; /* owned */
	size_t len;
};

/*
 * Ward text from a vocabulary, words picked at random so that it compresses
 * like prose (about 5x), not like a repeated pattern. No identifier: a
 * finding would settle the flow's verdict and the rest would not be read.
 */
static void
fill_text(uint8_t *text, size_t len, uint64_t seed)
{
	static const char *const words[] = {
		"ward",   "round",   "notes",     "discharge", "summary", "medication", "review",
		"stable", "plan",    "follow",    "up",        "clinic",  "letter",     "bloods",
		"pain",   "obs",     "overnight", "family",    "aware",   "mobilising", "with",
		"frame",  "eating",  "drinking",  "well",      "for",     "the",        "and",
		"today",  "morning", "physio",    "referral",  "sent",    "awaiting",   "result",
	};
	size_t i = 0;

	while (i < len) {
		const char *w;
		size_t n;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		w = words[seed % (sizeof(words) / sizeof(words[0]))];
		n = strlen(w);
		for (size_t k = 0; k < n && i < len; k++)
			text[i++] = (uint8_t)w[k];
		if (i < len)
			text[i++] = (uint8_t)(seed % 17 == 0 ? '\n' : ' ');
	}
}

static int
gzip_text(const uint8_t *text, size_t len, struct body *ret)
{
	z_stream z;
	size_t cap = len + len / 100 + 1024;

	memset(&z, 0, sizeof(z));
	ret->data = malloc(cap);
	if (ret->data == NULL ||
	    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = ret->data;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		return -1;
	}
	ret->len = cap - z.avail_out;
	deflateEnd(&z);
	return 0;
}

static void
packet(struct pipeline *p, uint16_t sport, uint32_t seq, uint8_t flags, const void *data,
       size_t len, int64_t ts)
{
	static uint8_t buf[40 + MSS];
	struct pkt_meta meta = { .outbound = true, .ts_us = ts };
	struct pipeline_result res;
	size_t l4 = build_tcp(buf + 20, sport, 80, seq, 0, flags, data, len);

	/* 198.51.100.7: an external documentation address; the default policy scans it */
	pipeline_packet(p, buf, build_ipv4(buf, 0x0a000002, 0xc6336407, IPPROTO_TCP, l4), &meta,
	                &res);
}

/* FLOWS POSTs of @body each, one after another; CPU seconds. */
static double
run_pipeline(struct policy *policy, const struct body *body, const char *coding, unsigned flows,
             uint64_t *ret_scanned)
{
	struct pipeline_config cfg;
	struct pipeline_counters c;
	struct pipeline *p;
	char head[256];
	int64_t ts = 1000000;
	double t0;

	pipeline_config_defaults(&cfg);
	p = pipeline_new(&cfg, policy, NULL, NULL);
	if (p == NULL)
		return -1;
	t0 = bench_cpu_seconds();
	for (unsigned f = 0; f < flows; f++) {
		uint16_t sport = (uint16_t)(20000 + f);
		uint32_t seq = 1000;
		int n = snprintf(head, sizeof(head),
		                 "POST /notes HTTP/1.1\r\nHost: records.example.org\r\n"
		                 "Content-Type: text/plain\r\n%s%s%sContent-Length: %zu\r\n\r\n",
		                 coding ? "Content-Encoding: " : "", coding ? coding : "",
		                 coding ? "\r\n" : "", body->len);

		packet(p, sport, seq - 1, DECODE_TCP_SYN, NULL, 0, ts += 10);
		packet(p, sport, seq, DECODE_TCP_ACK | DECODE_TCP_PSH, head, (size_t)n, ts += 10);
		seq += (uint32_t)n;
		for (size_t off = 0; off < body->len; off += MSS) {
			size_t len = body->len - off < MSS ? body->len - off : MSS;

			packet(p, sport, seq, DECODE_TCP_ACK, body->data + off, len, ts += 10);
			seq += (uint32_t)len;
		}
		packet(p, sport, seq, DECODE_TCP_ACK | DECODE_TCP_FIN, NULL, 0, ts += 10);
	}
	pipeline_flush(p);
	t0 = bench_cpu_seconds() - t0;
	pipeline_get_counters(p, &c);
	*ret_scanned = c.bytes_scanned;
	pipeline_free(p);
	return t0;
}

static int
count(const struct phiguard_finding *f, void *ctx)
{
	(void)f;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* The matcher alone over the same text, one stream per flow, MSS at a time. */
static double
run_matcher(const struct phiguard_matcher *m, const struct body *text, unsigned flows)
{
	struct phiguard_scratch *s = NULL;
	uint64_t findings = 0;
	double t0;

	if (phiguard_scratch_new(m, &s) < 0)
		return -1;
	t0 = bench_cpu_seconds();
	for (unsigned f = 0; f < flows; f++) {
		struct phiguard_stream *st = NULL;

		if (phiguard_stream_open(m, &st) < 0)
			break;
		for (size_t off = 0; off < text->len; off += MSS)
			phiguard_stream_feed(st, s, text->data + off,
			                     text->len - off < MSS ? text->len - off : MSS, count,
			                     &findings);
		phiguard_stream_close(st, s, count, &findings);
	}
	t0 = bench_cpu_seconds() - t0;
	phiguard_scratch_free(s);
	return t0;
}

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 32;
	unsigned flows = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 32;
	struct body text = { 0 }, gz = { 0 };
	struct policy *policy = NULL;
	struct phiguard_error err;
	double best_plain = 0, best_gz = 0, best_m = 0, total;
	uint64_t scanned_plain = 0, scanned_gz = 0;
	int ret = 1;

	if (flows == 0 || mib == 0)
		return 1;
	text.len = (mib << 20) / flows;
	text.data = malloc(text.len);
	if (text.data == NULL || policy_load_default(&policy, &err) < 0)
		goto out;
	fill_text(text.data, text.len, 0x9E3779B97F4A7C15ULL);
	if (gzip_text(text.data, text.len, &gz) < 0)
		goto out;
	total = (double)text.len * flows;
	printf("%u POSTs of %zu bytes of text; gzip: %zu bytes (%.1fx)\n", flows, text.len, gz.len,
	       (double)text.len / (double)gz.len);
	for (int i = 0; i < 3; i++) {
		double m = run_matcher(policy_matcher(policy), &text, flows);
		double pl = run_pipeline(policy, &text, NULL, flows, &scanned_plain);
		double g = run_pipeline(policy, &gz, "gzip", flows, &scanned_gz);

		if (m < 0 || pl < 0 || g < 0)
			goto out;
		best_m = i == 0 || m < best_m ? m : best_m;
		best_plain = i == 0 || pl < best_plain ? pl : best_plain;
		best_gz = i == 0 || g < best_gz ? g : best_gz;
	}
	/* Every byte of text read in both runs, or the figures mean nothing. */
	printf("bytes scanned: as sent %llu, gzip %llu (text %.0f, heads included)\n",
	       (unsigned long long)scanned_plain, (unsigned long long)scanned_gz, total);
	if ((double)scanned_plain < total || (double)scanned_gz < total) {
		fprintf(stderr, "bench-bodies: not every byte was scanned\n");
		goto out;
	}
	printf("%-34s %8.1f MB/s of text\n", "matcher alone (stream)", total / best_m / 1e6);
	printf("%-34s %8.1f MB/s of text  %.3f x matcher\n", "pipeline, body as sent",
	       total / best_plain / 1e6, best_m / best_plain);
	printf("%-34s %8.1f MB/s of text  %.3f x matcher  %.3f x as sent\n", "pipeline, body gzip",
	       total / best_gz / 1e6, best_m / best_gz, best_plain / best_gz);
	ret = 0;
out:
	free(text.data);
	free(gz.data);
	policy_unref(policy);
	return ret;
}
