/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_ENCODE_H
#define PHIGUARD_REPORT_ENCODE_H

/*
 * Encoders for struct phiguard_event: ECS-named JSON (one line, no newline),
 * CEF version 0, the RFC 5424 record around either, and a one-line text
 * rendering for people on a terminal. Pure functions: no allocation, no I/O.
 * Each returns the length written (excluding the NUL it always adds) or
 * -ENOSPC when @size is too small (the buffer then holds a truncated string).
 * Strings from the wire are made valid UTF-8 (invalid bytes become U+FFFD)
 * and control characters are escaped, so hostile SNI or domain names cannot
 * forge lines or fields.
 */

#include <stddef.h>
#include <stdint.h>

#include <phiguard/event.h>

/* A record never needs more: the event struct's strings are bounded (worst case ~6x escaping). */
#define REPORT_RECORD_MAX 65536

#define REPORT_LABELS_MAX      8
#define REPORT_LABEL_KEY_MAX   32
#define REPORT_LABEL_VALUE_MAX 128

/* identity.labels: free-form key/value pairs copied into every event (ECS labels.*). */
struct report_labels {
	unsigned n;
	char key[REPORT_LABELS_MAX][REPORT_LABEL_KEY_MAX];
	char value[REPORT_LABELS_MAX][REPORT_LABEL_VALUE_MAX];
};

/* What a heartbeat says besides the event itself (phiguard.heartbeat.* in ECS). */
struct report_heartbeat {
	char policy_hash[72];
	uint64_t packets;
	uint64_t flows;
	uint64_t alerts;
	uint64_t blocks;
	uint64_t uninspected_periods; /* periods the agent passed traffic without inspecting it */
	uint64_t spool_events;
	uint64_t spool_bytes;
	uint64_t dropped;  /* events lost on this host (ring full, spool evictions) */
	unsigned interval; /* seconds until the next heartbeat */
};

/* Optional context for the encoders; either pointer may be NULL. */
struct report_encode_ctx {
	const struct report_labels *labels;
	const struct report_heartbeat *heartbeat;
};

enum report_format {
	REPORT_FORMAT_ECS = 0,
	REPORT_FORMAT_CEF,
};

/* ECS NDJSON object (no trailing newline). */
int report_encode_ecs(const struct phiguard_event *event, char *buf, size_t size);
int report_encode_ecs_ctx(const struct phiguard_event *event, const struct report_encode_ctx *ctx,
                          char *buf, size_t size);

/* CEF:0|phiguard|phiguard|VERSION|class|name|severity|extension */
int report_encode_cef(const struct phiguard_event *event, const struct report_encode_ctx *ctx,
                      char *buf, size_t size);

/*
 * RFC 5424 record: <PRI>1 TIMESTAMP HOSTNAME phiguard PROCID MSGID
 * [phiguard@32473 id="..." seq="..."] MSG, where MSG is the ECS or CEF
 * encoding. @seq is the spool sequence number (0: omitted). No framing.
 */
int report_encode_syslog(const struct phiguard_event *event, const struct report_encode_ctx *ctx,
                         enum report_format format, uint64_t seq, char *buf, size_t size);

/* RFC 5424 PRI for an event: facility local0, severity from event.severity. */
unsigned report_syslog_pri(const struct phiguard_event *event);

/* One line for a terminal, ASCII only, no newline. */
int report_format_text(const struct phiguard_event *event, char *buf, size_t size);

/* RFC 3339 UTC with microseconds: 2024-11-28T23:40:01.123456Z. Returns length or -ENOSPC. */
int report_format_time(int64_t timestamp_us, char *buf, size_t size);

#endif
