/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The baseline: a minimal accept-all NFQUEUE loop (libmnl API), one verdict
 * per packet, GSO on the TCP queues, on the same queues and rules as the
 * agent. usage: accept_all [-u UDPQUEUE] TCPQUEUE...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

#define MAXQ 9

static volatile sig_atomic_t stop;
static char buf[0xffff + 8192] __attribute__((aligned(8)));

static void
on_sig(int s)
{
	stop = 1;
}

static struct mnl_socket *
open_queue(uint16_t num, int gso)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct nlmsghdr *nlh;
	int rcv = 64 << 20;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		exit(1);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	if (gso) {
		mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO));
		mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO));
	}
	mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv));
	return nl;
}

static int
on_packet(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	uint32_t *id = data;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_ERROR;
	*id = ntohl(((struct nfqnl_msg_packet_hdr *)mnl_attr_get_payload(attr[NFQA_PACKET_HDR]))
	                    ->packet_id);
	return MNL_CB_OK;
}

int
main(int argc, char **argv)
{
	struct mnl_socket *nl[MAXQ];
	uint16_t nums[MAXQ];
	struct pollfd pfd[MAXQ];
	struct sigaction sa = { .sa_handler = on_sig };
	int n = 0, opt;

	while ((opt = getopt(argc, argv, "u:")) != -1) {
		nums[n] = (uint16_t)atoi(optarg);
		nl[n] = open_queue(nums[n], 0);
		n++;
	}
	for (int i = optind; i < argc && n < MAXQ; i++, n++) {
		nums[n] = (uint16_t)atoi(argv[i]);
		nl[n] = open_queue(nums[n], 1);
	}
	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = mnl_socket_get_fd(nl[i]), .events = POLLIN };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "accept_all: %d queues\n", n);
	while (!stop) {
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			uint32_t id = 0;
			char vbuf[256] __attribute__((aligned(8)));
			struct nlmsghdr *v;
			ssize_t r;
			if (!(pfd[i].revents & POLLIN))
				continue;
			r = mnl_socket_recvfrom(nl[i], buf, sizeof(buf));
			if (r < 0 || mnl_cb_run(buf, (size_t)r, 0, 0, on_packet, &id) < 0)
				continue;
			v = nfq_nlmsg_put(vbuf, NFQNL_MSG_VERDICT, nums[i]);
			nfq_nlmsg_verdict_put(v, (int)id, NF_ACCEPT);
			mnl_socket_sendto(nl[i], v, v->nlmsg_len);
		}
	}
	return 0;
}
