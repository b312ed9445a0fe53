/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_REPORT_H
#define PHIGUARD_REPORT_REPORT_H

/*
 * The reporting stage: events from any thread -> lock-free ring -> reporter
 * thread -> durable spool on disk -> collector (RELP over TLS, or RFC 5425
 * syslog over TLS), with mutual TLS, heartbeats and a bounded spool.
 *
 * Threads: report_emit() and report_set_state() may be called from any
 * thread and never block (report_emit copies the event into the ring or
 * counts a drop). report_get_status() may be called from any thread.
 * report_start()/report_stop() belong to the thread that owns the reporter.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <yaml.h>

#include <phiguard/event.h>
#include <phiguard/match.h>

#include "report/encode.h"

enum report_transport {
	REPORT_TRANSPORT_RELP = 0,   /* RELP over TLS: acknowledged per event */
	REPORT_TRANSPORT_SYSLOG_TLS, /* RFC 5425: no application acknowledgement */
	REPORT_TRANSPORT_HTTPS, /* HTTPS batches, Splunk HEC shape: a 2xx acknowledges a batch */
};

enum report_stdout {
	REPORT_STDOUT_AUTO = 0, /* when stdout is a terminal, or no collector is configured */
	REPORT_STDOUT_ALWAYS,
	REPORT_STDOUT_NEVER,
};

enum report_stdout_format {
	REPORT_STDOUT_TEXT = 0,
	REPORT_STDOUT_JSON,
};

enum report_fsync {
	REPORT_FSYNC_ALWAYS = 0, /* fdatasync after every record: survives power loss */
	REPORT_FSYNC_BATCH, /* fdatasync at most every 100 ms: a crash of the host may lose 100 ms */
	REPORT_FSYNC_NEVER, /* the kernel decides: survives a crash of the agent, not of the host */
};

struct report_collector {
	bool enabled; /* false: events only go to the spool (and stdout) */
	enum report_transport transport;
	char address[256];
	uint16_t port;
	char server_name[256]; /* "" -> address: the name checked in the collector's certificate */
	char ca[PATH_MAX];     /* the pinned CA: the only trust anchor */
	char cert[PATH_MAX];   /* client certificate (chain) */
	char key[PATH_MAX];    /* client private key */
	enum report_format format;
	char token_file[PATH_MAX]; /* https: file holding the HEC token ("" -> no Authorization) */
	char path[256];            /* https: request path, default /services/collector/event */
	uint32_t socket_mark; /* SO_MARK on the link's sockets (0: none), so our rules skip them */
};

/* What the daemon knows and the heartbeat carries. */
struct report_state {
	char policy_version[64];
	char policy_hash[72];
	uint64_t packets;
	uint64_t flows;
	uint64_t alerts;
	uint64_t blocks;
	uint64_t uninspected_periods;
};

struct report_config {
	/* spool: */
	char spool_directory[PATH_MAX];
	uint64_t spool_max_bytes;
	enum report_fsync fsync;
	/* report: */
	enum report_stdout stdout_mode;
	enum report_stdout_format stdout_format;
	struct report_collector collector;
	unsigned heartbeat_interval; /* seconds; 0 disables heartbeats */
	char token_key_file[PATH_MAX];
	/* identity (set by the daemon from its identity section; "" -> derived): */
	char host_name[256];
	char host_id[64];
	struct report_labels labels;
	/* what the first heartbeat carries, before any report_set_state() (it runs at start): */
	struct report_state initial_state;
	/* tuning, not in agent.yaml: */
	unsigned ring_size;       /* events; rounded up to a power of two */
	unsigned window;          /* events in flight before an acknowledgement is needed */
	unsigned stop_timeout_ms; /* report_stop: how long to try to deliver what is spooled */
	unsigned backoff_max_ms;  /* reconnect delay doubles up to this, with jitter */
};

/* The defaults of docs (config-schema): spool in the state directory, no collector. */
void report_config_defaults(struct report_config *config);

/*
 * Parse the `report` and `spool` mappings of agent.yaml (either node may be
 * NULL) into @config, which holds the defaults beforehand. Unknown keys and
 * bad values are rejected with @err set to file:line:column (1-based).
 * 0 or -EINVAL.
 */
int report_config_parse(struct report_config *config, yaml_document_t *doc, yaml_node_t *report,
                        yaml_node_t *spool, const char *filename, struct phiguard_error *err);

enum report_link {
	REPORT_LINK_NONE = 0, /* no collector configured */
	REPORT_LINK_CONNECTING,
	REPORT_LINK_UP,
	REPORT_LINK_DOWN, /* waiting to reconnect; last_error says why */
};

struct report_status {
	enum report_link link;
	char last_error[256];
	uint64_t spool_events; /* spooled, not yet acknowledged */
	uint64_t spool_bytes;
	uint64_t emitted;       /* accepted by report_emit */
	uint64_t spooled;       /* written to the spool */
	uint64_t sent;          /* written to the collector (resends included) */
	uint64_t acked;         /* acknowledged by the collector */
	uint64_t dropped_ring;  /* report_emit found the ring full */
	uint64_t dropped_spool; /* evicted or refused by a full spool */
	uint64_t reconnects;
	int64_t last_ack_us; /* wall clock of the last acknowledgement, 0 never */
};

struct reporter;

/* Name of a link state: "none", "connecting", "up", "down". */
const char *report_link_name(enum report_link link);

/*
 * Open (or recover) the spool and start the reporter thread. NULL on error
 * with @err->msg saying why (spool directory, certificates, key files).
 */
struct reporter *report_start(const struct report_config *config, struct phiguard_error *err);

/*
 * Hand an event to the reporter: copied, never blocks. Fills event.id,
 * host.name, host.id when empty. A full ring counts a drop.
 */
void report_emit(struct reporter *r, const struct phiguard_event *event);

/* Update what heartbeats carry (policy version/hash, counters). Never blocks for long. */
void report_set_state(struct reporter *r, const struct report_state *state);

void report_get_status(const struct reporter *r, struct report_status *ret_status);

/*
 * Drain the ring into the spool, try for config.stop_timeout_ms to deliver
 * what is spooled, close the link, join the thread, free. Accepts NULL.
 * What is not delivered stays in the spool for the next start.
 */
void report_stop(struct reporter *r);

/* A random RFC 4122 version 4 UUID into @buf (at least 37 bytes). */
void report_new_event_id(char *buf, size_t size);

#endif
