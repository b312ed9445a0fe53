/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "flow/flow.h"

#include <stdlib.h>
#include <string.h>

/*
 * Bounded in-order reassembly of one TCP direction.
 *
 * Bytes at next_seq are handed on at once, straight from the packet when
 * nothing is held. Bytes ahead of a hole go into a ring of `window` bytes
 * that starts at next_seq, with a bitmap of which bytes are held; when the
 * hole fills, the contiguous run is handed on.
 *
 * Overlaps are first-wins: a byte already delivered or already held is never
 * replaced by a later copy. Delivered bytes have been scanned and cannot be
 * unscanned, so keeping the first copy everywhere gives one consistent
 * stream. Conflicting copies are counted and flagged on the flow, since the
 * server's stack might have kept the other one. On the sending host a normal
 * stack never sends different bytes for the same sequence number; doing so
 * needs raw sockets, so the flag is itself a signal.
 */

static inline uint32_t
ring_index(const struct reasm *r, uint32_t off)
{
	uint32_t i = r->head + off;

	return i >= r->window ? i - r->window : i;
}

static inline bool
bit_get(const uint8_t *map, uint32_t i)
{
	return (map[i >> 3] >> (i & 7)) & 1U;
}

static inline void
bit_set(uint8_t *map, uint32_t i)
{
	map[i >> 3] = (uint8_t)(map[i >> 3] | (1U << (i & 7)));
}

static inline void
bit_clear(uint8_t *map, uint32_t i)
{
	map[i >> 3] = (uint8_t)(map[i >> 3] & ~(1U << (i & 7)));
}

void
reasm_init(struct reasm *r, uint32_t window)
{
	memset(r, 0, sizeof(*r));
	r->window = window;
}

void
reasm_clear(struct reasm *r)
{
	free(r->buf);
	free(r->have);
	r->buf = NULL;
	r->have = NULL;
	r->queued = 0;
	r->head = 0;
}

void
reasm_syn(struct reasm *r, uint32_t seq)
{
	/* A second SYN (retransmitted) after data would rewind the stream: keep the first. */
	if (r->synced)
		return;
	r->synced = true;
	r->next_seq = seq + 1;
}

static void
advance(struct reasm *r, uint32_t n)
{
	r->next_seq += n;
	r->delivered += n;
	if (r->window > 0) {
		r->head += n % r->window;
		if (r->head >= r->window)
			r->head -= r->window;
	}
}

/* Hand on the contiguous held bytes at next_seq. */
static void
drain(struct reasm *r, reasm_deliver_fn *deliver, void *ctx)
{
	while (r->queued > 0 && bit_get(r->have, r->head)) {
		uint32_t run = 0, start = r->head;

		while (start + run < r->window && bit_get(r->have, start + run)) {
			bit_clear(r->have, start + run);
			run++;
		}
		r->queued -= run;
		deliver(r->buf + start, run, ctx);
		advance(r, run);
	}
}

static bool
window_alloc(struct reasm *r, struct reasm_counters *c)
{
	if (r->buf != NULL)
		return true;
	if (r->window == 0)
		return false;
	r->buf = malloc(r->window);
	r->have = calloc((r->window + 7) / 8, 1);
	if (r->buf == NULL || r->have == NULL) {
		c->alloc_failures++;
		reasm_clear(r);
		return false;
	}
	r->head = 0;
	return true;
}

/* Copy [off, off + len) into the ring; held bytes win. Returns bytes that conflicted. */
static uint32_t
hold(struct reasm *r, uint32_t off, const uint8_t *data, uint32_t len)
{
	uint32_t conflicts = 0;

	for (uint32_t k = 0; k < len; k++) {
		uint32_t i = ring_index(r, off + k);

		if (bit_get(r->have, i)) {
			if (r->buf[i] != data[k])
				conflicts++;
			continue;
		}
		r->buf[i] = data[k];
		bit_set(r->have, i);
		r->queued++;
	}
	return conflicts;
}

void
reasm_flush(struct reasm *r, struct reasm_counters *c, reasm_deliver_fn *deliver, void *ctx)
{
	while (r->queued > 0) {
		uint32_t skip = 0;

		while (!bit_get(r->have, ring_index(r, skip)))
			skip++;
		if (skip > 0) {
			/* A hole nobody will fill: the stream goes on after it. */
			r->flags |= REASM_F_GAP;
			c->gaps++;
			r->next_seq += skip;
			r->head = ring_index(r, skip);
		}
		drain(r, deliver, ctx);
	}
}

void
reasm_segment(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len,
              struct reasm_counters *c, reasm_deliver_fn *deliver, void *ctx)
{
	int64_t off, end;
	uint32_t n, fit;

	if (len == 0)
		return;
	c->segments++;
	if (!r->synced) {
		r->synced = true;
		r->next_seq = seq;
		r->flags |= REASM_F_MIDSTREAM;
	}
	/* An IP packet carries < 64 KiB, so the signed 32-bit distance below is exact. */
	if (len > UINT16_MAX)
		len = UINT16_MAX;
again:
	off = (int32_t)(seq - r->next_seq);
	end = off + (int64_t)len;
	if (end <= 0) {
		c->retransmissions++;
		return;
	}
	if (off < 0) {
		c->overlaps++;
		data += -off;
		len -= (size_t)-off;
		seq = r->next_seq;
		off = 0;
	}
	n = (uint32_t)len;
	if (off == 0 && r->queued == 0) {
		deliver(data, n, ctx);
		advance(r, n);
		return;
	}
	if (off > 0 && (uint64_t)end > r->window) {
		/*
		 * Ahead of a hole by more than the window: the hole will not be
		 * filled within our limits (loss in a capture, or a peer trying
		 * to exhaust us). Give it up, mark the gap, and go on from here.
		 */
		reasm_flush(r, c, deliver, ctx);
		if ((int32_t)(seq - r->next_seq) > 0) {
			r->flags |= REASM_F_GAP;
			c->gaps++;
			r->next_seq = seq;
		}
		goto again;
	}
	if (!window_alloc(r, c)) {
		c->window_drops += n;
		return;
	}
	if (off > 0)
		c->out_of_order++;
	/* In order (off == 0) over held bytes: hold what fits, hand it on, then the rest. */
	fit = (uint64_t)end > r->window ? r->window - (uint32_t)off : n;
	if (hold(r, (uint32_t)off, data, fit) > 0) {
		c->overlap_diffs++;
		r->flags |= REASM_F_OVERLAP_DIFF;
	}
	drain(r, deliver, ctx);
	if (fit < n) {
		data += fit;
		len -= fit;
		seq += fit;
		goto again;
	}
}
