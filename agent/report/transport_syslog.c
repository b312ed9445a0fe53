/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 5425: syslog over TLS, octet-counted frames (MSG-LEN SP SYSLOG-MSG).
 * The protocol has no acknowledgement. A record counts as delivered once it
 * was written and the connection stayed up for LINK_SETTLE_MS afterwards:
 * a collector that stops or refuses us closes the connection (or sends a
 * TLS alert) well within that time, and then everything not yet settled is
 * resent. What remains lost is documented in docs/soc-guide.md.
 */
#include "report/link.h"

#include <errno.h>
#include <stdio.h>

int
syslog_tls_send(struct link *link, uint64_t seq, const char *record, size_t len)
{
	char head[24];
	int n = snprintf(head, sizeof(head), "%zu ", len);
	int r = link_queue(link, head, (size_t)n);

	if (r == 0)
		r = link_queue(link, record, len);
	if (r < 0)
		return r;
	/* records written within the same 10 ms settle together: one FIFO entry for all */
	if (link->count > 0) {
		struct link_inflight *back =
		        &link->inflight[(link->head + link->count - 1) % LINK_WINDOW_MAX];

		if (back->sent_ms / 10 == link_now_ms() / 10) {
			back->seq = seq;
			return 0;
		}
	}
	link_inflight_push(link, seq, 0);
	return 0;
}

int
syslog_tls_pump(struct link *link, int timeout_ms, uint64_t *ret_acked)
{
	struct link_inflight *front = link_inflight_front(link);
	int64_t now = link_now_ms();
	char buf[512];
	ssize_t n;

	if (front != NULL) {
		int64_t settle = front->sent_ms + LINK_SETTLE_MS - now;

		if (settle < timeout_ms)
			timeout_ms = settle < 0 ? 0 : (int)settle;
	}
	/* the collector never speaks: anything readable is an alert or the end */
	n = tls_read(link->conn, buf, sizeof(buf), timeout_ms, link->err, sizeof(link->err));
	if (n < 0)
		return (int)n;
	if (n > 0) {
		(void)snprintf(link->err, sizeof(link->err),
		               "collector sent data on a syslog-over-TLS connection");
		return -EPROTO;
	}
	now = link_now_ms();
	while ((front = link_inflight_front(link)) != NULL &&
	       front->sent_ms + LINK_SETTLE_MS <= now) {
		*ret_acked = front->seq;
		link_inflight_pop(link);
	}
	return 0;
}
