/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

struct tls_conn {
	struct tls_idle idle;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
remaining(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left < 0 ? 0 : (int)left;
}

/* The OpenSSL error queue as one sentence, emptied. */
static void
ssl_errors(char *buf, size_t size)
{
	unsigned long e;
	size_t len = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0 && len + 2 < size) {
		char one[256];

		ERR_error_string_n(e, one, sizeof(one));
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len > 0 ? "; " : "", one);
		if (len >= size)
			len = size - 1;
	}
	if (buf[0] == '\0')
		(void)snprintf(buf, size, "%s", "no detail from OpenSSL");
}

/* Did the peer send an alert that means "your certificate is not good enough for me"? */
static bool
peer_refused_us(unsigned long e)
{
	switch (ERR_GET_REASON(e)) {
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
	case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
	case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:
		return true;
	default:
		return false;
	}
}

/* Explain a failed SSL call; returns the negative errno to hand back. */
static int
tls_explain(struct tls_conn *c, int ret, const char *what, char *err, size_t err_size)
{
	int code = SSL_get_error(c->ssl, ret);
	long verify = SSL_get_verify_result(c->ssl);
	unsigned long first = ERR_peek_error();
	char detail[512];

	if (verify != X509_V_OK) {
		ERR_clear_error();
		(void)snprintf(err, err_size,
		               "collector certificate rejected: %s (pinned CA does not vouch for "
		               "it, or the name does not match)",
		               X509_verify_cert_error_string(verify));
		return -EPERM;
	}
	if (code == SSL_ERROR_ZERO_RETURN) {
		(void)snprintf(err, err_size, "%s: the collector closed the connection", what);
		return -EPIPE;
	}
	if (code == SSL_ERROR_SYSCALL && first == 0) {
		(void)snprintf(err, err_size, "%s: %s", what,
		               errno != 0 ? strerror(errno) : "connection closed by the collector");
		return errno != 0 ? -errno : -EPIPE;
	}
	ssl_errors(detail, sizeof(detail));
	if (first != 0 && peer_refused_us(first)) {
		(void)snprintf(err, err_size, "collector refused our client certificate: %s",
		               detail);
		return -EACCES;
	}
	(void)snprintf(err, err_size, "%s: %s", what, detail);
	return -EPROTO;
}

#define IDLE_SLICE_MS 20

/* @idle's wake descriptor, or -1 (poll() skips it) when it has none. */
static int
wake_fd_of(const struct tls_idle *idle)
{
	return idle != NULL && idle->fn != NULL && idle->wake_fd > 0 ? idle->wake_fd : -1;
}

/* An eventfd counts writes: one read clears them all. */
static void
wake_clear(int fd)
{
	uint64_t count;

	(void)!read(fd, &count, sizeof(count));
}

int
tls_idle_wait(const struct tls_idle *idle, int timeout_ms)
{
	struct pollfd pfd = { .fd = wake_fd_of(idle), .events = POLLIN };
	int64_t deadline = now_ms() + timeout_ms;
	int n;

	do
		n = poll(&pfd, 1, remaining(deadline));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	wake_clear(pfd.fd);
	return 1;
}

/*
 * poll() one descriptor until @deadline, running @idle's work when its wake
 * descriptor fires (or, without one, between short slices). @end_on_wake: a
 * wake ends the wait (-ETIMEDOUT, as if the time ran out).
 */
static int
poll_sliced(int fd, short events, int64_t deadline, const struct tls_idle *idle, bool end_on_wake)
{
	void (*work)(void *) = idle != NULL ? idle->fn : NULL;
	struct pollfd pfd[2] = { { .fd = fd, .events = events },
		                 { .fd = wake_fd_of(idle), .events = POLLIN } };
	bool sliced = work != NULL && pfd[1].fd < 0;

	for (;;) {
		int left = remaining(deadline), n;
		bool woken;

		if (sliced && left > IDLE_SLICE_MS)
			left = IDLE_SLICE_MS;
		pfd[1].revents = 0;
		n = poll(pfd, 2, left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (pfd[0].revents != 0)
			return 0;
		woken = pfd[1].revents != 0;
		if (woken)
			wake_clear(pfd[1].fd);
		else if (remaining(deadline) == 0)
			return -ETIMEDOUT;
		if (woken || sliced)
			work(idle->arg);
		if (woken && end_on_wake)
			return -ETIMEDOUT;
	}
}

/*
 * Wait for what OpenSSL asked for. 0 ready, -ETIMEDOUT, or -errno. A read
 * that only waits for the collector's answers ends when there is new work.
 */
static int
tls_wait(struct tls_conn *c, int code, int64_t deadline, bool end_on_wake)
{
	return poll_sliced(c->fd, code == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, deadline,
	                   &c->idle, end_on_wake);
}

static SSL_CTX *
tls_context(const struct report_collector *col, char *err, size_t err_size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char detail[512];

	if (ctx == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
	/* TLS 1.2: forward secrecy and AEAD only (RFC 9662); TLS 1.3 suites are all modern */
	if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1)
		goto fail;
	/* the pinned CA is the only trust anchor: no system store */
	if (SSL_CTX_load_verify_locations(ctx, col->ca, NULL) != 1) {
		ssl_errors(detail, sizeof(detail));
		(void)snprintf(err, err_size, "pinned CA '%s': %s", col->ca, detail);
		goto out;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, col->cert) != 1) {
		ssl_errors(detail, sizeof(detail));
		(void)snprintf(err, err_size, "client certificate '%s': %s", col->cert, detail);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, col->key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ssl_errors(detail, sizeof(detail));
		(void)snprintf(err, err_size, "client key '%s': %s", col->key, detail);
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
fail:
	ssl_errors(detail, sizeof(detail));
	(void)snprintf(err, err_size, "TLS setup: %s", detail);
out:
	SSL_CTX_free(ctx);
	return NULL;
}

static int
tcp_connect(const struct report_collector *col, int64_t deadline, const struct tls_idle *idle,
            char *err, size_t err_size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char port[8];
	int fd = -1, r;

	(void)snprintf(port, sizeof(port), "%u", col->port);
	r = getaddrinfo(col->address, port, &hints, &res);
	if (r != 0) {
		(void)snprintf(err, err_size, "collector address '%s': %s", col->address,
		               gai_strerror(r));
		return -EHOSTUNREACH;
	}
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
		int soerr = 0, one = 1;
		socklen_t len = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0)
			continue;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		(void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		/* Needs CAP_NET_ADMIN; without it the address exemption still holds. */
		if (col->socket_mark != 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_MARK, &col->socket_mark,
			                 sizeof(col->socket_mark));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
			soerr = errno;
		} else {
			r = poll_sliced(fd, POLLOUT, deadline, idle, false);
			if (r < 0)
				soerr = -r;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
				soerr = errno;
		}
		if (soerr == 0)
			break;
		(void)snprintf(err, err_size, "connect to %s:%s: %s", col->address, port,
		               strerror(soerr));
		(void)close(fd);
		fd = -ECONNREFUSED;
		if (soerr != 0)
			fd = -soerr;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		(void)snprintf(err, err_size, "connect to %s:%s: no usable address", col->address,
		               port);
		return -EHOSTUNREACH;
	}
	return fd;
}

