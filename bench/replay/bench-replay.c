/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay throughput against a decode-only baseline, in the same run, over a
 * synthetic capture written first: F concurrent cleartext HTTP POST flows
 * (the expensive case: every byte goes through the matcher when the policy
 * wants content), segments of 1448 bytes interleaved across flows.
 *
 *	bench-replay [FLOWS [SEGMENTS_PER_FLOW [MEMORY_FLOWS]]]   (MEMORY_FLOWS 0: skip)
 *
 * Prints packets/s and Gbit/s of L3 bytes for: pcap read + decode (baseline),
 * and pcap read + the full pipeline; then the memory per tracked flow.
 */
#include <errno.h>
#include <malloc.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "pipeline/pipeline.h"
#include <phiguard/match.h>

#include "policy/policy.h"

#define MSS 1448

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static size_t
tcp_packet(uint8_t *buf, uint32_t flow, int to_server, uint32_t seq, uint8_t flags,
           const uint8_t *payload, size_t plen)
{
	uint32_t client = 0x0a000000U | (2 + flow / 60000),
	         server = 0xcb00710a; /* 203.0.113.10: external */
	uint16_t cport = (uint16_t)(1024 + flow % 60000);

	memset(buf, 0, 40);
	buf[0] = 0x45;
	put16(buf + 2, (unsigned)(40 + plen));
	buf[8] = 64;
	buf[9] = 6;
	put32(buf + 12, to_server ? client : server);
	put32(buf + 16, to_server ? server : client);
	put16(buf + 20, to_server ? cport : 80);
	put16(buf + 22, to_server ? 80 : cport);
	put32(buf + 24, seq);
	buf[32] = 5 << 4;
	buf[33] = flags;
	put16(buf + 34, 65535);
	/* SYNs and ACKs have no payload: memcpy from NULL is undefined even for 0 bytes. */
	if (plen > 0)
		memcpy(buf + 40, payload, plen);
	return 40 + plen;
}

static void
dump(pcap_dumper_t *d, const uint8_t *pkt, size_t len, uint64_t n)
{
	struct pcap_pkthdr h = { 0 };

	h.ts.tv_sec = 1732838400 + (time_t)(n / 100000);
	h.ts.tv_usec = (suseconds_t)(n % 100000) * 10;
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)d, &h, pkt);
}

/* Clinical-looking text; one labelled identifier every 64 KiB or so. */
static void
fill_body(uint8_t *body, size_t len, uint32_t flow, uint32_t seg)
{
	static const char words[] = "ward round notes discharge summary medication review "
	                            "observations stable plan follow up clinic letter ";
	for (size_t i = 0; i < len; i++)
		body[i] = (uint8_t)words[(i + seg * 7 + flow) % (sizeof(words) - 1)];
	if (seg % 45 == 3 && len > 100)
		memcpy(body + 40, "Patient NHS no 401 023 2137", 27);
}

