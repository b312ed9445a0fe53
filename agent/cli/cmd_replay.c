/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * phiguard replay [--policy FILE] [--format text|json] [--all] FILE...
 *
 * The live agent's pipeline fed from captures: prints the events `run` would
 * send (and with --all one record per flow). Exit 0: no alert; 1: at least
 * one flag or block; 2: an error (unreadable capture or policy).
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <phiguard/event.h>

#include "base/log.h"
#include "capture/capture.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "report/encode.h"

/* Expire idle flows once per second of capture time, as the live worker loop does. */
#define REPLAY_EXPIRE_INTERVAL_US 1000000

enum replay_format {
	REPLAY_TEXT,
	REPLAY_JSON,
};

struct replay {
	enum replay_format format;
	uint64_t alerts;
	uint64_t records;
	bool io_error;
};

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: phiguard replay [--policy FILE] [--format text|json] [--all] [--stats]\n"
	        "                       [--max-flows N] FILE...\n");
}

static void
on_event(const struct phiguard_event *event, void *ctx)
{
	struct replay *rp = ctx;
	static char line[65536];
	int n;

	if (event->kind == PHIGUARD_EVENT_ALERT)
		rp->alerts++;
	else
		rp->records++;
	if (rp->format == REPLAY_JSON)
		n = report_encode_ecs(event, line, sizeof(line));
	else
		n = report_format_text(event, line, sizeof(line));
	if (n < 0) {
		rp->io_error = true;
		return;
	}
	if (puts(line) == EOF)
		rp->io_error = true;
}

static int
replay_file(struct pipeline *pipeline, const char *path)
{
	char err[512] = "";
	struct capture_pcap *cap = NULL;
	struct capture_pkt pkt;
	struct pipeline_result res;
	struct pkt_meta meta;
	int64_t next_expire = 0;
	int r;

	r = capture_pcap_open(path, &cap, err, sizeof(err));
	if (r < 0) {
		log_warnx("%s: %s", path, err);
		return r;
	}
	memset(&meta, 0, sizeof(meta));
	/* A capture has no hook: the sender of each flow's first packet is taken as this host. */
	meta.outbound = true;
	while ((r = capture_pcap_next(cap, &pkt)) > 0) {
		meta.ts_us = pkt.ts_us;
		if (pkt.ts_us >= next_expire) {
			pipeline_expire(pipeline, pkt.ts_us);
			next_expire = pkt.ts_us + REPLAY_EXPIRE_INTERVAL_US;
		}
		pipeline_packet(pipeline, pkt.l3, pkt.l3_len, &meta, &res);
	}
	if (r < 0)
		log_warnx("%s: read error, stopping at the last good packet", path);
	/* Each capture stands alone: its flows end with it. */
	pipeline_flush(pipeline);
	capture_pcap_close(cap);
	return r;
}

static void
print_stats(const struct pipeline *pipeline)
{
	struct pipeline_counters c;

	pipeline_get_counters(pipeline, &c);
	fprintf(stderr,
	        "packets=%" PRIu64 " malformed=%" PRIu64 " fragments=%" PRIu64
	        " not_tcp_udp=%" PRIu64 " flows=%" PRIu64 " evicted=%" PRIu64 " timed_out=%" PRIu64
	        " bypassed=%" PRIu64 " flagged=%" PRIu64 " blocked=%" PRIu64
	        " bytes_scanned=%" PRIu64 " tcp_segments=%" PRIu64 " retransmissions=%" PRIu64
	        " overlaps=%" PRIu64 " overlap_diffs=%" PRIu64 " out_of_order=%" PRIu64
	        " gaps=%" PRIu64 " reasm_drops=%" PRIu64 " events=%" PRIu64
	        " bodies_decoded=%" PRIu64 " bodies_not_decoded=%" PRIu64
	        " mail_parts_decoded=%" PRIu64 " zip_entries_decoded=%" PRIu64
	        " gzip_files_decoded=%" PRIu64 " websocket_messages=%" PRIu64 "\n",
	        c.packets, c.malformed, c.fragments, c.not_tcp_udp, c.flows_total, c.flows_evicted,
	        c.flows_timed_out, c.flows_bypassed, c.flows_flagged, c.flows_blocked,
	        c.bytes_scanned, c.tcp_segments, c.tcp_retransmissions, c.tcp_overlaps,
	        c.tcp_overlap_diffs, c.tcp_out_of_order, c.tcp_gaps, c.tcp_reasm_drops, c.events,
	        c.bodies_decoded, c.bodies_not_decoded, c.mail_parts_decoded, c.zip_entries_decoded,
	        c.gzip_files_decoded, c.websocket_messages);
}

static int
load_policy(const char *path, struct policy **ret)
{
	struct phiguard_error err;
	int r;

	memset(&err, 0, sizeof(err));
	r = path != NULL ? policy_load_file(path, ret, &err) : policy_load_default(ret, &err);
	if (r < 0) {
		if (err.line > 0)
			log_warnx("%s:%u:%u: %s", err.file, err.line, err.column, err.msg);
		else
			log_warnx("%s: %s", path != NULL ? path : "default policy", err.msg);
	}
	return r;
}

int
cmd_replay(int argc, char **argv)
{
	static const struct option options[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "stats", no_argument, NULL, 's' },
		{ "max-flows", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pipeline_config cfg;
	struct replay rp = { .format = REPLAY_TEXT };
	struct pipeline *pipeline = NULL;
	struct policy *policy = NULL;
	const char *policy_path = NULL;
	bool stats = false, failed = false;
	char *end;
	unsigned long v;
	int c, ret = CLI_EXIT_ERROR;

	pipeline_config_defaults(&cfg);
	while ((c = getopt_long(argc, argv, "p:f:ashm:", options, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy_path = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0) {
				rp.format = REPLAY_TEXT;
			} else if (strcmp(optarg, "json") == 0) {
				rp.format = REPLAY_JSON;
			} else {
				log_warnx("unknown format '%s' (text or json)", optarg);
				return CLI_EXIT_ERROR;
			}
			break;
		case 'a':
			cfg.flow_records = true;
			break;
		case 's':
			stats = true;
			break;
		case 'm':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || v == 0 || v > (1UL << 24)) {
				log_warnx("--max-flows: '%s' is not a number from 1 to 16777216",
				          optarg);
				return CLI_EXIT_ERROR;
			}
			cfg.max_flows = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_EXIT_ERROR;
	}
	if (load_policy(policy_path, &policy) < 0)
		return CLI_EXIT_ERROR;
	pipeline = pipeline_new(&cfg, policy, on_event, &rp);
	if (pipeline == NULL) {
		log_warnx("cannot set up the pipeline: out of memory");
		goto out;
	}
	for (int i = optind; i < argc; i++)
		if (replay_file(pipeline, argv[i]) < 0)
			failed = true;
	if (fflush(stdout) != 0 || rp.io_error) {
		log_warn("writing events");
		failed = true;
	}
	if (stats)
		print_stats(pipeline);
	ret = failed ? CLI_EXIT_ERROR : rp.alerts > 0 ? CLI_EXIT_FOUND : CLI_EXIT_OK;
out:
	pipeline_free(pipeline);
	policy_unref(policy);
	return ret;
}
