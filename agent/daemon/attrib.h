/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_ATTRIB_H
#define PHIGUARD_DAEMON_ATTRIB_H

/*
 * Which process owns a connection. The socket is found with an exact
 * SOCK_DIAG_BY_FAMILY request (the full 5-tuple, no NLM_F_DUMP): the kernel
 * answers from its hash table, so the cost does not grow with the number of
 * sockets on the host (a dump walks the whole table: 230 us per lookup on an
 * empty table, milliseconds on a busy one). Socket inode -> pid comes from
 * bounded caches, filled by /proc/PID/fd scans off the packet path.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sock_tuple {
	int family;    /* AF_INET or AF_INET6 */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t local[16];
	uint8_t remote[16];
	uint16_t local_port;
	uint16_t remote_port;
};

/* A NETLINK_SOCK_DIAG socket, one per thread. Returns fd or negative errno. */
int sockdiag_open(void);

/* Exact lookup. 0 with inode and uid, -ENOENT when no such socket, or negative errno. */
int sockdiag_lookup(int fd, const struct sock_tuple *t, uint32_t *ret_inode, uint32_t *ret_uid);

/* The same answer by a dump filtered on ports (what other agents do): benchmarks only. */
int sockdiag_lookup_dump(int fd, const struct sock_tuple *t, uint32_t *ret_inode);

/* Parse "ip" strings and ports into a tuple. 0 or -EINVAL. */
int sock_tuple_parse(struct sock_tuple *t, const char *local_ip, uint16_t local_port,
                     const char *remote_ip, uint16_t remote_port, const char *transport);

struct proc_cache;

struct proc_cache_counters {
	uint64_t hits;
	uint64_t misses;
	uint64_t scans;         /* full /proc scans */
	uint64_t scans_skipped; /* rate limit: a miss left unattributed */
	uint64_t not_found;
};

struct proc_cache *proc_cache_new(uint32_t entries);
void proc_cache_free(struct proc_cache *cache);

/*
 * pid owning socket @inode (uid narrows the scan). 0, -ENOENT, or -EAGAIN
 * when a miss needs a full /proc scan and the last one was too recent (full
 * scans are at least FULL_SCAN_GAP_NS apart: a burst of new sockets must
 * not turn into a burst of /proc walks).
 */
int proc_cache_pid(struct proc_cache *cache, uint32_t inode, uint32_t uid, pid_t *ret_pid);
/* Nanoseconds until a full scan is allowed again (0: now). */
int64_t proc_cache_scan_wait_ns(const struct proc_cache *cache);

/* Executable of @pid, cached briefly (pids are reused). 0 or negative errno. */
int proc_cache_exe(struct proc_cache *cache, pid_t pid, char *buf, size_t len);

/* User name of @uid (getpwuid_r, cached). Empty string when unknown. */
void proc_cache_user(struct proc_cache *cache, uint32_t uid, char *buf, size_t len);

void proc_cache_get_counters(const struct proc_cache *cache, struct proc_cache_counters *ret);

#endif
