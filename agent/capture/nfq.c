/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "capture/nfq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netfilter/nfnetlink_queue.h>

#include "base/macro.h"

/*
 * With NFQA_CFG_F_GSO a message carries up to 64 KiB of packet plus the
 * netlink header and attributes; size every receive slot for that.
 */
/* Page-rounded: every slot starts aligned for struct nlmsghdr. */
#define RX_SLOT_SIZE ((0xffff + 4096 + 4095) & ~4095)
#define RX_SLOTS     16
#define ACK_WAIT_MAX 64

struct rx_ring {
	struct mmsghdr msgs[RX_SLOTS];
	struct iovec iov[RX_SLOTS];
	char *slots; /* owned: RX_SLOTS * RX_SLOT_SIZE */
};

struct nfq_queue {
	struct mnl_socket *nl; /* owned */
	uint16_t num;
	uint32_t portid;
	uint32_t seq;
	bool have_last_id;
	uint32_t last_id;
	struct nfq_counters counters;
	struct rx_ring rx;
};

struct nflog_group {
	struct mnl_socket *nl; /* owned */
	uint16_t group;
	uint32_t seq;
	struct rx_ring rx;
};

static int
rx_ring_init(struct rx_ring *rx)
{
	rx->slots = malloc((size_t)RX_SLOTS * RX_SLOT_SIZE);
	if (!rx->slots)
		return -ENOMEM;
	for (unsigned i = 0; i < RX_SLOTS; i++) {
		rx->iov[i].iov_base = rx->slots + (size_t)i * RX_SLOT_SIZE;
		rx->iov[i].iov_len = RX_SLOT_SIZE;
		memset(&rx->msgs[i], 0, sizeof(rx->msgs[i]));
		rx->msgs[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

static int
socket_open(struct mnl_socket **ret, uint32_t rcvbuf)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	int size = (int)MIN(rcvbuf, (uint32_t)INT32_MAX);

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	/* FORCE needs CAP_NET_ADMIN (which the queue needs anyway); else rmem_max caps it. */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*ret = nl;
	return 0;
}

static bool
is_queue_packet(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_type == ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET);
}

/* Packets that arrive while we wait for an ACK (stale rules) pass at once, counted. */
static void
pass_early_packet(struct nfq_queue *q, const struct nlmsghdr *nlh)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	char buf[128] __attribute__((aligned(8)));
	struct nlmsghdr *v;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return;
	const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	v = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT, q->num);
	nfq_nlmsg_verdict_put(v, (int)ntohl(ph->packet_id), NF_ACCEPT);
	(void)mnl_socket_sendto(q->nl, v, v->nlmsg_len);
	q->counters.missed++;
}

/*
 * Send one message carrying NLM_F_ACK and wait for the kernel's answer to it.
 * Other messages that arrive meanwhile go to @other (NULL: dropped).
 */
static int
netlink_request_ack(struct mnl_socket *nl, const struct nlmsghdr *nlh, char *buf,
                    void (*other)(void *ctx, const struct nlmsghdr *m), void *ctx)
{
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (int tries = 0; tries < ACK_WAIT_MAX; tries++) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, RX_SLOT_SIZE);
		int len = (int)n;
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			return -errno;
		}
		for (const struct nlmsghdr *m = (const void *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type == NLMSG_ERROR && m->nlmsg_seq == nlh->nlmsg_seq)
				return ((const struct nlmsgerr *)mnl_nlmsg_get_payload(m))->error;
			if (other != NULL)
				other(ctx, m);
		}
	}
	return -ETIMEDOUT;
}

/* A packet queued before our configuration is complete is passed at once. */
static void
config_other(void *ctx, const struct nlmsghdr *m)
{
	struct nfq_queue *q = ctx;

	if (is_queue_packet(m))
		pass_early_packet(q, m);
}

/* Send one config message with NLM_F_ACK and wait for the kernel's answer. */
static int
config_ack(struct nfq_queue *q, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++q->seq;
	return netlink_request_ack(q->nl, nlh, q->rx.slots, config_other, q);
}

static int
config_flag(struct nfq_queue *q, uint32_t flag)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);

	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flag));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(flag));
	return config_ack(q, nlh);
}

