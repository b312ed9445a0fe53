/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_PIPELINE_H
#define PHIGUARD_PIPELINE_H

/*
 * One packet through decode -> flow -> classify -> match -> decide. Pure
 * code: the live agent (NFQUEUE) and `phiguard replay` (pcap) both drive it.
 * One pipeline per worker thread; it owns its flow table and scratch, so no
 * locks are taken on the packet path.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <phiguard/event.h>

struct policy;

/* What the capture layer knows about a packet besides its bytes. */
struct pkt_meta {
	int64_t ts_us; /* capture time, microseconds since the epoch */
	bool has_uid;  /* uid/gid come from the queue (NFQA_UID/GID) */
	uint32_t uid;
	uint32_t gid;
	uint32_t mark;
	uint32_t ifindex_in;
	uint32_t ifindex_out;
	bool outbound; /* from this host (OUTPUT); replay sets it from the flow's first packet */
};

enum pipeline_action {
	PIPELINE_ACCEPT = 0, /* pass this packet, keep queueing the flow */
	PIPELINE_BYPASS,     /* pass, and let the kernel carry the rest of the flow */
	PIPELINE_INSPECT,    /* pass; the flow stays queued for content inspection */
	PIPELINE_BLOCK,      /* drop this packet, reset the connection, block the rest */
};

/* The flow a process is wanted for; addresses in network order, ports in host order. */
struct pipeline_flow_key {
	int family; /* AF_INET or AF_INET6 */
	uint8_t ip_proto;
	bool outbound; /* the client is this host */
	uint8_t client_addr[16];
	uint8_t server_addr[16];
	uint16_t client_port;
	uint16_t server_port;
};

struct pipeline_result {
	enum pipeline_action action;
	enum phiguard_verdict verdict; /* the flow's verdict so far */
	bool first_packet;             /* the packet started a flow (the first one seen of it) */
	struct pipeline_flow_key key;  /* that flow, set only with first_packet */
};

/* Called for every event the pipeline produces; the event is borrowed. */
typedef void pipeline_event_fn(const struct phiguard_event *event, void *ctx);

/*
 * Which process owns @key's socket: 0 with @exe (NUL-terminated) and
 * *@ret_pid filled, or negative errno. Called only when the policy has a
 * process rule, at most once per flow, before the flow's first decision.
 */
typedef int pipeline_resolve_process_fn(void *ctx, const struct pipeline_flow_key *key, char *exe,
                                        size_t exe_size, int64_t *ret_pid);

struct pipeline_config {
	uint32_t max_flows;         /* bounded flow table */
	uint32_t max_reasm_bytes;   /* per flow, client-to-server reassembly window */
	uint32_t dns_cache_entries; /* IP -> name cache */
	bool flow_records;          /* also emit one PHIGUARD_EVENT_FLOW per flow at its end */
	pipeline_resolve_process_fn *resolve_process; /* NULL: no process known (replay) */
	void *resolve_ctx;
};

void pipeline_config_defaults(struct pipeline_config *config);

/*
 * The pipeline takes a reference to @policy (policy_ref) and drops it on
 * free or on pipeline_set_policy. NULL on out of memory.
 */
struct pipeline *pipeline_new(const struct pipeline_config *config, struct policy *policy,
                              pipeline_event_fn *emit, void *emit_ctx);
void pipeline_free(struct pipeline *pipeline);

/* Swap the policy at a batch boundary; existing flows are re-decided lazily. */
void pipeline_set_policy(struct pipeline *pipeline, struct policy *policy);

/*
 * @l3 is an IPv4 or IPv6 packet, borrowed for the call only. Malformed input
 * is counted and gets PIPELINE_ACCEPT; this never fails.
 */
void pipeline_packet(struct pipeline *pipeline, const uint8_t *l3, size_t len,
                     const struct pkt_meta *meta, struct pipeline_result *ret);

/* A DNS response seen passively (NFLOG copy): feeds the IP -> name cache only. */
void pipeline_dns_observed(struct pipeline *pipeline, const uint8_t *l3, size_t len, int64_t ts_us);

/* Time out idle flows (emitting their final events); call from the worker loop. */
void pipeline_expire(struct pipeline *pipeline, int64_t now_us);

/* End of input (replay) or shutdown: close every flow, emitting its events. */
void pipeline_flush(struct pipeline *pipeline);

struct pipeline_counters {
	uint64_t packets;
	uint64_t malformed;
	uint64_t flows_active;
	uint64_t flows_total;
	uint64_t flows_evicted;
	uint64_t flows_bypassed;
	uint64_t flows_blocked;
	uint64_t flows_flagged;
	uint64_t bytes_scanned;
	/* Added after the first version; append only. */
	uint64_t fragments;      /* IP fragments (not reassembled) */
	uint64_t not_tcp_udp;    /* ICMP, ESP, ... passed without a flow */
	uint64_t alloc_failures; /* per-flow state not allocated: passed uninspected */
	uint64_t flows_timed_out;
	uint64_t tcp_segments;        /* client-to-server segments with payload */
	uint64_t tcp_retransmissions; /* wholly already seen */
	uint64_t tcp_overlaps;        /* partly already seen */
	uint64_t tcp_overlap_diffs;   /* overlaps with different bytes (first copy kept) */
	uint64_t tcp_out_of_order;    /* segments held ahead of a hole */
	uint64_t tcp_gaps;            /* holes given up */
	uint64_t tcp_reasm_drops;     /* bytes not held: no memory */
	uint64_t events;              /* alerts emitted */
	uint64_t match_errors;        /* matcher calls that failed (flow passed uninspected) */
	uint64_t bodies_decoded;      /* gzip/deflate request bodies whose decoding began */
	uint64_t bodies_not_decoded;  /* coded bodies (the rest) read as sent: another coding,
	                                 corrupt, past the bounds, or too many at once */
	uint64_t mail_parts_decoded;  /* base64 or quoted-printable parts of mails decoded */
	uint64_t zip_entries_decoded; /* deflated zip entries (.docx, .xlsx, .zip) inflated */
	uint64_t gzip_files_decoded;  /* gzip files (.gz) found in what was read, inflated */
	uint64_t websocket_messages;  /* WebSocket data messages read (unmasked, inflated) */
};

void pipeline_get_counters(const struct pipeline *pipeline, struct pipeline_counters *ret);

/* Bytes of state per tracked flow, without reassembly windows and matcher streams. */
size_t pipeline_flow_memory(void);

#endif
