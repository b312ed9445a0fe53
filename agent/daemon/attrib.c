/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/attrib.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "base/macro.h"

#define RECENT_PIDS   16
#define USER_CACHE    64
#define EXE_CACHE     256
#define EXE_TTL_NS    (5 * 1000000000LL)
#define SCAN_PIDS_MAX 65536
/*
 * A full /proc scan costs milliseconds on a busy host. A socket closed before
 * we look (short connections) would make every lookup one, so at most one
 * full scan per interval; a miss in between stays unattributed.
 */
#define FULL_SCAN_GAP_NS (50 * 1000000LL)

int
sockdiag_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };

	if (fd < 0)
		return -errno;
	/* An answer never takes long; never let a lost one hang the caller. */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

int
sock_tuple_parse(struct sock_tuple *t, const char *local_ip, uint16_t local_port,
                 const char *remote_ip, uint16_t remote_port, const char *transport)
{
	memset(t, 0, sizeof(*t));
	if (inet_pton(AF_INET, local_ip, t->local) == 1 &&
	    inet_pton(AF_INET, remote_ip, t->remote) == 1)
		t->family = AF_INET;
	else if (inet_pton(AF_INET6, local_ip, t->local) == 1 &&
	         inet_pton(AF_INET6, remote_ip, t->remote) == 1)
		t->family = AF_INET6;
	else
		return -EINVAL;
	if (!strcmp(transport, "tcp"))
		t->proto = IPPROTO_TCP;
	else if (!strcmp(transport, "udp"))
		t->proto = IPPROTO_UDP;
	else
		return -EINVAL;
	t->local_port = local_port;
	t->remote_port = remote_port;
	return 0;
}

struct diag_request {
	struct nlmsghdr nlh;
	struct inet_diag_req_v2 req;
};

static void
fill_request(struct diag_request *r, const struct sock_tuple *t, bool swap, bool dump)
{
	size_t alen = t->family == AF_INET ? 4 : 16;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = sizeof(*r);
	r->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
	r->req.sdiag_family = (uint8_t)t->family;
	r->req.sdiag_protocol = t->proto;
	r->req.idiag_states = ~0u;
	r->req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	r->req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	memcpy(r->req.id.idiag_src, swap ? t->remote : t->local, alen);
	memcpy(r->req.id.idiag_dst, swap ? t->local : t->remote, alen);
	r->req.id.idiag_sport = htons(swap ? t->remote_port : t->local_port);
	r->req.id.idiag_dport = htons(swap ? t->local_port : t->remote_port);
}

/* Read answers until the request's end; the first matching socket wins. */
static int
diag_read(int fd, const struct sock_tuple *t, bool dump, uint32_t *ret_inode, uint32_t *ret_uid)
{
	char buf[8192] __attribute__((aligned(8)));
	int r = -ENOENT;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int len = (int)n;
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (unsigned)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return r;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error ? e->error : r;
			}
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if (r == -ENOENT &&
			    (!dump || (ntohs(m->id.idiag_sport) == t->local_port &&
			               ntohs(m->id.idiag_dport) == t->remote_port))) {
				*ret_inode = m->idiag_inode;
				if (ret_uid)
					*ret_uid = m->idiag_uid;
				r = 0;
			}
		}
		if (!dump)
			return r;
	}
}

static int
diag_query(int fd, const struct sock_tuple *t, bool swap, uint32_t *ret_inode, uint32_t *ret_uid)
{
	struct diag_request req;

	fill_request(&req, t, swap, false);
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	return diag_read(fd, t, false, ret_inode, ret_uid);
}

int
sockdiag_lookup(int fd, const struct sock_tuple *t, uint32_t *ret_inode, uint32_t *ret_uid)
{
	int r = diag_query(fd, t, false, ret_inode, ret_uid);

	/*
	 * TCP looks the tuple up from the socket's side (src = local). UDP
	 * looks it up as a packet arriving for the socket (src = remote), and
	 * an unconnected UDP socket matches only with a wildcard remote.
	 */
	if (r == -ENOENT && t->proto == IPPROTO_UDP) {
		struct sock_tuple w = *t;
		r = diag_query(fd, t, true, ret_inode, ret_uid);
		if (r == -ENOENT) {
			memset(w.remote, 0, sizeof(w.remote));
			w.remote_port = 0;
			r = diag_query(fd, &w, true, ret_inode, ret_uid);
		}
	}
	return r;
}

int
sockdiag_lookup_dump(int fd, const struct sock_tuple *t, uint32_t *ret_inode)
{
	struct diag_request req;

	fill_request(&req, t, false, true);
	memset(req.req.id.idiag_src, 0, sizeof(req.req.id.idiag_src));
	memset(req.req.id.idiag_dst, 0, sizeof(req.req.id.idiag_dst));
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	return diag_read(fd, t, true, ret_inode, NULL);
}

/* The caches */

struct inode_slot {
	uint32_t inode;
	pid_t pid;
};

struct exe_slot {
	pid_t pid;
	int64_t at_ns;
	char exe[256];
};

struct user_slot {
	bool used;
	uint32_t uid;
	char name[64];
};

struct proc_cache {
	uint32_t mask;
	struct inode_slot *inodes; /* owned, mask + 1 slots; lossy: a collision overwrites */
	pid_t recent[RECENT_PIDS];
	unsigned recent_next;
	struct exe_slot exes[EXE_CACHE];
	struct user_slot users[USER_CACHE];
	pid_t *scan_pids; /* owned, SCAN_PIDS_MAX */
	int64_t last_full_scan_ns;
	struct proc_cache_counters counters;
};

