/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "verdict/verdict.h"

#include <string.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "verdict/marks.h"

/* One verdict message with a mark: header + verdict + mark attributes, rounded up. */
#define VERDICT_MSG_MAX 64

void
verdict_batch_init(struct verdict_batch *vb, uint16_t queue)
{
	memset(vb, 0, offsetof(struct verdict_batch, buf));
	vb->queue = queue;
}

uint32_t
verdict_mark(uint32_t pkt_mark, enum verdict_kind kind)
{
	static const uint32_t state[] = {
		[VERDICT_PASS] = 0,
		[VERDICT_INSPECT] = MARK_STATE_INSPECT,
		[VERDICT_BYPASS] = MARK_STATE_BYPASS,
		[VERDICT_BLOCK] = MARK_STATE_BLOCK,
	};

	return (pkt_mark & ~(MARK_STATE_MASK | MARK_SEEN)) | MARK_SEEN | state[kind];
}

static void
put_message(struct verdict_batch *vb, uint32_t id, uint32_t mark, bool batch)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(
	        vb->buf + vb->len, batch ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT, vb->queue);

	nfq_nlmsg_verdict_put(nlh, (int)id, NF_REPEAT);
	nfq_nlmsg_verdict_put_mark(nlh, mark);
	vb->len += NLMSG_ALIGN(nlh->nlmsg_len);
	vb->messages++;
}

void
verdict_batch_close(struct verdict_batch *vb)
{
	if (!vb->run_open)
		return;
	put_message(vb, vb->run_last_id, vb->run_mark, vb->run_len > 1);
	vb->run_open = false;
	vb->run_len = 0;
}

void
verdict_batch_reset(struct verdict_batch *vb)
{
	vb->len = 0;
	vb->run_open = false;
	vb->run_len = 0;
}

bool
verdict_add(struct verdict_batch *vb, uint32_t id, uint32_t pkt_mark, enum verdict_kind kind)
{
	uint32_t mark = verdict_mark(pkt_mark, kind);

	vb->packets++;
	/*
	 * A batch verdict applies to every queued packet up to its id, so a run
	 * may only grow with consecutive ids and the same mark; a block breaks
	 * the run so the drop is never delayed behind later packets.
	 */
	if (vb->run_open && mark == vb->run_mark && id == vb->run_last_id + 1 &&
	    kind != VERDICT_BLOCK) {
		vb->run_last_id = id;
		vb->run_len++;
		return false;
	}
	verdict_batch_close(vb);
	vb->run_open = true;
	vb->run_last_id = id;
	vb->run_mark = mark;
	vb->run_len = 1;
	if (kind == VERDICT_BLOCK)
		verdict_batch_close(vb);
	return vb->len + 2 * VERDICT_MSG_MAX > sizeof(vb->buf);
}
