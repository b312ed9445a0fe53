/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_VERDICT_RULES_H
#define PHIGUARD_VERDICT_RULES_H

/*
 * phiguard's firewall rules: four chains of its own per address family
 * (PHIGUARD-OUT jumped to from filter OUTPUT, PHIGUARD-IN from filter INPUT,
 * PHIGUARD-DONE reached by goto from PHIGUARD-OUT, PHIGUARD-CLOSED from
 * PHIGUARD-OUT for the prefixes of fail-closed categories),
 * written with iptables-nft-restore --noflush so each install is one atomic
 * transaction and nobody else's rules are touched. See docs/live-agent.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verdict/marks.h"

#define RULES_CHAIN_OUT       "PHIGUARD-OUT"
#define RULES_CHAIN_IN        "PHIGUARD-IN"
#define RULES_CHAIN_DONE      "PHIGUARD-DONE"
#define RULES_CHAIN_CLOSED    "PHIGUARD-CLOSED"
#define RULES_EXEMPT_MAX      16
#define RULES_FAIL_CLOSED_MAX 512

struct rules_config {
	uint16_t tcp_queues[MARK_SHARD_MAX];
	unsigned n_tcp_queues;
	bool has_udp_queue;
	uint16_t udp_queue;
	bool fail_open;                            /* --queue-bypass: no listener -> packets flow */
	uint16_t nflog_groups[MARK_SHARD_MAX + 1]; /* DNS answer copies, one group per worker */
	unsigned n_nflog_groups;
	char cgroup[256]; /* our own cgroup v2 path, "" when none of our own */
	/* Our own peers (collector, policy server): never queued. */
	struct rules_exempt {
		int family; /* AF_INET or AF_INET6 */
		char addr[46];
		uint16_t port;
	} exempt[RULES_EXEMPT_MAX];
	unsigned n_exempt;
	/*
	 * Prefixes of fail_mode: closed categories (from the policy): queued
	 * without --queue-bypass, so while no agent listens the kernel drops
	 * them, whatever fail_open says for the rest.
	 */
	struct rules_prefix {
		int family;    /* AF_INET or AF_INET6 */
		char cidr[50]; /* "addr/len" */
	} fail_closed[RULES_FAIL_CLOSED_MAX];
	unsigned n_fail_closed;
};

enum rules_family {
	RULES_IPV4 = 0,
	RULES_IPV6,
};

/* What rules_install found before it replaced the rules. */
struct rules_report {
	bool stale;     /* our chains were present: the last run did not remove them */
	bool ipv6;      /* IPv6 rules are installed too */
	bool nft_queue; /* the kernel has nft's native queue expression */
};

/*
 * The iptables-restore text for one family. Jumps are added only when
 * missing, and extra copies removed, so installing twice leaves one jump.
 * Returns a malloc'd string (caller frees), NULL on out of memory.
 */
char *rules_render(const struct rules_config *config, enum rules_family family, unsigned jumps_out,
                   unsigned jumps_in);

/* Install or replace (idempotent). 0 or negative errno; @err gets a message. */
int rules_install(const struct rules_config *config, struct rules_report *ret, char *err,
                  size_t errlen);

/* Remove our chains and jumps for both families; absent rules are fine. */
int rules_remove(char *err, size_t errlen);

/* Probe in a scratch table whether nft's native queue statement loads here. */
bool rules_probe_nft_queue(void);

/* Count phiguard's jumps in filter OUTPUT for @family (tests, status), or negative errno. */
int rules_count_jumps(enum rules_family family);

#endif
