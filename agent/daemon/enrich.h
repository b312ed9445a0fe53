/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_ENRICH_H
#define PHIGUARD_DAEMON_ENRICH_H

/*
 * The attribution thread: events wait here (never a verdict) while the
 * socket's owner is found through the /proc caches, then go to the
 * reporter with pid, executable and user name filled in.
 */

#include <stdint.h>

#include <phiguard/event.h>

#include "daemon/agent_config.h"
#include "daemon/attrib.h"

struct agent;
struct enricher;

struct enricher_counters {
	uint64_t events;
	uint64_t attributed;
	uint64_t unattributed;
	uint64_t queue_full; /* events passed on without waiting for attribution */
	uint64_t warm_dropped;
	struct proc_cache_counters cache;
};

struct enricher *enricher_new(struct agent *agent, uint32_t cache_entries);
void enricher_free(struct enricher *enricher);

/*
 * Worker side. The socket was looked up by the caller while it still
 * existed (@inode 0: not found); the event is copied.
 */
void enricher_submit(struct enricher *enricher, const struct phiguard_event *event, uint32_t inode,
                     uint32_t sock_uid);

/* attribution: flows — resolve this socket's owner now, so a later event finds it cached. */
void enricher_warm(struct enricher *enricher, uint32_t inode, uint32_t uid);

void enricher_get_counters(struct enricher *enricher, struct enricher_counters *ret);

#endif