struct proc_cache *
proc_cache_new(uint32_t entries)
{
	struct proc_cache *c = calloc(1, sizeof(*c));
	uint32_t n = 16;

	if (!c)
		return NULL;
	while (n < entries && n < (1u << 24))
		n <<= 1;
	c->mask = n - 1;
	c->inodes = calloc(n, sizeof(*c->inodes));
	c->scan_pids = calloc(SCAN_PIDS_MAX, sizeof(*c->scan_pids));
	if (!c->inodes || !c->scan_pids) {
		proc_cache_free(c);
		return NULL;
	}
	return c;
}

void
proc_cache_free(struct proc_cache *c)
{
	if (!c)
		return;
	free(c->inodes);
	free(c->scan_pids);
	free(c);
}

static uint32_t
inode_hash(uint32_t inode)
{
	return inode * 2654435761u;
}

static void
remember(struct proc_cache *c, uint32_t inode, pid_t pid)
{
	struct inode_slot *s = &c->inodes[inode_hash(inode) & c->mask];

	s->inode = inode;
	s->pid = pid;
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Read /proc/PID/fd: remember every socket seen (later connections of the
 * same process hit the cache) and say whether @inode is among them.
 */
static bool
scan_pid(struct proc_cache *c, pid_t pid, uint32_t inode)
{
	char path[64], link[64];
	bool found = false;
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while ((de = readdir(dir))) {
		unsigned long v;
		ssize_t n;
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);
		if (n < 9 || memcmp(link, "socket:[", 8) != 0)
			continue;
		link[n] = '\0';
		v = strtoul(link + 8, NULL, 10);
		remember(c, (uint32_t)v, pid);
		if (v == inode)
			found = true;
	}
	closedir(dir);
	return found;
}

static void
note_recent(struct proc_cache *c, pid_t pid)
{
	for (unsigned i = 0; i < RECENT_PIDS; i++)
		if (c->recent[i] == pid)
			return;
	c->recent[c->recent_next++ % RECENT_PIDS] = pid;
}

static int
full_scan(struct proc_cache *c, uint32_t inode, uint32_t uid, pid_t *ret_pid)
{
	struct dirent *de;
	size_t n = 0;
	int r = -ENOENT;
	DIR *dir;

	if (now_ns() - c->last_full_scan_ns < FULL_SCAN_GAP_NS) {
		c->counters.scans_skipped++;
		return -EAGAIN;
	}
	c->last_full_scan_ns = now_ns();
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	c->counters.scans++;
	while ((de = readdir(dir)) && n < SCAN_PIDS_MAX) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		c->scan_pids[n++] = (pid_t)pid;
	}
	closedir(dir);
	/* Newest first: the process that just connected is usually young. */
	for (size_t i = n; i-- > 0 && r < 0;) {
		char path[32];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/%d", (int)c->scan_pids[i]);
		if (uid != UINT32_MAX && (stat(path, &st) < 0 || st.st_uid != uid))
			continue;
		if (scan_pid(c, c->scan_pids[i], inode)) {
			*ret_pid = c->scan_pids[i];
			r = 0;
		}
	}
	return r;
}

int64_t
proc_cache_scan_wait_ns(const struct proc_cache *c)
{
	int64_t left = c->last_full_scan_ns + FULL_SCAN_GAP_NS - now_ns();

	return left > 0 ? left : 0;
}

int
proc_cache_pid(struct proc_cache *c, uint32_t inode, uint32_t uid, pid_t *ret_pid)
{
	const struct inode_slot *s = &c->inodes[inode_hash(inode) & c->mask];
	int r;

	if (inode == 0)
		return -ENOENT;
	if (s->inode == inode) {
		c->counters.hits++;
		*ret_pid = s->pid;
		return 0;
	}
	c->counters.misses++;
	for (unsigned i = 0; i < RECENT_PIDS; i++) {
		if (c->recent[i] > 0 && scan_pid(c, c->recent[i], inode)) {
			*ret_pid = c->recent[i];
			return 0;
		}
	}
	r = full_scan(c, inode, uid, ret_pid);
	if (r == 0)
		note_recent(c, *ret_pid);
	else
		c->counters.not_found++;
	return r;
}

int
proc_cache_exe(struct proc_cache *c, pid_t pid, char *buf, size_t len)
{
	struct exe_slot *s = &c->exes[(uint32_t)pid % EXE_CACHE];
	int64_t now = now_ns();
	char path[32];
	ssize_t n;

	if (s->pid == pid && now - s->at_ns < EXE_TTL_NS) {
		snprintf(buf, len, "%s", s->exe);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, s->exe, sizeof(s->exe) - 1);
	if (n < 0) {
		s->pid = 0;
		return -errno;
	}
	s->exe[n] = '\0';
	s->pid = pid;
	s->at_ns = now;
	snprintf(buf, len, "%s", s->exe);
	return 0;
}

void
proc_cache_user(struct proc_cache *c, uint32_t uid, char *buf, size_t len)
{
	struct user_slot *s = &c->users[uid % USER_CACHE];
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (!s->used || s->uid != uid) {
		s->used = true;
		s->uid = uid;
		s->name[0] = '\0';
		if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
			snprintf(s->name, sizeof(s->name), "%s", res->pw_name);
	}
	snprintf(buf, len, "%s", s->name);
}

void
proc_cache_get_counters(const struct proc_cache *c, struct proc_cache_counters *ret)
{
	*ret = c->counters;
}
