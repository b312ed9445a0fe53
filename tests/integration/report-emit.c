/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Emit synthetic events through the reporter, the way `phiguard run` does,
 * for the reporting integration tests and benchmarks.
 *
 *   report-emit --config agent.yaml [--count N] [--first K] [--rate EPS]
 *               [--block-every M] [--severity S] [--wait SECONDS]
 *
 * Event K carries "synthetic event K" as its message. Every M-th event is a
 * block (severity 8), the others flags (severity --severity, default 3).
 * After emitting, waits up to --wait seconds for the spool to drain, stops
 * the reporter and prints its status as one JSON object on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "report/report.h"

static yaml_node_t *
mapping_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static int
load_config(const char *path, struct report_config *config)
{
	struct phiguard_error err = { 0 };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	FILE *f = fopen(path, "re");
	int r = -EINVAL;

	if (f == NULL) {
		fprintf(stderr, "report-emit: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		fprintf(stderr, "report-emit: %s:%zu:%zu: %s\n", path, parser.problem_mark.line + 1,
		        parser.problem_mark.column + 1, parser.problem);
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	r = report_config_parse(config, &doc, mapping_get(&doc, root, "report"),
	                        mapping_get(&doc, root, "spool"), path, &err);
	if (r < 0)
		fprintf(stderr, "report-emit: %s:%u:%u: %s\n", err.file, err.line, err.column,
		        err.msg);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	(void)fclose(f);
	return r;
}

static void
synthetic_event(struct phiguard_event *e, uint64_t index, unsigned block_every, uint8_t severity)
{
	struct phiguard_event_finding *f = &e->findings[0];
	bool block = block_every > 0 && index % block_every == 0;

	memset(e, 0, sizeof(*e));
	e->kind = PHIGUARD_EVENT_ALERT;
	(void)snprintf(e->action, sizeof(e->action), "upload");
	e->severity = block ? 8 : severity;
	e->verdict = block ? PHIGUARD_VERDICT_BLOCK : PHIGUARD_VERDICT_FLAG;
	(void)snprintf(e->rule_name, sizeof(e->rule_name), "nhs-number-to-messaging");
	(void)snprintf(e->message, sizeof(e->message), "synthetic event %" PRIu64, index);
	(void)snprintf(e->source_ip, sizeof(e->source_ip), "10.200.0.2");
	e->source_port = (uint16_t)(40000 + index % 20000);
	(void)snprintf(e->destination_ip, sizeof(e->destination_ip), "10.200.0.1");
	e->destination_port = 443;
	(void)snprintf(e->destination_domain, sizeof(e->destination_domain), "web.whatsapp.com");
	(void)snprintf(e->tls_server_name, sizeof(e->tls_server_name), "web.whatsapp.com");
	(void)snprintf(e->transport, sizeof(e->transport), "tcp");
	(void)snprintf(e->protocol, sizeof(e->protocol), "tls");
	e->pid = 4121;
	(void)snprintf(e->executable, sizeof(e->executable), "/usr/lib/chromium/chromium");
	e->uid = 1000;
	(void)snprintf(e->user_name, sizeof(e->user_name), "nurse|ward=3 \\x");
	(void)snprintf(e->app, sizeof(e->app), "whatsapp");
	(void)snprintf(e->category, sizeof(e->category), "consumer-messaging");
	(void)snprintf(e->policy_version, sizeof(e->policy_version), "2024.11.1");
	(void)snprintf(e->reason, sizeof(e->reason), "nhs_number x2 to consumer-messaging");
	e->n_findings = 1;
	(void)snprintf(f->detector, sizeof(f->detector), "nhs_number");
	f->count = 2;
	f->confidence = PHIGUARD_CONFIDENCE_HIGH;
	/* the shape of 943 476 5919, never the value (the matcher redacts before us) */
	f->n_samples = 1;
	(void)snprintf(f->samples[0], sizeof(f->samples[0]), "9** *** ***9");
	f->n_tokens = 1;
	(void)snprintf(f->tokens[0], sizeof(f->tokens[0]), "3f2a9c0d5e7b41c8a6d2e9f01b3c5d7e");
}

static void
print_status(const struct report_status *s)
{
	printf("{\"link\":\"%s\",\"last_error\":\"", report_link_name(s->link));
	for (const char *p = s->last_error; *p != '\0'; p++)
		printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", (*p < 0x20) ? ' ' : *p);
	printf("\",\"spool_events\":%" PRIu64 ",\"spool_bytes\":%" PRIu64 ",\"emitted\":%" PRIu64
	       ",\"spooled\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"acked\":%" PRIu64
	       ",\"dropped_ring\":%" PRIu64 ",\"dropped_spool\":%" PRIu64 ",\"reconnects\":%" PRIu64
	       "}\n",
	       s->spool_events, s->spool_bytes, s->emitted, s->spooled, s->sent, s->acked,
	       s->dropped_ring, s->dropped_spool, s->reconnects);
	fflush(stdout);
}

static void
sleep_ns(int64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	if (ns > 0)
		(void)nanosleep(&ts, NULL);
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "first", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "block-every", required_argument, NULL, 'b' },
		{ "severity", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "idle", required_argument, NULL, 'i' },
		{ "paced", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_config config;
	struct phiguard_error err = { 0 };
	struct report_status status;
	struct phiguard_event event;
	struct reporter *r;
	uint64_t count = 10, first = 1, rate = 0;
	unsigned block_every = 0, severity = 3;
	double wait = 10, idle = 0;
	bool paced = false;
	uint64_t retries = 0, dropped = 0;
	int64_t start, deadline;
	int c;

	report_config_defaults(&config);
	config.stdout_mode = REPORT_STDOUT_NEVER;
	config.heartbeat_interval = 0;
	config.backoff_max_ms = 2000; /* tests restart collectors within seconds */
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (load_config(optarg, &config) < 0)
				return 2;
			break;
		case 'n':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'f':
			first = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			rate = strtoull(optarg, NULL, 10);
			break;
		case 'b':
			block_every = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			severity = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'w':
			wait = strtod(optarg, NULL);
			break;
		case 'i':
			idle = strtod(optarg, NULL);
			break;
		case 'p':
			paced = true; /* benchmarks: on a full ring, wait and emit again */
			break;
		default:
			return 2;
		}
	}
	r = report_start(&config, &err);
	if (r == NULL) {
		fprintf(stderr, "report-emit: %s\n", err.msg);
		return 2;
	}
	start = mono_ns();
	for (uint64_t i = 0; i < count; i++) {
		synthetic_event(&event, first + i, block_every, (uint8_t)severity);
		report_emit(r, &event);
		while (paced) {
			report_get_status(r, &status);
			if (status.dropped_ring == dropped)
				break;
			dropped = status.dropped_ring;
			retries++;
			sleep_ns(100000);
			report_emit(r, &event);
		}
		if (i % 50 == 49) {
			/* progress for tests that kill us: what is on disk by now */
			report_get_status(r, &status);
			fprintf(stderr, "spooled %" PRIu64 "\n", status.spooled);
		}
		if (rate > 0)
			sleep_ns(start + (int64_t)((i + 1) * 1000000000 / rate) - mono_ns());
	}
	/* --idle: stay up (heartbeats, reconnects) before waiting for the drain */
	sleep_ns((int64_t)(idle * 1e9));
	deadline = mono_ns() + (int64_t)(wait * 1e9);
	do {
		sleep_ns(20000000);
		report_get_status(r, &status);
	} while ((status.spool_events > 0 ||
	          status.spooled + status.dropped_spool < status.emitted) &&
	         mono_ns() < deadline);
	report_stop(r);
	if (paced)
		status.dropped_ring -= retries; /* each retry was counted as a drop */
	print_status(&status);
	return 0;
}
