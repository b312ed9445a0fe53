/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_FLOW_H
#define PHIGUARD_FLOW_H

/*
 * Per-worker flow table keyed by the 5-tuple, and bounded TCP reassembly of
 * the client-to-server byte stream. Flows are owned by the table: stages get
 * a borrowed struct flow * for one packet and hang their own state off it in
 * a slot whose destructor they register, so the table never needs to know
 * what that state is. No locks: one table per worker thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

/* The 5-tuple in canonical order (lower endpoint first), so both directions meet. */
struct flow_key {
	uint8_t family; /* 4 or 6 */
	uint8_t ip_proto;
	uint16_t port_lo;
	uint16_t port_hi;
	uint8_t addr_lo[16];
	uint8_t addr_hi[16];
};

enum flow_dir {
	FLOW_DIR_TO_SERVER =
	        0, /* from the side that sent the first packet (SYN or first datagram) */
	FLOW_DIR_TO_CLIENT = 1,
};

#define REASM_F_MIDSTREAM    (1U << 0) /* no SYN seen: the stream starts at the first data seen */
#define REASM_F_GAP          (1U << 1) /* bytes were skipped (window full or lost): stream has a hole */
#define REASM_F_OVERLAP_DIFF (1U << 2) /* an overlap carried different bytes (first kept) */

/* Client-to-server reassembly state. The window buffer is allocated only once data arrives out of order. */
struct reasm {
	bool synced;        /* base sequence known */
	uint32_t flags;     /* REASM_F_* */
	uint32_t next_seq;  /* next in-order byte expected */
	uint64_t delivered; /* bytes handed on in order */
	uint32_t window;    /* capacity of the out-of-order window, bytes */
	uint32_t queued;    /* bytes held in the window */
	uint32_t head;      /* ring index of next_seq */
	uint8_t *buf;       /* [window], owned; NULL until needed */
	uint8_t *have;      /* [window / 8] bitmap of held bytes, owned with buf */
};

/* Counters a reassembler adds to (owned by the caller, usually the table). */
struct reasm_counters {
	uint64_t segments;
	uint64_t retransmissions; /* wholly already delivered or held */
	uint64_t overlaps;        /* partly already delivered or held */
	uint64_t overlap_diffs;   /* overlaps whose bytes differed from what was kept */
	uint64_t out_of_order;    /* segments held ahead of a hole */
	uint64_t window_drops;    /* bytes dropped: no memory for the window */
	uint64_t gaps;            /* holes given up (capture loss, or beyond the window) */
	uint64_t alloc_failures;
};

/* Called with in-order client-to-server bytes; borrowed for the call only. */
typedef void reasm_deliver_fn(const uint8_t *data, size_t len, void *ctx);

void reasm_init(struct reasm *r, uint32_t window);
/* Frees the window; the struct may be reused after reasm_init. */
void reasm_clear(struct reasm *r);
/* A SYN: the stream starts at seq + 1. */
void reasm_syn(struct reasm *r, uint32_t seq);
/*
 * One segment's payload at @seq. In-order bytes (and any held bytes they make
 * contiguous) go to @deliver at once; bytes ahead of a hole are copied into
 * the bounded window; bytes already delivered or held win over new ones.
 */
void reasm_segment(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len,
                   struct reasm_counters *c, reasm_deliver_fn *deliver, void *ctx);
/* Give up on a hole (the flow is ending): deliver what is held after it. */
void reasm_flush(struct reasm *r, struct reasm_counters *c, reasm_deliver_fn *deliver, void *ctx);

#define FLOW_F_FIN_CLIENT  (1U << 0)
#define FLOW_F_FIN_SERVER  (1U << 1)
#define FLOW_F_RST         (1U << 2)
#define FLOW_F_SYN_SEEN    (1U << 3)
#define FLOW_F_SYNACK_SEEN (1U << 4)

#define FLOW_MAX_SLOTS 4