static int
queue_configure(struct nfq_queue *q, const struct nfq_options *opts, struct nfq_features *f)
{
	char buf[256] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int r;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	r = config_ack(q, nlh);
	if (r < 0)
		return r;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, opts->maxlen);
	r = config_ack(q, nlh);
	if (r < 0)
		return r;
	/* Each flag alone, so one the kernel refuses does not take the others with it. */
	f->uid_gid = config_flag(q, NFQA_CFG_F_UID_GID) == 0;
	f->gso = opts->gso && config_flag(q, NFQA_CFG_F_GSO) == 0;
	f->fail_open = opts->fail_open && config_flag(q, NFQA_CFG_F_FAIL_OPEN) == 0;
	/* Probe only: NETLINK_GLUE_CT may be missing (EOPNOTSUPP); then turn it off again. */
	f->conntrack = config_flag(q, NFQA_CFG_F_CONNTRACK) == 0;
	if (f->conntrack) {
		nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, 0);
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_CONNTRACK));
		(void)config_ack(q, nlh);
	}
	return 0;
}

int
nfq_queue_open(uint16_t num, const struct nfq_options *opts, struct nfq_queue **ret_queue,
               struct nfq_features *ret_features)
{
	struct nfq_queue *q = calloc(1, sizeof(*q));
	struct nfq_features features = { 0 };
	int r;

	if (!q)
		return -ENOMEM;
	q->num = num;
	r = rx_ring_init(&q->rx);
	if (r < 0)
		goto fail;
	r = socket_open(&q->nl, opts->rcvbuf);
	if (r < 0)
		goto fail;
	q->portid = mnl_socket_get_portid(q->nl);
	r = queue_configure(q, opts, &features);
	if (r < 0)
		goto fail;
	*ret_queue = q;
	if (ret_features)
		*ret_features = features;
	return 0;
fail:
	nfq_queue_close(q);
	return r;
}

void
nfq_queue_close(struct nfq_queue *q)
{
	if (!q)
		return;
	if (q->nl) {
		char buf[128] __attribute__((aligned(8)));
		struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->num);
		nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
		(void)mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
		mnl_socket_close(q->nl);
	}
	free(q->rx.slots);
	free(q);
}

int
nfq_queue_fd(const struct nfq_queue *q)
{
	return mnl_socket_get_fd(q->nl);
}

uint16_t
nfq_queue_num(const struct nfq_queue *q)
{
	return q->num;
}

static uint32_t
attr_u32(struct nlattr *const *attr, int type, uint32_t dflt)
{
	return attr[type] ? ntohl(mnl_attr_get_u32(attr[type])) : dflt;
}

static void
handle_packet(struct nfq_queue *q, const struct nlmsghdr *nlh, nfq_packet_fn *fn, void *ctx)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfq_packet pkt;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return;
	const struct nfqnl_msg_packet_hdr *ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	memset(&pkt, 0, sizeof(pkt));
	pkt.id = ntohl(ph->packet_id);
	pkt.hook = ph->hook;
	if (attr[NFQA_PAYLOAD]) {
		pkt.data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		pkt.len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	pkt.orig_len = attr_u32(attr, NFQA_CAP_LEN, (uint32_t)pkt.len);
	pkt.mark = attr_u32(attr, NFQA_MARK, 0);
	pkt.has_uid = attr[NFQA_UID] != NULL;
	pkt.uid = attr_u32(attr, NFQA_UID, 0);
	pkt.gid = attr_u32(attr, NFQA_GID, 0);
	pkt.ifindex_in = attr_u32(attr, NFQA_IFINDEX_INDEV, 0);
	pkt.ifindex_out = attr_u32(attr, NFQA_IFINDEX_OUTDEV, 0);
	pkt.gso = (attr_u32(attr, NFQA_SKB_INFO, 0) & NFQA_SKB_GSO) != 0;

	q->counters.packets++;
	q->counters.bytes += pkt.orig_len;
	q->counters.gso += pkt.gso;
	q->counters.truncated += pkt.orig_len > pkt.len;
	/* Ids are consecutive per queue: a gap is a packet we never saw. */
	if (q->have_last_id && pkt.id > q->last_id + 1)
		q->counters.missed += pkt.id - q->last_id - 1;
	q->have_last_id = true;
	q->last_id = pkt.id;
	fn(&pkt, ctx);
}