static int
write_capture(const char *path, uint32_t flows, uint32_t segs, uint64_t *ret_packets)
{
	pcap_t *dead = pcap_open_dead(DLT_RAW, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	static uint8_t pkt[40 + MSS], body[MSS];
	char hdr[256];
	uint64_t n = 0;

	if (d == NULL)
		return -EIO;
	for (uint32_t f = 0; f < flows; f++) {
		dump(d, pkt, tcp_packet(pkt, f, 1, 999, 0x02, NULL, 0), n++);
		dump(d, pkt, tcp_packet(pkt, f, 0, 4999, 0x12, NULL, 0), n++);
	}
	for (uint32_t s = 0; s < segs; s++) {
		for (uint32_t f = 0; f < flows; f++) {
			size_t len = MSS;

			fill_body(body, MSS, f, s);
			if (s == 0) {
				int h = snprintf(
				        hdr, sizeof(hdr),
				        "POST /notes HTTP/1.1\r\nHost: records.example.org\r\n"
				        "Content-Type: text/plain\r\nContent-Length: %u\r\n\r\n",
				        (unsigned)(segs * MSS));
				memcpy(body, hdr, (size_t)h);
			}
			dump(d, pkt, tcp_packet(pkt, f, 1, 1000 + s * MSS, 0x18, body, len), n++);
			if (s % 8 == 7)
				dump(d, pkt, tcp_packet(pkt, f, 0, 5000, 0x10, NULL, 0), n++);
		}
	}
	for (uint32_t f = 0; f < flows; f++)
		dump(d, pkt, tcp_packet(pkt, f, 1, 1000 + segs * MSS, 0x11, NULL, 0), n++);
	pcap_dump_close(d);
	pcap_close(dead);
	*ret_packets = n;
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct run {
	double seconds;
	uint64_t packets;
	uint64_t bytes;
};

static void
on_event(const struct phiguard_event *ev, void *ctx)
{
	(*(uint64_t *)ctx)++;
}

static int
run_capture(const char *path, struct pipeline *p, struct run *ret)
{
	char err[512];
	struct capture_pcap *cap;
	struct capture_pkt pkt;
	struct decode_view v;
	struct pkt_meta meta = { .outbound = true };
	struct pipeline_result res;
	volatile uint32_t sink = 0;
	double t0;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (capture_pcap_open(path, &cap, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	t0 = now();
	while ((r = capture_pcap_next(cap, &pkt)) > 0) {
		ret->packets++;
		ret->bytes += pkt.l3_len;
		if (p == NULL) {
			if (decode_packet(pkt.l3, pkt.l3_len, &v) == 0)
				sink += v.dst_port;
		} else {
			meta.ts_us = pkt.ts_us;
			pipeline_packet(p, pkt.l3, pkt.l3_len, &meta, &res);
		}
	}
	if (p != NULL)
		pipeline_flush(p);
	ret->seconds = now() - t0;
	capture_pcap_close(cap);
	(void)sink;
	return r;
}

static int
count_finding(const struct phiguard_finding *fd, void *ctx)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

/*
 * The matcher alone over the same client payloads, one stream per flow, in
 * capture order: what the pipeline costs on top of scanning.
 */
static int
run_matcher_only(const char *path, const struct phiguard_matcher *m, uint32_t flows,
                 struct run *ret)
{
	struct phiguard_stream **streams = calloc(flows, sizeof(*streams));
	struct phiguard_scratch *scratch = NULL;
	struct capture_pcap *cap;
	struct capture_pkt pkt;
	struct decode_view v;
	uint64_t findings = 0;
	char err[512];
	double t0;

	memset(ret, 0, sizeof(*ret));
	if (streams == NULL || phiguard_scratch_new(m, &scratch) < 0 ||
	    capture_pcap_open(path, &cap, err, sizeof(err)) < 0) {
		free(streams);
		phiguard_scratch_free(scratch);
		return -1;
	}
	t0 = now();
	while (capture_pcap_next(cap, &pkt) > 0) {
		uint32_t f;

		ret->packets++;
		ret->bytes += pkt.l3_len;
		if (decode_packet(pkt.l3, pkt.l3_len, &v) < 0 || v.payload_len == 0 ||
		    v.dst_port != 80)
			continue;
		f = (uint32_t)(v.src[3] - 2) * 60000 + (uint32_t)(v.src_port - 1024);
		if (f >= flows)
			continue;
		if (streams[f] == NULL && phiguard_stream_open(m, &streams[f]) < 0)
			continue;
		phiguard_stream_feed(streams[f], scratch, v.payload, v.payload_len, count_finding,
		                     &findings);
	}
	for (uint32_t f = 0; f < flows; f++)
		phiguard_stream_close(streams[f], scratch, count_finding, &findings);
	ret->seconds = now() - t0;
	capture_pcap_close(cap);
	phiguard_scratch_free(scratch);
	free(streams);
	return 0;
}

static void
report(const char *name, const struct run *r, const struct run *base)
{
	printf("%-26s %10.0f packets/s %7.3f Gbit/s", name, (double)r->packets / r->seconds,
	       (double)r->bytes * 8 / r->seconds / 1e9);
	if (base != NULL)
		printf("   %.3f x baseline", base->seconds / r->seconds);
	printf("\n");
}

/* Heap bytes per flow with many flows open, each past classification. */
static void
flow_memory(struct policy *policy, uint32_t n)
{
	struct pipeline_config cfg;
	struct pipeline_result res;
	struct pkt_meta meta = { .ts_us = 1, .outbound = true };
	struct mallinfo2 before, after;
	static const uint8_t req[] = "POST / HTTP/1.1\r\nHost: records.example.org\r\n\r\nhello";
	uint8_t pkt[256];
	uint64_t events = 0;
	struct pipeline *p;

	pipeline_config_defaults(&cfg);
	cfg.max_flows = n;
	before = mallinfo2();
	p = pipeline_new(&cfg, policy, on_event, &events);
	if (p == NULL)
		return;
	after = mallinfo2();
	/* hblkhd: the big arrays are mmap'd chunks, which uordblks leaves out. */
	printf("table preallocation        %.0f bytes per flow slot (%u slots)\n",
	       (double)(after.uordblks + after.hblkhd - before.uordblks - before.hblkhd) / n, n);
	before = after;
	for (uint32_t f = 0; f < n; f++) {
		pipeline_packet(p, pkt, tcp_packet(pkt, f, 1, 999, 0x02, NULL, 0), &meta, &res);
		pipeline_packet(p, pkt, tcp_packet(pkt, f, 1, 1000, 0x18, req, sizeof(req) - 1),
		                &meta, &res);
	}
	after = mallinfo2();
	printf("per tracked flow           %.0f bytes on top (state %zu, matcher stream if inspected)\n",
	       (double)(after.uordblks + after.hblkhd - before.uordblks - before.hblkhd) / n,
	       pipeline_flow_memory());
	pipeline_free(p);
}

int
main(int argc, char **argv)
{
	uint32_t flows = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000;
	uint32_t segs = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 64;
	uint32_t mem_flows = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 100000;
	char path[] = "/tmp/phiguard-bench-XXXXXX";
	struct pipeline_config cfg;
	struct policy *policy = NULL;
	struct run base, full;
	struct pipeline *p;
	uint64_t packets = 0, events = 0;
	int fd, ret = 1;

	struct phiguard_error err;

	if (policy_load_default(&policy, &err) < 0) {
		fprintf(stderr, "default policy: %s\n", err.msg);
		return 1;
	}
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	close(fd);
	if (write_capture(path, flows, segs, &packets) < 0)
		goto out;
	printf("synthetic capture: %u flows x %u segments of %d bytes, %llu packets\n", flows, segs,
	       MSS, (unsigned long long)packets);
	/* Warm the page cache, then alternate and keep the best of three of each. */
	run_capture(path, NULL, &base);
	pipeline_config_defaults(&cfg);
	for (int i = 0; i < 3; i++) {
		struct pipeline_counters c;
		struct run r;

		run_capture(path, NULL, &r);
		if (i == 0 || r.seconds < base.seconds)
			base = r;
		events = 0;
		p = pipeline_new(&cfg, policy, on_event, &events);
		if (p == NULL)
			goto out;
		run_capture(path, p, &r);
		if (i == 0 || r.seconds < full.seconds)
			full = r;
		pipeline_get_counters(p, &c);
		if (i == 2)
			printf("flows %llu, scanned %llu bytes, events %llu\n",
			       (unsigned long long)c.flows_total,
			       (unsigned long long)c.bytes_scanned, (unsigned long long)events);
		pipeline_free(p);
	}
	report("pcap read + decode", &base, NULL);
	report("pcap read + pipeline", &full, &base);
	{
		struct run mo, best = { 0 };

		for (int i = 0; i < 3; i++)
			if (run_matcher_only(path, policy_matcher(policy), flows, &mo) == 0 &&
			    (i == 0 || mo.seconds < best.seconds))
				best = mo;
		report("pcap read + matcher only", &best, &base);
		printf("pipeline time on top of the matcher: %.1f%%\n",
		       100.0 * (full.seconds - best.seconds) / full.seconds);
	}
	if (mem_flows > 0)
		flow_memory(policy, mem_flows);
	ret = 0;
out:
	unlink(path);
	policy_unref(policy);
	return ret;
}