struct flow {
	struct flow_key key;
	/* The client endpoint (sender of the first packet), in packet order. */
	uint8_t client_addr[16];
	uint8_t server_addr[16];
	uint16_t client_port;
	uint16_t server_port;
	uint32_t flags; /* FLOW_F_* */
	int64_t first_us;
	int64_t last_us;
	uint64_t id;              /* unique within the table's life */
	uint64_t packets[2];      /* per enum flow_dir */
	uint64_t bytes[2];        /* payload bytes per direction */
	uint32_t server_next_seq; /* minimal server-side tracking: highest end seen */
	struct reasm reasm;       /* client-to-server */
	void *slot[FLOW_MAX_SLOTS];

	/* table internals */
	struct flow *hash_next;
	struct flow *lru_prev;
	struct flow *lru_next;
	uint32_t hash;
	bool in_use;
};

struct flow_table_config {
	uint32_t max_flows;
	uint32_t reasm_window;         /* per flow, bytes held out of order */
	int64_t tcp_timeout_us;        /* idle established TCP */
	int64_t tcp_closed_timeout_us; /* after FIN both ways or RST */
	int64_t udp_timeout_us;
	uint64_t hash_seed; /* 0: pick one at random */
};

enum flow_end_reason {
	FLOW_END_TIMEOUT,
	FLOW_END_EVICTED,
	FLOW_END_FLUSH,
};

/*
 * Called before a flow leaves the table (timeout, eviction, flush), while its
 * slots are still set: the owner emits final events here. Slot destructors
 * run after it.
 */
typedef void flow_end_fn(struct flow *flow, enum flow_end_reason reason, void *ctx);
typedef void flow_slot_free_fn(void *state);

struct flow_table_counters {
	uint64_t flows_active;
	uint64_t flows_total;
	uint64_t flows_evicted;
	uint64_t flows_timed_out;
	struct reasm_counters reasm;
};

struct flow_table;

/* NULL on out of memory. The table preallocates max_flows flows. */
struct flow_table *flow_table_new(const struct flow_table_config *config, flow_end_fn *on_end,
                                  void *ctx);
/* Ends every flow (FLOW_END_FLUSH) and frees the table. Accepts NULL. */
void flow_table_free(struct flow_table *ft);
void flow_table_config_defaults(struct flow_table_config *config);

/* Register the destructor of slot @slot (< FLOW_MAX_SLOTS). */
void flow_table_set_slot_free(struct flow_table *ft, unsigned slot, flow_slot_free_fn *fn);

void flow_key_from_view(const struct decode_view *v, struct flow_key *ret);

/*
 * The flow of a decoded packet, created if new (evicting the least recently
 * used flow when the table is full). *ret_dir says which way the packet goes.
 * Never NULL for a packet with ports.
 */
struct flow *flow_table_get(struct flow_table *ft, const struct decode_view *v, int64_t now_us,
                            enum flow_dir *ret_dir);
/* Lookup only; NULL when unknown. */
struct flow *flow_table_lookup(struct flow_table *ft, const struct flow_key *key);

/*
 * Track TCP flags and sequence numbers; client payload goes through reassembly
 * to @deliver. With @deliver NULL only flags are tracked and held bytes are dropped.
 */
void flow_tcp_packet(struct flow_table *ft, struct flow *f, enum flow_dir dir,
                     const struct decode_view *v, reasm_deliver_fn *deliver, void *ctx);

/* Deliver what reassembly holds after a hole (the flow is ending). */
void flow_tcp_flush(struct flow_table *ft, struct flow *f, reasm_deliver_fn *deliver, void *ctx);

/* End flows idle past their timeout as of @now_us. */
void flow_table_expire(struct flow_table *ft, int64_t now_us);
/* End every flow. */
void flow_table_flush(struct flow_table *ft);
/* Visit every flow (most recently used first). */
void flow_table_foreach(struct flow_table *ft, void (*fn)(struct flow *f, void *ctx), void *ctx);

void flow_table_get_counters(const struct flow_table *ft, struct flow_table_counters *ret);
/* Bytes per tracked flow in the table itself (without reassembly windows or slots). */
size_t flow_table_flow_size(void);

#endif
