/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/attrib.h"
#include "tap.h"

static int
tcp_pair(int *ret_listen, int *ret_client, struct sock_tuple *t)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, local;
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 4) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	len = sizeof(local);
	getsockname(c, (struct sockaddr *)&local, &len);
	memset(t, 0, sizeof(*t));
	t->family = AF_INET;
	t->proto = IPPROTO_TCP;
	memcpy(t->local, &local.sin_addr, 4);
	memcpy(t->remote, &a.sin_addr, 4);
	t->local_port = ntohs(local.sin_port);
	t->remote_port = ntohs(a.sin_port);
	*ret_listen = l;
	*ret_client = c;
	return 0;
}

int
main(void)
{
	int diag = sockdiag_open(), l = -1, c = -1;
	struct sock_tuple t, parsed;
	struct stat st;
	uint32_t inode = 0, uid = 99, dump_inode = 0;
	struct proc_cache *cache = proc_cache_new(64);
	struct proc_cache_counters cc;
	char exe[256] = "", user[64] = "";
	pid_t pid = 0;

	tap_ok(diag >= 0, "sock_diag socket");
	tap_ok(tcp_pair(&l, &c, &t) == 0, "loopback connection");
	fstat(c, &st);
	tap_eq_int(sockdiag_lookup(diag, &t, &inode, &uid), 0, "exact lookup finds the socket");
	tap_eq_int(inode, st.st_ino, "the client socket's inode");
	tap_eq_int(uid, getuid(), "and its owner");
	tap_eq_int(sockdiag_lookup_dump(diag, &t, &dump_inode), 0, "a dump finds it too");
	tap_eq_int(dump_inode, st.st_ino, "the same inode");
	t.remote_port ^= 1;
	tap_ok(sockdiag_lookup(diag, &t, &inode, &uid) < 0, "a wrong tuple finds nothing");

	tap_eq_int(proc_cache_pid(cache, (uint32_t)st.st_ino, getuid(), &pid), 0,
	           "inode -> pid by /proc scan");
	tap_eq_int(pid, getpid(), "our own pid");
	pid = 0;
	tap_eq_int(proc_cache_pid(cache, (uint32_t)st.st_ino, getuid(), &pid), 0, "again");
	proc_cache_get_counters(cache, &cc);
	tap_ok(cc.hits == 1 && cc.misses == 1 && pid == getpid(), "the second time from the cache");
	tap_eq_int(proc_cache_exe(cache, getpid(), exe, sizeof(exe)), 0, "executable");
	tap_ok(strstr(exe, "test-daemon-attrib") != NULL, "is this test: %s", exe);
	proc_cache_user(cache, 0, user, sizeof(user));
	tap_ok(!strcmp(user, "root"), "uid 0 is root");
	tap_ok(proc_cache_pid(cache, 1, getuid(), &pid) < 0, "an unknown inode is not found");

	tap_eq_int(sock_tuple_parse(&parsed, "10.200.0.1", 1234, "10.200.0.2", 443, "tcp"), 0,
	           "tuple from event strings");
	tap_ok(parsed.family == AF_INET && parsed.local_port == 1234 && parsed.local[0] == 10,
	       "IPv4 tuple");
	tap_eq_int(sock_tuple_parse(&parsed, "fd00::1", 1, "fd00::2", 2, "udp"), 0, "IPv6 tuple");
	tap_ok(sock_tuple_parse(&parsed, "10.0.0.1", 1, "fd00::2", 2, "tcp") < 0,
	       "mixed families refused");
	tap_ok(sock_tuple_parse(&parsed, "bogus", 1, "10.0.0.1", 2, "tcp") < 0, "garbage refused");
	proc_cache_free(cache);
	close(c);
	close(l);
	close(diag);
	return tap_done();
}
