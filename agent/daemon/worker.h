/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_WORKER_H
#define PHIGUARD_DAEMON_WORKER_H

/*
 * One worker thread per queue. It owns its queue socket, its NFLOG group,
 * its pipeline (flow table, scratch) and its verdict batch: nothing on the
 * packet path is shared, so nothing is locked.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/nfq.h"

struct agent;

/* Published by the worker once per loop turn (relaxed), read by `status`. */
struct worker_stats {
	atomic_uint_fast64_t packets;
	atomic_uint_fast64_t bytes;
	atomic_uint_fast64_t gso;
	atomic_uint_fast64_t truncated;
	atomic_uint_fast64_t missed;
	atomic_uint_fast64_t overruns;
	atomic_uint_fast64_t send_errors;
	atomic_uint_fast64_t verdict_msgs;
	atomic_uint_fast64_t passed;
	atomic_uint_fast64_t inspected;
	atomic_uint_fast64_t bypassed;
	atomic_uint_fast64_t blocked;
	atomic_uint_fast64_t dns_observed;
	atomic_uint_fast64_t flows_active;
	atomic_uint_fast64_t flows_total;
	atomic_uint_fast64_t events;
	atomic_uint_fast64_t attributed;
	atomic_uint_fast64_t bytes_scanned;
	atomic_uint_fast64_t bodies_decoded;
	atomic_uint_fast64_t bodies_not_decoded;
	atomic_uint_fast64_t mail_parts_decoded;
	atomic_uint_fast64_t zip_entries_decoded;
	atomic_uint_fast64_t gzip_files_decoded;
	atomic_uint_fast64_t websocket_messages;
};

struct worker_options {
	uint16_t queue;
	bool udp; /* no GSO on the UDP queue: GSO UDP arrives as one blob */
	bool fail_open;
	int nflog_group; /* -1: none */
	uint32_t max_flows;
	bool attribute_flows; /* look every new flow's socket up (attribution: flows) */
};

struct worker;

/* Opens the queue (and NFLOG group) now, so failures show before rules go in. */
int worker_new(struct agent *agent, const struct worker_options *options, struct worker **ret);
int worker_start(struct worker *worker);
/* Ask to stop; worker_join waits. */
void worker_stop(struct worker *worker);
/* Look at the policy now: an idle worker sleeps until a packet or this. */
void worker_wake(struct worker *worker);
void worker_join(struct worker *worker);
void worker_free(struct worker *worker);

const struct worker_stats *worker_stats(const struct worker *worker);
const struct worker_options *worker_options(const struct worker *worker);
const struct nfq_features *worker_features(const struct worker *worker);

#endif