static int
tls_expect_peer(SSL *ssl, const char *name)
{
	unsigned char addr[16];

	if (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 ? 0 : -EINVAL;
	if (SSL_set_tlsext_host_name(ssl, name) != 1 || SSL_set1_host(ssl, name) != 1)
		return -EINVAL;
	/* the whole name must match: no wildcard for a part of a label */
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return 0;
}

int
tls_connect(const struct report_collector *col, int timeout_ms, const struct tls_idle *idle,
            struct tls_conn **ret_conn, char *err, size_t err_size)
{
	int64_t deadline = now_ms() + timeout_ms;
	const char *name = col->server_name[0] != '\0' ? col->server_name : col->address;
	struct tls_conn *c = calloc(1, sizeof(*c)); /* owned by the caller on success */
	int r;

	if (c == NULL)
		return -ENOMEM;
	c->fd = -1;
	if (idle != NULL)
		c->idle = *idle;
	ERR_clear_error();
	c->ctx = tls_context(col, err, err_size);
	if (c->ctx == NULL) {
		r = -EINVAL;
		goto fail;
	}
	c->fd = tcp_connect(col, deadline, idle, err, err_size);
	if (c->fd < 0) {
		r = c->fd;
		goto fail;
	}
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 || tls_expect_peer(c->ssl, name) < 0) {
		ssl_errors(err, err_size);
		r = -EINVAL;
		goto fail;
	}
	for (;;) {
		int ret = SSL_connect(c->ssl);
		int code;

		if (ret == 1)
			break;
		code = SSL_get_error(c->ssl, ret);
		if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE) {
			r = tls_explain(c, ret, "TLS handshake with the collector", err, err_size);
			goto fail;
		}
		r = tls_wait(c, code, deadline, false);
		if (r < 0) {
			(void)snprintf(err, err_size, "TLS handshake with the collector: %s",
			               strerror(-r));
			goto fail;
		}
	}
	*ret_conn = c;
	return 0;
fail:
	tls_close(c, false);
	return r;
}

int
tls_write_all(struct tls_conn *c, const void *data, size_t len, int timeout_ms, char *err,
              size_t err_size)
{
	int64_t deadline = now_ms() + timeout_ms;
	const char *p = data;

	while (len > 0) {
		size_t n = 0;
		int ret, code, r;

		ERR_clear_error();
		ret = SSL_write_ex(c->ssl, p, len, &n);
		if (ret == 1) {
			p += n;
			len -= n;
			continue;
		}
		code = SSL_get_error(c->ssl, ret);
		if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE)
			return tls_explain(c, ret, "send to the collector", err, err_size);
		r = tls_wait(c, code, deadline, false);
		if (r < 0) {
			(void)snprintf(err, err_size, "send to the collector: %s", strerror(-r));
			return r;
		}
	}
	return 0;
}

ssize_t
tls_read(struct tls_conn *c, void *buf, size_t size, int timeout_ms, char *err, size_t err_size)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		size_t n = 0;
		int ret, code, r;

		ERR_clear_error();
		ret = SSL_read_ex(c->ssl, buf, size, &n);
		if (ret == 1)
			return (ssize_t)n;
		code = SSL_get_error(c->ssl, ret);
		if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE)
			return tls_explain(c, ret, "receive from the collector", err, err_size);
		r = tls_wait(c, code, deadline, true);
		if (r == -ETIMEDOUT)
			return 0;
		if (r < 0) {
			(void)snprintf(err, err_size, "receive from the collector: %s",
			               strerror(-r));
			return r;
		}
	}
}

void
tls_close(struct tls_conn *c, bool graceful)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL && graceful) {
		int64_t deadline = now_ms() + 1000;
		int ret;

		/* our close_notify, then the peer's (or its end of stream): it read everything */
		while ((ret = SSL_shutdown(c->ssl)) != 1) {
			int code = SSL_get_error(c->ssl, ret);

			if (ret == 0)
				code = SSL_ERROR_WANT_READ;
			if ((code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE) ||
			    tls_wait(c, code, deadline, false) < 0)
				break;
		}
	}
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		(void)close(c->fd);
	ERR_clear_error();
	free(c);
}
