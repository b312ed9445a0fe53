/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_REPORT_TLS_H
#define PHIGUARD_REPORT_TLS_H

/*
 * Mutual-TLS client connections to the collector (OpenSSL): the pinned CA
 * is the only trust anchor, the collector's name (or IP address) is checked
 * against its certificate, TLS 1.2 with ECDHE and AEAD suites or TLS 1.3.
 * Non-blocking sockets; every call is bounded by a timeout. Errors come back
 * as sentences for people in @err ("collector certificate rejected: ...",
 * "collector refused our client certificate: ...").
 */

#include <stddef.h>
#include <sys/types.h>

#include "report/report.h"

struct tls_conn;

/*
 * Work to keep going while a call waits on the network (the reporter keeps
 * draining its ring into the spool while a collector is slow or
 * unreachable). With @wake_fd (> 0, an eventfd the producer writes when
 * there is work) @fn runs when it fires, and a thread with nothing to do
 * sleeps until it or the network is ready; without, @fn runs every few
 * milliseconds. A tls_read woken this way returns early, with nothing read.
 */
struct tls_idle {
	void (*fn)(void *arg);
	void *arg;
	int wake_fd;
};

/*
 * Sleep up to @timeout_ms, or until @idle's wake_fd fires (then cleared):
 * 1 when woken, 0 when the time ran out. @idle may be NULL.
 */
int tls_idle_wait(const struct tls_idle *idle, int timeout_ms);

/* 0 or negative errno with @err filled. @idle may be NULL. */
int tls_connect(const struct report_collector *collector, int timeout_ms,
                const struct tls_idle *idle, struct tls_conn **ret_conn, char *err,
                size_t err_size);

/* Write all of @data. 0, -ETIMEDOUT, or another negative errno with @err filled. */
int tls_write_all(struct tls_conn *conn, const void *data, size_t len, int timeout_ms, char *err,
                  size_t err_size);

/*
 * Read what is there, waiting up to @timeout_ms for something: bytes read,
 * 0 when nothing came, negative errno on error or end of stream (-EPIPE).
 */
ssize_t tls_read(struct tls_conn *conn, void *buf, size_t size, int timeout_ms, char *err,
                 size_t err_size);

/* @graceful: send close_notify and wait briefly for the peer's. Accepts NULL. */
void tls_close(struct tls_conn *conn, bool graceful);

#endif
