/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RELP (rsyslog's Reliable Event Logging Protocol) over TLS, client side.
 * Frame: TXNR SP COMMAND SP DATALEN [SP DATA] LF. We open the session
 * offering only the syslog command, send one "syslog" frame per record and
 * take each "rsp 200" as the collector's acknowledgement of that record; the
 * server answers in order. librelp's client API hides which message an
 * acknowledgement belongs to, and the spool needs exactly that.
 */
#include "report/link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define RELP_TXNR_MAX 999999999U
#define RELP_OFFERS   "relp_version=0\nrelp_software=phiguard\ncommands=syslog"

static uint32_t
relp_next_txnr(struct link *link)
{
	link->txnr = link->txnr >= RELP_TXNR_MAX ? 1 : link->txnr + 1;
	return link->txnr;
}

/* Parse a decimal of at most @max_digits digits. */
static const char *
relp_number(const char *p, const char *end, unsigned max_digits, size_t *ret)
{
	size_t v = 0;
	unsigned n = 0;

	while (p < end && *p >= '0' && *p <= '9' && n < max_digits) {
		v = v * 10 + (size_t)(*p - '0');
		p++;
		n++;
	}
	*ret = v;
	return n == 0 ? NULL : p;
}

int
relp_parse(const char *buf, size_t len, struct relp_frame *f, size_t *ret_used)
{
	const char *p = buf, *end = buf + len, *q;
	size_t v, n = 0;

	q = memchr(p, ' ', len);
	if (q == NULL)
		return len > 10 ? -EPROTO : 0;
	if (relp_number(p, q, 9, &v) != q)
		return -EPROTO;
	f->txnr = (uint32_t)v;
	p = q + 1;
	while (p + n < end && p[n] != ' ' && p[n] != '\n' && n < 32)
		n++;
	if (p + n >= end)
		return n >= 32 ? -EPROTO : 0;
	if (p[n] != ' ' || n == 0)
		return -EPROTO;
	memcpy(f->command, p, n);
	f->command[n] = '\0';
	p += n + 1;
	q = relp_number(p, end, 9, &f->len);
	if (q == NULL || q == end)
		return q == NULL && p < end ? -EPROTO : 0;
	if (f->len == 0) {
		if (*q != '\n')
			return -EPROTO;
		f->data = q;
		*ret_used = (size_t)(q + 1 - buf);
		return 1;
	}
	if (*q != ' ')
		return -EPROTO;
	q++;
	if ((size_t)(end - q) < f->len + 1)
		return 0;
	if (q[f->len] != '\n')
		return -EPROTO;
	f->data = q;
	*ret_used = (size_t)(q + f->len + 1 - buf);
	return 1;
}

static int
relp_queue_frame(struct link *link, uint32_t txnr, const char *command, const char *data,
                 size_t len)
{
	char head[64];
	int n, r;

	if (len > 0)
		n = snprintf(head, sizeof(head), "%u %s %zu ", txnr, command, len);
	else
		n = snprintf(head, sizeof(head), "%u %s 0", txnr, command);
	r = link_queue(link, head, (size_t)n);
	if (r == 0 && len > 0)
		r = link_queue(link, data, len);
	if (r == 0)
		r = link_queue(link, "\n", 1);
	return r;
}

/* Handle the complete frames in the receive buffer. */
static int
relp_consume(struct link *link, uint64_t *ret_acked, uint32_t *ret_open_txnr)
{
	size_t off = 0;
	int r = 0;

	while (off < link->rx_len) {
		struct relp_frame f;
		struct link_inflight *front;
		size_t used;

		r = relp_parse(link->rx + off, link->rx_len - off, &f, &used);
		if (r == 0)
			break;
		if (r < 0) {
			(void)snprintf(link->err, sizeof(link->err),
			               "collector spoke something other than RELP");
			goto out;
		}
		off += used;
		if (strcmp(f.command, "serverclose") == 0) {
			(void)snprintf(link->err, sizeof(link->err),
			               "collector closed the RELP session");
			r = -EPIPE;
			goto out;
		}
		if (strcmp(f.command, "rsp") != 0)
			continue; /* hints we do not know: RELP says ignore */
		if (f.len < 3 || memcmp(f.data, "200", 3) != 0) {
			(void)snprintf(link->err, sizeof(link->err), "collector answered: %.*s",
			               (int)(f.len > 120 ? 120 : f.len), f.data);
			r = -EPROTO;
			goto out;
		}
		if (ret_open_txnr != NULL && f.txnr == *ret_open_txnr) {
			*ret_open_txnr = 0;
			continue;
		}
		front = link_inflight_front(link);
		if (front == NULL || front->txnr != f.txnr) {
			(void)snprintf(link->err, sizeof(link->err),
			               "collector acknowledged transaction %u out of order",
			               f.txnr);
			r = -EPROTO;
			goto out;
		}
		*ret_acked = front->seq;
		link_inflight_pop(link);
	}
	r = 0;
out:
	memmove(link->rx, link->rx + off, link->rx_len - off);
	link->rx_len -= off;
	return r;
}

static int
relp_receive(struct link *link, int timeout_ms)
{
	ssize_t n;

	if (link->rx_len == sizeof(link->rx)) {
		(void)snprintf(link->err, sizeof(link->err),
		               "collector sent an oversized RELP frame");
		return -EPROTO;
	}
	n = tls_read(link->conn, link->rx + link->rx_len, sizeof(link->rx) - link->rx_len,
	             timeout_ms, link->err, sizeof(link->err));
	if (n > 0)
		link->rx_len += (size_t)n;
	return n < 0 ? (int)n : 0;
}

int
relp_open(struct link *link)
{
	uint32_t txnr = relp_next_txnr(link);
	int64_t deadline = link_now_ms() + LINK_IO_TIMEOUT_MS;
	uint64_t unused = 0;
	int r;

	r = relp_queue_frame(link, txnr, "open", RELP_OFFERS, strlen(RELP_OFFERS));
	if (r == 0)
		r = link_flush(link);
	while (r == 0 && txnr != 0) {
		int left = (int)(deadline - link_now_ms());

		if (left <= 0) {
			(void)snprintf(link->err, sizeof(link->err),
			               "collector did not answer the RELP open");
			return -ETIMEDOUT;
		}
		r = relp_receive(link, left);
		if (r == 0)
			r = relp_consume(link, &unused, &txnr);
	}
	return r;
}

int
relp_send(struct link *link, uint64_t seq, const char *record, size_t len)
{
	uint32_t txnr = relp_next_txnr(link);
	int r = relp_queue_frame(link, txnr, "syslog", record, len);

	if (r == 0)
		link_inflight_push(link, seq, txnr);
	return r;
}

int
relp_pump(struct link *link, int timeout_ms, uint64_t *ret_acked)
{
	uint64_t before = *ret_acked;
	int r = relp_consume(link, ret_acked, NULL);

	if (r < 0)
		return r;
	/* idle too: wait for answers, or notice a serverclose, instead of spinning */
	r = relp_receive(link, *ret_acked != before ? 0 : timeout_ms);
	if (r == 0)
		r = relp_consume(link, ret_acked, NULL);
	return r;
}

void
relp_close(struct link *link)
{
	uint32_t txnr = relp_next_txnr(link);
	int64_t deadline = link_now_ms() + 1000;
	uint64_t unused = 0;

	if (relp_queue_frame(link, txnr, "close", NULL, 0) < 0 || link_flush(link) < 0)
		return;
	/* the answer to close, after the answers to everything before it */
	while (txnr != 0 && link_now_ms() < deadline) {
		if (relp_receive(link, (int)(deadline - link_now_ms())) < 0 ||
		    relp_consume(link, &unused, &txnr) < 0)
			break;
	}
}
