/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_EVENT_H
#define PHIGUARD_EVENT_H

/**
 * @file
 * The event the pipeline emits and the reporter encodes (ECS NDJSON, CEF,
 * RFC 5424). Fixed size and pointer-free, so it can be copied through a
 * lock-free ring and written to the spool as it is. Field names in comments
 * are the ECS names on the wire (a contract: see docs/soc-guide.md).
 */

#include <stdint.h>

#include <phiguard/match.h>

#ifdef __cplusplus
extern "C" {
#endif

enum phiguard_verdict {
	PHIGUARD_VERDICT_ALLOW = 0,
	PHIGUARD_VERDICT_FLAG,
	PHIGUARD_VERDICT_BLOCK,
};

/** "allow", "flag", "block". */
const char *phiguard_verdict_name(enum phiguard_verdict verdict);

enum phiguard_event_kind {
	PHIGUARD_EVENT_ALERT = 0, /**< event.kind "alert": a rule flagged or blocked */
	PHIGUARD_EVENT_FLOW,      /**< event.kind "event": a flow record (replay --all, audit) */
	PHIGUARD_EVENT_STATE, /**< event.kind "state": heartbeat, policy change, spool overflow */
};

/**
 * What was undone before the detectors read a value: a finding's
 * phiguard.findings[].decoded lists the codings behind at least one of its
 * values, outermost first; absent when every value was read as sent. Kinds
 * only: a name inside a zip or a mail may itself be patient data.
 */
enum phiguard_decoding {
	PHIGUARD_DECODED_CONTENT_ENCODING = 1U << 0, /**< "content-encoding": a gzip/deflate body */
	PHIGUARD_DECODED_MIME = 1U << 1,      /**< "mime": a mail's base64/quoted-printable part */
	PHIGUARD_DECODED_WEBSOCKET = 1U << 2, /**< "websocket": a masked message, inflated too */
	PHIGUARD_DECODED_ZIP = 1U << 3,       /**< "zip": a zip entry (.docx, .xlsx, .zip) */
	PHIGUARD_DECODED_GZIP = 1U << 4,      /**< "gzip": a gzip file (.csv.gz) */
};
#define PHIGUARD_DECODINGS 5

/** The wire name of one decoding bit ("zip"), NULL for anything else. */
const char *phiguard_decoding_name(unsigned decoding);

#define PHIGUARD_EVENT_MAX_FINDINGS 8
#define PHIGUARD_EVENT_MAX_SAMPLES  3

struct phiguard_event_finding {
	char detector[32];                   /**< phiguard.findings[].detector */
	uint32_t count;                      /**< phiguard.findings[].count */
	enum phiguard_confidence confidence; /**< highest seen */
	uint32_t n_samples;
	char samples[PHIGUARD_EVENT_MAX_SAMPLES][PHIGUARD_SAMPLE_MAX]; /**< redacted */
	uint32_t n_tokens;
	char tokens[PHIGUARD_EVENT_MAX_SAMPLES][PHIGUARD_TOKEN_MAX]; /**< keyed hashes */
	uint32_t decoded; /**< phiguard.findings[].decoded: enum phiguard_decoding bits */
};

struct phiguard_event {
	char id[40];          /**< event.id: UUID, stable across resends */
	int64_t timestamp_us; /**< @timestamp, microseconds since the epoch (UTC) */
	enum phiguard_event_kind kind;
	char action[32];    /**< event.action: "connection", "upload", "policy-refused", ... */
	uint8_t severity;   /**< event.severity 0..10 (CEF severity) */
	char rule_name[64]; /**< rule.name */
	char message[256];  /**< message: one line for people, no PHI */

	char source_ip[46];           /**< source.ip */
	uint16_t source_port;         /**< source.port */
	char destination_ip[46];      /**< destination.ip */
	uint16_t destination_port;    /**< destination.port */
	char destination_domain[256]; /**< destination.domain */
	char tls_server_name[256];    /**< tls.client.server_name */
	char transport[8];            /**< network.transport: "tcp", "udp" */
	char protocol[16];            /**< network.protocol: "tls", "quic", "http", "dns", ... */
	uint64_t bytes_out;           /**< source.bytes: client-to-server bytes seen */

	int64_t pid;          /**< process.pid, -1 unknown */
	char executable[256]; /**< process.executable */
	int64_t uid;          /**< user.id, -1 unknown */
	char user_name[64];   /**< user.name */

	char host_name[256]; /**< host.name (filled by the reporter when empty) */
	char host_id[64];    /**< host.id (filled by the reporter when empty) */

	enum phiguard_verdict verdict; /**< phiguard.verdict */
	char app[32];                  /**< phiguard.app */
	char category[32];             /**< phiguard.category */
	char policy_version[64];       /**< phiguard.policy_version */
	char reason[128];              /**< phiguard.reason: why this verdict, no PHI */
	uint32_t n_findings;
	struct phiguard_event_finding
	        findings[PHIGUARD_EVENT_MAX_FINDINGS]; /**< phiguard.findings[] */
};

#ifdef __cplusplus
}
#endif

#endif
