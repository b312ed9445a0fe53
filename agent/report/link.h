/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_LINK_H
#define PHIGUARD_REPORT_LINK_H

/*
 * One connection to the collector and the records in flight on it. A record
 * is acknowledged when the collector says so (RELP "rsp 200") or, for RFC
 * 5425 which has no acknowledgement, when it was written and the connection
 * stayed healthy for LINK_SETTLE_MS afterwards (see docs/soc-guide.md: the
 * loss window). On any error the caller closes the link and resends from
 * the last acknowledged record.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/report.h"
#include "report/tls.h"

#define LINK_WINDOW_MAX    1024
#define LINK_SETTLE_MS     1000
#define LINK_IO_TIMEOUT_MS 5000

struct link_inflight {
	uint64_t seq;
	uint32_t txnr;
	int64_t sent_ms;
};

struct link {
	struct tls_idle idle; /* set by the owner: run while waiting on the network */
	enum report_transport transport;
	struct tls_conn *conn;
	unsigned window;
	struct link_inflight inflight[LINK_WINDOW_MAX]; /* FIFO */
	unsigned head, count;
	uint32_t txnr; /* RELP: the last transaction number used */
	char rx[8192]; /* RELP: response bytes not yet parsed */
	size_t rx_len;
	char out[2 * REPORT_RECORD_MAX]; /* frames not yet written: one TLS write for many */
	size_t out_len;
	bool confirmed; /* the collector acknowledged something on this connection */
	/* https: the batch being built or awaiting its answer */
	char body[4 * REPORT_RECORD_MAX];
	size_t body_len;
	bool request_out;
	int64_t request_ms;
	char token[256];
	char host[256];
	char path[256];
	char err[256];
};

/* Connect and, for RELP, open the session. 0 or negative errno with link->err set. */
int link_open(struct link *link, const struct report_collector *collector, unsigned window);
/* Send one record (an RFC 5424 message, unframed). 0 or negative errno. */
int link_send(struct link *link, uint64_t seq, const char *record, size_t len);
bool link_full(const struct link *link);
/*
 * Collect acknowledgements, waiting up to @timeout_ms when nothing is
 * acknowledged yet. *ret_acked becomes the highest acknowledged sequence
 * number (unchanged when none). 0 or negative errno (the link is broken).
 */
int link_pump(struct link *link, int timeout_ms, uint64_t *ret_acked);
/* @graceful: RELP close / TLS close_notify so the collector has read everything. */
void link_close(struct link *link, bool graceful);
bool link_is_open(const struct link *link);

/* internal: queue @len bytes for the collector (written when the buffer fills or on flush). */
int link_queue(struct link *link, const char *data, size_t len);
int link_flush(struct link *link);
/* internal: monotonic milliseconds */
int64_t link_now_ms(void);
/* internal: FIFO helpers shared by the framings */
void link_inflight_push(struct link *link, uint64_t seq, uint32_t txnr);
struct link_inflight *link_inflight_front(struct link *link);
void link_inflight_pop(struct link *link);

/* One RELP frame as parsed: @data points into the buffer given. */
struct relp_frame {
	uint32_t txnr;
	char command[33];
	const char *data;
	size_t len;
};

/* 1: a frame of *ret_used bytes; 0: need more bytes; -EPROTO: not RELP. */
int relp_parse(const char *buf, size_t len, struct relp_frame *f, size_t *ret_used);

/*
 * An HTTP/1.x answer in @buf (@len bytes, @cap the buffer's size; a NUL is
 * written at @len): 1 complete (*ret_status, *ret_used bytes), 0 need more,
 * -EPROTO malformed or larger than @cap.
 */
int https_parse_response(char *buf, size_t len, size_t cap, int *ret_status, size_t *ret_used);

/* The framings (transport_relp.c, transport_syslog.c, transport_https.c). */
int relp_open(struct link *link);
int relp_send(struct link *link, uint64_t seq, const char *record, size_t len);
int relp_pump(struct link *link, int timeout_ms, uint64_t *ret_acked);
void relp_close(struct link *link);
int syslog_tls_send(struct link *link, uint64_t seq, const char *record, size_t len);
int syslog_tls_pump(struct link *link, int timeout_ms, uint64_t *ret_acked);
int https_open(struct link *link, const struct report_collector *collector);
bool https_full(const struct link *link);
int https_send(struct link *link, uint64_t seq, const char *record, size_t len);
int https_pump(struct link *link, int timeout_ms, uint64_t *ret_acked);
void https_close(struct link *link);

#endif
