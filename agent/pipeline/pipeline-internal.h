/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_PIPELINE_INTERNAL_H
#define PHIGUARD_PIPELINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <phiguard/event.h>
#include <phiguard/match.h>

#include "flow/flow.h"
#include "pipeline/message.h"
#include "pipeline/pipeline.h"

/* The flow slot the pipeline keeps its per-flow state in. */
#define PIPELINE_SLOT 0

/* Client bytes kept for classification: a ClientHello with post-quantum key shares fits. */
#define PIPELINE_PREFIX_MAX (16U * 1024)
/* Datagrams a QUIC or unknown UDP flow may take to show what it is. */
#define PIPELINE_UDP_CLASSIFY_MAX 8
/* A STUN flow without an app yet is held this many datagrams (both directions) or this long. */
#define PIPELINE_STUN_HOLD_MAX 6
#define PIPELINE_STUN_HOLD_US  (2LL * 1000000)
/* Inflaters (compressed bodies, zip entries, gzip files) held at once per pipeline (about 56 KiB each). */
#define PIPELINE_INFLATE_MAX 64

enum pflow_state {
	PFLOW_CLASSIFYING = 0, /* waiting for the first client bytes to say what it is */
	PFLOW_DECIDED,         /* destination known, verdict taken (may rise with findings) */
};

struct quic_state;
struct phiguard_stream;
struct inflater;
struct mime_decoder;
struct archive_state;

/*
 * Where the codings change in the current message's matcher stream, so a
 * finding can say what was undone to read it (phiguard.findings[].decoded).
 * The last PIPELINE_CODING_SPANS changes are kept: a value is decided a
 * few hundred bytes after its end, well inside them.
 */
#define PIPELINE_CODING_SPANS 16
struct coding_spans {
	uint32_t n;                             /* changes recorded; [n % SPANS] is the next */
	uint64_t from[PIPELINE_CODING_SPANS];   /* stream offset where each begins */
	uint32_t coding[PIPELINE_CODING_SPANS]; /* enum phiguard_decoding bits from there */
};
struct ws_decoder;

/* Identity cache (ident.c): entries per pipeline, supplementary groups kept per user. */
#define PIPELINE_IDENT_ENTRIES    32
#define PIPELINE_IDENT_MAX_GROUPS 32

struct pipeline_ident {
	bool used;
	uint32_t uid;
	uint32_t gid;
	int64_t looked_up_us;
	char user[64];  /* "" when unknown */
	char group[64]; /* primary group's name, "" when unknown */
	uint32_t n_groups;
	uint32_t groups[PIPELINE_IDENT_MAX_GROUPS];
};

/* Per-flow pipeline state, owned by the flow (slot destructor pflow_free). */
struct pflow {
	enum pflow_state state;
	bool redecide; /* policy changed: decide again at the next packet */
	bool cleartext;
	bool inspect; /* content goes through the matcher */
	bool ech;
	bool outbound;
	bool has_uid;
	uint32_t uid;
	uint32_t gid;
	char protocol[16]; /* "tls", "quic", "http", "dns", "smtp", "" */
	char domain[256];  /* SNI, Host, or DNS-learned */
	char sni[256];
	char fingerprint[32];
	char app[32];
	char category[32];
	uint32_t udp_datagrams;
	uint32_t server_datagrams;
	bool stun_pending;  /* STUN without a fingerprint yet: decision held */
	bool process_tried; /* resolve_process called (once per flow) */
	int64_t pid;        /* -1 unknown */
	char *exe;          /* owned; NULL unless resolved */

	struct message_state msg;  /* where the client's current message ends */
	struct inflater *inflate;  /* owned; while a compressed body is decoded */
	bool body_raw;             /* this message's body cannot be decoded: read as sent */
	struct mime_decoder *mime; /* owned; while a mail's data is read */
	struct archive_state
	        *archive;           /* owned, from the first bytes scanned: zip and gzip searched */
	struct ws_decoder *ws;      /* owned; after a WebSocket upgrade */
	struct coding_spans *spans; /* owned, from the first decoded byte; NULL: all as sent */
	bool ws_raw;                /* the upgrade was refused: what follows is read as sent */

