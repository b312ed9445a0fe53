/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "tap.h"
#include "verdict/marks.h"
#include "verdict/verdict.h"

struct seen {
	unsigned n;
	int type[16];
	uint32_t id[16];
	uint32_t verdict[16];
	uint32_t mark[16];
};

static void
parse(const struct verdict_batch *vb, struct seen *s)
{
	int len = (int)vb->len;

	memset(s, 0, sizeof(*s));
	for (const struct nlmsghdr *h = (const void *)vb->buf; mnl_nlmsg_ok(h, len) && s->n < 16;
	     h = mnl_nlmsg_next(h, &len)) {
		const struct nlattr *a;
		s->type[s->n] = h->nlmsg_type & 0xff;
		mnl_attr_for_each(a, h, sizeof(struct nfgenmsg))
		{
			if (mnl_attr_get_type(a) == NFQA_VERDICT_HDR) {
				const struct nfqnl_msg_verdict_hdr *v = mnl_attr_get_payload(a);
				s->id[s->n] = ntohl(v->id);
				s->verdict[s->n] = ntohl(v->verdict);
			} else if (mnl_attr_get_type(a) == NFQA_MARK) {
				s->mark[s->n] = ntohl(mnl_attr_get_u32(a));
			}
		}
		s->n++;
	}
}

int
main(void)
{
	static struct verdict_batch vb;
	struct seen s;

	/* Marks: only our bits change; other software's bits survive. */
	tap_eq_int(verdict_mark(0, VERDICT_PASS), MARK_SEEN, "pass sets only the seen bit");
	tap_eq_int(verdict_mark(0x1, VERDICT_BYPASS), 0x1 | MARK_SEEN | MARK_STATE_BYPASS,
	           "bypass keeps foreign bits");
	tap_eq_int(verdict_mark(MARK_STATE_BLOCK | 0x80, VERDICT_INSPECT),
	           0x80 | MARK_SEEN | MARK_STATE_INSPECT, "a new state replaces the old one");

	/* Consecutive passes become one batch verdict carrying the highest id. */
	verdict_batch_init(&vb, 7);
	for (uint32_t id = 10; id < 15; id++)
		verdict_add(&vb, id, 0, VERDICT_PASS);
	verdict_batch_close(&vb);
	parse(&vb, &s);
	tap_eq_int(s.n, 1, "five passes, one message");
	tap_eq_int(s.type[0], NFQNL_MSG_VERDICT_BATCH, "it is a batch verdict");
	tap_eq_int(s.id[0], 14, "covering up to the last id");
	tap_eq_int(s.verdict[0], NF_REPEAT, "NF_REPEAT so the chain saves the state");
	tap_eq_int(s.mark[0], MARK_SEEN, "with the seen bit");

	/* A different mark or a block breaks the run, in order. */
	verdict_batch_reset(&vb);
	verdict_add(&vb, 1, 0, VERDICT_PASS);
	verdict_add(&vb, 2, 0, VERDICT_PASS);
	verdict_add(&vb, 3, 0, VERDICT_BLOCK);
	verdict_add(&vb, 4, 0x5, VERDICT_PASS);
	verdict_add(&vb, 6, 0x5, VERDICT_PASS);
	verdict_batch_close(&vb);
	parse(&vb, &s);
	tap_eq_int(s.n, 4, "runs: [1,2] [3] [4] [6]");
	tap_ok(s.type[0] == NFQNL_MSG_VERDICT_BATCH && s.id[0] == 2, "first run batched to id 2");
	tap_ok(s.type[1] == NFQNL_MSG_VERDICT && s.id[1] == 3 &&
	               s.mark[1] == (MARK_SEEN | MARK_STATE_BLOCK),
	       "the block is its own verdict with the block state");
	tap_ok(s.type[2] == NFQNL_MSG_VERDICT && s.id[2] == 4 && s.mark[2] == (0x5 | MARK_SEEN),
	       "a packet with another mark is not folded into a batch");
	tap_ok(s.id[3] == 6 && s.type[3] == NFQNL_MSG_VERDICT,
	       "an id gap starts a new run (a batch would cover the missing id)");
	tap_eq_int(vb.packets, 10, "packets counted");
	return tap_done();
}
