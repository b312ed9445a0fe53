/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_VERDICT_VERDICT_H
#define PHIGUARD_VERDICT_VERDICT_H

/*
 * Verdict messages for one queue, collected and sent together. Every packet
 * gets NF_REPEAT with phiguard's bits in its mark: the packet goes back
 * through PHIGUARD-OUT, which saves the state to the connmark and then
 * returns (pass, inspect, bypass) or resets the connection (block). So a
 * verdict never skips anybody else's rules, and the kernel carries bypassed
 * and blocked flows from the next packet on.
 *
 * Runs of packets with the same resulting mark become one
 * NFQNL_MSG_VERDICT_BATCH; all messages of one receive batch go out in one
 * send.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum verdict_kind {
	VERDICT_PASS = 0, /* pass; flow state unchanged (still queued) */
	VERDICT_INSPECT,  /* pass; flow stays queued for content inspection */
	VERDICT_BYPASS,   /* pass; the kernel carries the rest of the flow */
	VERDICT_BLOCK,    /* drop and reset; the kernel rejects the rest of the flow */
};

#define VERDICT_BUF_SIZE 16384

struct verdict_batch {
	uint16_t queue;
	bool run_open;
	uint32_t run_last_id;
	uint32_t run_mark;
	unsigned run_len;
	size_t len;
	uint64_t messages; /* verdict messages built */
	uint64_t packets;  /* packets verdicted */
	char buf[VERDICT_BUF_SIZE] __attribute__((aligned(8)));
};

void verdict_batch_init(struct verdict_batch *vb, uint16_t queue);

/* The packet mark a verdict of @kind gives a packet whose mark was @pkt_mark. */
uint32_t verdict_mark(uint32_t pkt_mark, enum verdict_kind kind);

/*
 * Add a verdict. Returns true when the buffer is nearly full and must be
 * sent (verdict_batch_close, send, verdict_batch_reset) before adding more.
 */
bool verdict_add(struct verdict_batch *vb, uint32_t id, uint32_t pkt_mark, enum verdict_kind kind);

/* Close the open run; afterwards buf[0..len) holds every message to send. */
void verdict_batch_close(struct verdict_batch *vb);
void verdict_batch_reset(struct verdict_batch *vb);

#endif
