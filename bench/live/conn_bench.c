/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * New-connection workload: `conn_bench serve IP PORT` accepts and closes;
 * `conn_bench connect IP PORT N` makes N sequential connect()+close() and
 * prints one JSON line with the rate. `serve-request` and `request` do the
 * same with one HTTP request and answer on each connection (the client
 * speaks first, as most protocols do, so the agent sees its first data).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int
addr(const char *ip, const char *port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)atoi(port));
	return inet_pton(AF_INET, ip, &a->sin_addr) == 1 ? 0 : -1;
}

static const char request_text[] = "GET / HTTP/1.1\r\nHost: bench.test\r\n\r\n";
static const char answer_text[] = "HTTP/1.1 204 No Content\r\n\r\n";

static int
serve(struct sockaddr_in *a, bool answer)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 || listen(fd, 4096) < 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(fd, NULL, NULL);
		char buf[512];

		if (c < 0)
			continue;
		if (answer && read(c, buf, sizeof(buf)) > 0)
			(void)!write(c, answer_text, sizeof(answer_text) - 1);
		close(c);
	}
}

/* One request, and its whole answer (read to the server's close). */
static bool
exchange(int fd)
{
	char buf[512];
	ssize_t r;

	if (write(fd, request_text, sizeof(request_text) - 1) != sizeof(request_text) - 1)
		return false;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	return r == 0;
}

static int
connect_n(struct sockaddr_in *a, long n, bool request)
{
	struct timespec t0, t1;
	long ok = 0, err = 0;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)a, sizeof(*a)) == 0 &&
		    (!request || exchange(fd)))
			ok++;
		else
			err++;
		if (fd >= 0)
			close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("{\"conns\": %ld, \"ok\": %ld, \"errors\": %ld, \"secs\": %.4f, \"rate\": %.0f}\n",
	       n, ok, err, secs, (double)ok / secs);
	return err != 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a;

	if (argc >= 4 && !strncmp(argv[1], "serve", 5) && addr(argv[2], argv[3], &a) == 0)
		return serve(&a, !strcmp(argv[1], "serve-request"));
	if (argc >= 5 && (!strcmp(argv[1], "connect") || !strcmp(argv[1], "request")) &&
	    addr(argv[2], argv[3], &a) == 0)
		return connect_n(&a, atol(argv[4]), !strcmp(argv[1], "request"));
	fprintf(stderr,
	        "usage: conn_bench serve|serve-request IP PORT | connect|request IP PORT N\n");
	return 2;
}
