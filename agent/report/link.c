/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t
link_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
link_inflight_push(struct link *link, uint64_t seq, uint32_t txnr)
{
	unsigned i = (link->head + link->count) % LINK_WINDOW_MAX;

	link->inflight[i] =
	        (struct link_inflight){ .seq = seq, .txnr = txnr, .sent_ms = link_now_ms() };
	link->count++;
}

struct link_inflight *
link_inflight_front(struct link *link)
{
	return link->count > 0 ? &link->inflight[link->head] : NULL;
}

void
link_inflight_pop(struct link *link)
{
	link->head = (link->head + 1) % LINK_WINDOW_MAX;
	link->count--;
}

bool
link_is_open(const struct link *link)
{
	return link->conn != NULL;
}

bool
link_full(const struct link *link)
{
	if (link->transport == REPORT_TRANSPORT_HTTPS)
		return https_full(link);
	return link->count >= link->window;
}

/*
 * With TLS 1.3 the collector judges our certificate after our handshake is
 * done, so its refusal can surface as a reset on the first write instead of
 * an alert we can read. Say what it most likely means.
 */
static int
link_explain_early(struct link *link, int r)
{
	char detail[sizeof(link->err)];

	if (r >= 0 || link->confirmed || r == -EACCES || r == -EPERM)
		return r;
	memcpy(detail, link->err, sizeof(detail));
	(void)snprintf(link->err, sizeof(link->err),
	               "collector dropped us before accepting anything "
	               "(untrusted client certificate?): %.120s",
	               detail);
	return r;
}

int
link_open(struct link *link, const struct report_collector *col, unsigned window)
{
	int r;

	link->transport = col->transport;
	link->window = window == 0 ? 1 : window > LINK_WINDOW_MAX ? LINK_WINDOW_MAX : window;
	if (link->transport == REPORT_TRANSPORT_SYSLOG_TLS)
		link->window = LINK_WINDOW_MAX; /* entries are 10 ms batches there */
	link->head = link->count = 0;
	link->txnr = 0;
	link->rx_len = 0;
	link->out_len = 0;
	link->confirmed = false;
	link->err[0] = '\0';
	r = tls_connect(col, LINK_IO_TIMEOUT_MS, &link->idle, &link->conn, link->err,
	                sizeof(link->err));
	if (r < 0)
		return r;
	if (link->transport == REPORT_TRANSPORT_HTTPS)
		return https_open(link, col);
	if (link->transport == REPORT_TRANSPORT_RELP) {
		r = link_explain_early(link, relp_open(link));
		if (r < 0)
			link_close(link, false);
		else
			link->confirmed = true; /* the collector answered our open */
	}
	return r;
}

int
link_flush(struct link *link)
{
	int r;

	if (link->out_len == 0)
		return 0;
	r = tls_write_all(link->conn, link->out, link->out_len, LINK_IO_TIMEOUT_MS, link->err,
	                  sizeof(link->err));
	link->out_len = 0;
	return r;
}

int
link_queue(struct link *link, const char *data, size_t len)
{
	int r;

	if (len > sizeof(link->out) - link->out_len) {
		r = link_flush(link);
		if (r < 0)
			return r;
	}
	if (len > sizeof(link->out))
		return -EMSGSIZE;
	memcpy(link->out + link->out_len, data, len);
	link->out_len += len;
	return 0;
}

int
link_send(struct link *link, uint64_t seq, const char *record, size_t len)
{
	if (link->transport == REPORT_TRANSPORT_HTTPS)
		return https_send(link, seq, record, len);
	if (link->transport == REPORT_TRANSPORT_RELP)
		return link_explain_early(link, relp_send(link, seq, record, len));
	return link_explain_early(link, syslog_tls_send(link, seq, record, len));
}

int
link_pump(struct link *link, int timeout_ms, uint64_t *ret_acked)
{
	uint64_t before = *ret_acked;
	int r = link_flush(link);

	if (r == 0 && link->transport == REPORT_TRANSPORT_HTTPS)
		r = https_pump(link, timeout_ms, ret_acked);
	else if (r == 0 && link->transport == REPORT_TRANSPORT_RELP)
		r = relp_pump(link, timeout_ms, ret_acked);
	else if (r == 0)
		r = syslog_tls_pump(link, timeout_ms, ret_acked);
	if (*ret_acked != before)
		link->confirmed = true;
	return link_explain_early(link, r);
}

void
link_close(struct link *link, bool graceful)
{
	if (link->conn == NULL)
		return;
	if (graceful && link->transport == REPORT_TRANSPORT_RELP)
		relp_close(link);
	if (graceful)
		(void)link_flush(link);
	if (link->transport == REPORT_TRANSPORT_HTTPS)
		https_close(link);
	tls_close(link->conn, graceful);
	link->conn = NULL;
	link->count = 0;
	link->out_len = 0;
}