	uint8_t *
	        prefix; /* client stream start, owned; grown to PIPELINE_PREFIX_MAX, freed once decided */
	uint32_t prefix_len;
	uint32_t prefix_cap;
	struct quic_state *quic; /* owned */

	struct phiguard_stream *stream; /* owned; open while inspecting */
	uint64_t stream_len;            /* bytes fed to it */
	uint64_t scanned;
	size_t n_detectors;
	uint32_t *finding_count;                 /* [n_detectors], owned */
	enum phiguard_confidence *finding_level; /* [n_detectors], owned */
	uint32_t n_findings;
	struct phiguard_event_finding *findings; /* [PHIGUARD_EVENT_MAX_FINDINGS], owned */

	enum phiguard_verdict verdict;
	enum phiguard_verdict emitted; /* highest verdict an alert went out for */
	char rule_name[64];
	uint8_t severity;
	bool final;
	bool ending;     /* the flow's last bytes have left: a block now is too late to enforce */
	bool late_block; /* the policy's block came only then: reported as the flag it was */
};

struct pipeline {
	struct pipeline_config cfg;
	struct policy *policy;            /* a reference */
	struct flow_table *flows;         /* owned */
	struct dns_cache *dns;            /* owned */
	struct phiguard_scratch *scratch; /* owned, for policy's matcher */
	pipeline_event_fn *emit;
	void *emit_ctx;
	int64_t now_us;
	struct pipeline_counters counters;
	struct pipeline_ident *ident; /* [PIPELINE_IDENT_ENTRIES], owned */
	uint32_t ident_next;
	uint32_t inflate_live; /* inflaters held by flows (PIPELINE_INFLATE_MAX) */

	/* set for the duration of one delivery callback */
	struct flow *cur_flow;
	struct pflow *cur_pf;
};

/* inspect.c */
void pflow_free(void *state);
int pipeline_stages_init(struct pipeline *p, struct policy *policy);
void pipeline_stages_fini(struct pipeline *p);
/* In-order client bytes of a TCP flow, or one client datagram of a UDP flow. */
void pipeline_client_data(struct pipeline *p, struct flow *f, struct pflow *pf, const uint8_t *data,
                          size_t len, bool datagram);
/* A server-to-client UDP datagram (DNS answers feed the cache). */
void pipeline_server_datagram(struct pipeline *p, struct flow *f, struct pflow *pf,
                              const struct decode_view *v);
/* End of flow, before its record: close the matcher stream (late findings). */
void pipeline_flow_closing(struct pipeline *p, struct flow *f, struct pflow *pf);
/* No more classification bytes will come (flow ending, or classification window over). */
void pipeline_decide_now(struct pipeline *p, struct flow *f, struct pflow *pf);
/* Policy swap: close every stream with the old matcher, take @policy, re-decide flows lazily. */
void pipeline_stages_set_policy(struct pipeline *p, struct policy *policy);
void pipeline_redecide(struct pipeline *p, struct flow *f, struct pflow *pf);
/* @f as the daemon's callbacks see it (addresses in network order). */
void pipeline_flow_key_of(const struct flow *f, bool outbound, struct pipeline_flow_key *ret);

/* policy_version() of the running policy, "" without one. */
const char *pipeline_policy_version(const struct pipeline *p);

/* ident.c: the cached identity of @uid/@gid, NULL without a table. */
struct pipeline_ident *pipeline_ident_new(void);
const struct pipeline_ident *pipeline_ident_get(struct pipeline *p, uint32_t uid, uint32_t gid);

/* events.c */
void pipeline_emit_alert(struct pipeline *p, const struct flow *f, const struct pflow *pf);
void pipeline_emit_flow_record(struct pipeline *p, const struct flow *f, const struct pflow *pf);

#endif
