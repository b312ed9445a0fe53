/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CAPTURE_NFQ_H
#define PHIGUARD_CAPTURE_NFQ_H

/*
 * NFQUEUE and NFLOG sockets on the libmnl API of libnetfilter_queue.
 * One queue per worker thread; each socket is owned by exactly one thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nfq_packet {
	uint32_t id;
	const uint8_t *data; /* the L3 packet, borrowed for the callback */
	size_t len;          /* bytes copied */
	uint32_t orig_len;   /* bytes on the wire; > len when truncated */
	uint32_t mark;
	bool has_uid;
	uint32_t uid;
	uint32_t gid;
	uint32_t ifindex_in;
	uint32_t ifindex_out;
	uint8_t hook; /* NF_INET_LOCAL_OUT, ... */
	bool gso;
};

struct nfq_options {
	bool gso;        /* NFQA_CFG_F_GSO: TCP queues only (see docs/live-agent.md) */
	bool fail_open;  /* NFQA_CFG_F_FAIL_OPEN: a full queue passes packets */
	uint32_t maxlen; /* queue length in packets */
	uint32_t rcvbuf; /* socket receive buffer, bytes */
};

/* What the kernel accepted (each flag is sent and acknowledged separately). */
struct nfq_features {
	bool gso;
	bool uid_gid;
	bool fail_open;
	bool conntrack; /* NFQA_CFG_F_CONNTRACK: NFQA_CT in messages and verdicts */
};

struct nfq_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t gso;
	uint64_t truncated;
	uint64_t missed;   /* gaps in packet ids: passed uninspected (fail-open) or dropped */
	uint64_t overruns; /* ENOBUFS: our receive buffer overflowed */
	uint64_t send_errors;
	uint64_t recv_calls;
};

struct nfq_queue;

typedef void nfq_packet_fn(const struct nfq_packet *pkt, void *ctx);

/* Bind queue @num. 0 or negative errno (-EBUSY: another process owns the queue). */
int nfq_queue_open(uint16_t num, const struct nfq_options *opts, struct nfq_queue **ret_queue,
                   struct nfq_features *ret_features);
void nfq_queue_close(struct nfq_queue *queue);
int nfq_queue_fd(const struct nfq_queue *queue);
uint16_t nfq_queue_num(const struct nfq_queue *queue);

/*
 * Receive without blocking up to @max packets (one recvmmsg), calling @fn
 * for each. Returns the number of packets, 0 when none was waiting, or
 * negative errno.
 */
int nfq_queue_receive(struct nfq_queue *queue, unsigned max, nfq_packet_fn *fn, void *ctx);

/* Send a buffer of netlink messages (verdicts). 0 or negative errno. */
int nfq_queue_send(struct nfq_queue *queue, const void *buf, size_t len);

void nfq_queue_get_counters(const struct nfq_queue *queue, struct nfq_counters *ret);

/* Passive copies of packets (NFLOG group), e.g. DNS answers. */
struct nflog_group;

typedef void nflog_packet_fn(const uint8_t *l3, size_t len, void *ctx);

int nflog_group_open(uint16_t group, uint32_t rcvbuf, struct nflog_group **ret_group);
void nflog_group_close(struct nflog_group *group);
int nflog_group_fd(const struct nflog_group *group);
/* Like nfq_queue_receive; returns packets handled, 0 if none, or negative errno. */
int nflog_group_receive(struct nflog_group *group, unsigned max, nflog_packet_fn *fn, void *ctx);

#endif