static int
rx_receive(int fd, struct rx_ring *rx, unsigned max)
{
	int n;

	max = MIN(max, (unsigned)RX_SLOTS);
	for (unsigned i = 0; i < max; i++)
		rx->msgs[i].msg_hdr.msg_flags = 0;
	do
		n = recvmmsg(fd, rx->msgs, max, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n;
}

int
nfq_queue_receive(struct nfq_queue *q, unsigned max, nfq_packet_fn *fn, void *ctx)
{
	int n, count = 0;

	q->counters.recv_calls++;
	n = rx_receive(nfq_queue_fd(q), &q->rx, max);
	if (n == -ENOBUFS) {
		/* Our buffer overflowed; the id gap counts the packets, keep going. */
		q->counters.overruns++;
		return 0;
	}
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int len = (int)q->rx.msgs[i].msg_len;
		for (const struct nlmsghdr *m = q->rx.iov[i].iov_base; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (is_queue_packet(m)) {
				handle_packet(q, m, fn, ctx);
				count++;
			} else if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				q->counters.send_errors += e->error != 0;
			}
		}
	}
	return count;
}

int
nfq_queue_send(struct nfq_queue *q, const void *buf, size_t len)
{
	if (len == 0)
		return 0;
	for (;;) {
		if (mnl_socket_sendto(q->nl, buf, len) >= 0)
			return 0;
		if (errno != EINTR)
			break;
	}
	q->counters.send_errors++;
	return -errno;
}

void
nfq_queue_get_counters(const struct nfq_queue *q, struct nfq_counters *ret)
{
	*ret = q->counters;
}

/* NFLOG */

static struct nlmsghdr *
nflog_put(char *buf, uint16_t group, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(group);
	return nlh;
}

static int
nflog_ack(struct nflog_group *g, struct nlmsghdr *nlh)
{
	return netlink_request_ack(g->nl, nlh, g->rx.slots, NULL, NULL);
}

int
nflog_group_open(uint16_t group, uint32_t rcvbuf, struct nflog_group **ret_group)
{
	struct nflog_group *g = calloc(1, sizeof(*g));
	char buf[256] __attribute__((aligned(8)));
	struct nfulnl_msg_config_cmd cmd = { .command = NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode = { .copy_range = htonl(0xffff),
		                               .copy_mode = NFULNL_COPY_PACKET };
	struct nlmsghdr *nlh;
	int r;

	if (!g)
		return -ENOMEM;
	g->group = group;
	r = rx_ring_init(&g->rx);
	if (r < 0)
		goto fail;
	r = socket_open(&g->nl, rcvbuf);
	if (r < 0)
		goto fail;
	nlh = nflog_put(buf, group, ++g->seq);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	r = nflog_ack(g, nlh);
	if (r < 0)
		goto fail;
	/*
	 * The kernel batches log messages (100 packets or 1 s by default);
	 * a DNS answer must reach us before the client's first packet does.
	 */
	nlh = nflog_put(buf, group, ++g->seq);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(0));
	r = nflog_ack(g, nlh);
	if (r < 0)
		goto fail;
	*ret_group = g;
	return 0;
fail:
	nflog_group_close(g);
	return r;
}

void
nflog_group_close(struct nflog_group *g)
{
	if (!g)
		return;
	if (g->nl)
		mnl_socket_close(g->nl);
	free(g->rx.slots);
	free(g);
}

int
nflog_group_fd(const struct nflog_group *g)
{
	return mnl_socket_get_fd(g->nl);
}

static int
nflog_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, NFULA_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

int
nflog_group_receive(struct nflog_group *g, unsigned max, nflog_packet_fn *fn, void *ctx)
{
	int n = rx_receive(nflog_group_fd(g), &g->rx, max), count = 0;

	if (n < 0)
		return n == -ENOBUFS ? 0 : n;
	for (int i = 0; i < n; i++) {
		int len = (int)g->rx.msgs[i].msg_len;
		for (const struct nlmsghdr *m = g->rx.iov[i].iov_base; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			const struct nlattr *tb[NFULA_MAX + 1] = { 0 };
			if (m->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
				continue;
			if (mnl_attr_parse(m, sizeof(struct nfgenmsg), nflog_attr_cb, tb) < 0 ||
			    !tb[NFULA_PAYLOAD])
				continue;
			fn(mnl_attr_get_payload(tb[NFULA_PAYLOAD]),
			   mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]), ctx);
			count++;
		}
	}
	return count;
}
