/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Socket -> owner lookup cost as the TCP table grows. Run inside a fresh
 * network namespace (bench_live.py does). For each target size it fills
 * the table with TIME_WAIT sockets (connect + close over loopback), opens
 * one live connection and times the exact SOCK_DIAG lookup phiguard uses
 * against the port-filtered dump other agents use.
 *
 * usage: attrib_bench SIZE...     one JSON line per size
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/attrib.h"

#define LISTENERS 4
#define BASE_PORT 40000

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
listener(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("listen");
		exit(1);
	}
	return fd;
}

static void
drain(int *lfd)
{
	for (int i = 0; i < LISTENERS; i++) {
		int c;
		while ((c = accept(lfd[i], NULL, NULL)) >= 0)
			close(c);
	}
}

/* The client closes first, so the TIME_WAIT socket stays on its side. */
static void
fill(int *lfd, long n)
{
	for (long i = 0; i < n; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET,
			                 .sin_port = htons(BASE_PORT + i % LISTENERS) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("connect");
			exit(1);
		}
		close(fd);
		if (i % 256 == 0)
			drain(lfd);
	}
	drain(lfd);
}

static long
count_sockets(void)
{
	FILE *f = fopen("/proc/net/sockstat", "r");
	char line[256];
	long inuse = 0, tw = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "TCP: inuse %ld orphan %*d tw %ld", &inuse, &tw) == 2)
			break;
	if (f)
		fclose(f);
	return inuse + tw;
}

int
main(int argc, char **argv)
{
	int lfd[LISTENERS], diag = sockdiag_open(), cfd;
	long filled = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(BASE_PORT) };
	struct sockaddr_in local;
	socklen_t llen = sizeof(local);
	struct sock_tuple t = { .family = AF_INET, .proto = IPPROTO_TCP };

	if (diag < 0) {
		fprintf(stderr, "sock_diag: %s\n", strerror(-diag));
		return 1;
	}
	for (int i = 0; i < LISTENERS; i++)
		lfd[i] = listener(BASE_PORT + i);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 1; i < argc; i++) {
		long target = atol(argv[i]);
		uint32_t inode = 0, uid = 0;
		int exact_n = 4000, dump_n = target > 50000 ? 50 : 200;
		double t0, exact_us, dump_us;

		fill(lfd, target - filled);
		filled = target;
		cfd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return 1;
		getsockname(cfd, (struct sockaddr *)&local, &llen);
		memcpy(t.local, &local.sin_addr, 4);
		memcpy(t.remote, &a.sin_addr, 4);
		t.local_port = ntohs(local.sin_port);
		t.remote_port = BASE_PORT;
		t0 = now_us();
		for (int k = 0; k < exact_n; k++)
			if (sockdiag_lookup(diag, &t, &inode, &uid) < 0)
				return 2;
		exact_us = (now_us() - t0) / exact_n;
		t0 = now_us();
		for (int k = 0; k < dump_n; k++)
			if (sockdiag_lookup_dump(diag, &t, &inode) < 0)
				return 3;
		dump_us = (now_us() - t0) / dump_n;
		printf("{\"target\": %ld, \"sockets\": %ld, \"exact_us\": %.2f, \"dump_us\": %.1f, "
		       "\"inode\": %u}\n",
		       target, count_sockets(), exact_us, dump_us, inode);
		fflush(stdout);
		close(cfd);
		drain(lfd);
	}
	return 0;
}
