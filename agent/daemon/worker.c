/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <netinet/in.h>

#include <linux/netfilter.h>

#include "base/log.h"
#include "daemon/agent.h"
#include "daemon/attrib.h"
#include "daemon/enrich.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "verdict/verdict.h"

#define RECV_BATCH      16 /* packets per recvmmsg */
#define ROUNDS_PER_TURN 16 /* receive batches before we look at NFLOG and time again */
#define EXPIRE_EVERY_US 1000000

struct worker {
	struct agent *agent;
	struct worker_options options;
	struct nfq_features features;
	struct nfq_queue *queue;   /* owned */
	struct nflog_group *nflog; /* owned, may be NULL */
	struct pipeline *pipeline; /* owned */
	int wake_fd;               /* eventfd: stop, or a new policy to adopt */
	int diag_fd;               /* NETLINK_SOCK_DIAG, for attribution */
	struct proc_cache *procs;  /* owned; process rules only, resolved before deciding */
	pthread_t thread;
	bool started;
	atomic_bool stop;

	uint64_t policy_gen;
	char policy_version[64];
	int64_t batch_ts_us;
	int64_t last_expire_us;
	uint64_t verdicts[4];
	uint64_t dns_observed;
	uint64_t events;
	uint64_t attributed;
	struct worker_stats stats;
	struct verdict_batch vb; /* last: large */
};

static enum verdict_kind
verdict_of(enum pipeline_action action)
{
	switch (action) {
	case PIPELINE_BYPASS:
		return VERDICT_BYPASS;
	case PIPELINE_INSPECT:
		return VERDICT_INSPECT;
	case PIPELINE_BLOCK:
		return VERDICT_BLOCK;
	case PIPELINE_ACCEPT:
	default:
		return VERDICT_PASS;
	}
}

/*
 * Events leave the worker here. The socket is looked up now, while it
 * exists (a blocked connection is reset right after); the /proc work and
 * the hand-off to the reporter happen on the attribution thread.
 */
static void
on_event(const struct phiguard_event *event, void *ctx)
{
	struct worker *w = ctx;
	struct phiguard_event *copy = NULL;
	const struct phiguard_event *ev = event;
	struct sock_tuple t;
	uint32_t inode = 0, uid = 0;

	w->events++;
	if (!event->policy_version[0]) {
		copy = malloc(sizeof(*copy));
		if (copy) {
			*copy = *event;
			snprintf(copy->policy_version, sizeof(copy->policy_version), "%s",
			         w->policy_version);
			ev = copy;
		}
	}
	if (!w->agent->enricher || w->agent->config.attribution == ATTRIBUTION_OFF) {
		agent_emit(w->agent, ev);
		goto out;
	}
	if (w->diag_fd >= 0 && ev->pid < 0 &&
	    sock_tuple_parse(&t, ev->source_ip, ev->source_port, ev->destination_ip,
	                     ev->destination_port, ev->transport) == 0 &&
	    sockdiag_lookup(w->diag_fd, &t, &inode, &uid) == 0)
		w->attributed++;
	enricher_submit(w->agent->enricher, ev, inode, uid);
out:
	free(copy);
}

/* The socket of @key on this host: the client's side when we are the client. */
static void
tuple_of(const struct pipeline_flow_key *key, struct sock_tuple *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = key->family;
	ret->proto = key->ip_proto;
	memcpy(ret->local, key->outbound ? key->client_addr : key->server_addr, sizeof(ret->local));
	memcpy(ret->remote, key->outbound ? key->server_addr : key->client_addr,
	       sizeof(ret->remote));
	ret->local_port = key->outbound ? key->client_port : key->server_port;
	ret->remote_port = key->outbound ? key->server_port : key->client_port;
}

/*
 * A process rule: the pipeline asks before the flow's first decision (only
 * then). Same exact socket lookup as for events; the worker's own /proc
 * cache, since the attribution thread's is not shared.
 */
static int
resolve_process(void *ctx, const struct pipeline_flow_key *key, char *exe, size_t exe_size,
                int64_t *ret_pid)
{
	struct worker *w = ctx;
	struct sock_tuple t;
	uint32_t inode, uid;
	pid_t pid;
	int r;

	if (w->diag_fd < 0 || w->procs == NULL)
		return -ENOENT;
	tuple_of(key, &t);
	r = sockdiag_lookup(w->diag_fd, &t, &inode, &uid);
	if (r < 0)
		return r;
	r = proc_cache_pid(w->procs, inode, uid, &pid);
	if (r < 0)
		return r;
	*ret_pid = pid;
	if (proc_cache_exe(w->procs, pid, exe, exe_size) < 0)
		exe[0] = '\0';
	return 0;
}

/*
 * attribution: flows — the first packet we see of a TCP connection leaving
 * this host (its first data: the handshake is not queued): find its socket
 * while it is young.
 */
static void
warm_attribution(struct worker *w, const struct pipeline_flow_key *key)
{
	struct sock_tuple t;
	uint32_t inode, uid;

	if (key->ip_proto != IPPROTO_TCP || !key->outbound)
		return;
	tuple_of(key, &t);
	if (sockdiag_lookup(w->diag_fd, &t, &inode, &uid) == 0) {
		w->attributed++;
		enricher_warm(w->agent->enricher, inode, uid);
	}
}

static void
flush_verdicts(struct worker *w)
{
	verdict_batch_close(&w->vb);
	(void)nfq_queue_send(w->queue, w->vb.buf, w->vb.len);
	verdict_batch_reset(&w->vb);
}

static void
on_packet(const struct nfq_packet *pkt, void *ctx)
{
	struct worker *w = ctx;
	struct pkt_meta meta = {
		.ts_us = w->batch_ts_us,
		.has_uid = pkt->has_uid,
		.uid = pkt->uid,
		.gid = pkt->gid,
		.mark = pkt->mark,
		.ifindex_in = pkt->ifindex_in,
		.ifindex_out = pkt->ifindex_out,
		.outbound = pkt->hook == NF_INET_LOCAL_OUT,
	};
	struct pipeline_result res = { .action = PIPELINE_ACCEPT };
	enum verdict_kind kind;

	if (pkt->data)
		pipeline_packet(w->pipeline, pkt->data, pkt->len, &meta, &res);
	if (res.first_packet && w->options.attribute_flows && w->diag_fd >= 0)
		warm_attribution(w, &res.key);
	kind = verdict_of(res.action);
	w->verdicts[kind]++;
	if (verdict_add(&w->vb, pkt->id, pkt->mark, kind))
		flush_verdicts(w);
}

static void
on_dns(const uint8_t *l3, size_t len, void *ctx)
{
	struct worker *w = ctx;

	w->dns_observed++;
	pipeline_dns_observed(w->pipeline, l3, len, agent_now_us());
}

static void
adopt_policy(struct worker *w)
{
	uint64_t gen = atomic_load_explicit(&w->agent->policy_gen, memory_order_acquire);
	struct policy *p;

	if (gen == w->policy_gen)
		return;
	/* Reloads are rare: a lock here costs nothing per packet. */
	pthread_mutex_lock(&w->agent->policy_lock);
	p = policy_ref(w->agent->policy);
	snprintf(w->policy_version, sizeof(w->policy_version), "%s", w->agent->policy_version);
	pthread_mutex_unlock(&w->agent->policy_lock);
	pipeline_set_policy(w->pipeline, p);
	policy_unref(p);
	w->policy_gen = gen;
}

static void
publish_stats(struct worker *w)
{
	struct nfq_counters c;
	struct pipeline_counters pc;
	struct worker_stats *s = &w->stats;

	nfq_queue_get_counters(w->queue, &c);
	pipeline_get_counters(w->pipeline, &pc);
	atomic_store_explicit(&s->packets, c.packets, memory_order_relaxed);
	atomic_store_explicit(&s->bytes, c.bytes, memory_order_relaxed);
	atomic_store_explicit(&s->gso, c.gso, memory_order_relaxed);
	atomic_store_explicit(&s->truncated, c.truncated, memory_order_relaxed);
	atomic_store_explicit(&s->missed, c.missed, memory_order_relaxed);
	atomic_store_explicit(&s->overruns, c.overruns, memory_order_relaxed);
	atomic_store_explicit(&s->send_errors, c.send_errors, memory_order_relaxed);
	atomic_store_explicit(&s->verdict_msgs, w->vb.messages, memory_order_relaxed);
	atomic_store_explicit(&s->passed, w->verdicts[VERDICT_PASS], memory_order_relaxed);
	atomic_store_explicit(&s->inspected, w->verdicts[VERDICT_INSPECT], memory_order_relaxed);
	atomic_store_explicit(&s->bypassed, w->verdicts[VERDICT_BYPASS], memory_order_relaxed);
	atomic_store_explicit(&s->blocked, w->verdicts[VERDICT_BLOCK], memory_order_relaxed);
	atomic_store_explicit(&s->dns_observed, w->dns_observed, memory_order_relaxed);
	atomic_store_explicit(&s->flows_active, pc.flows_active, memory_order_relaxed);
	atomic_store_explicit(&s->flows_total, pc.flows_total, memory_order_relaxed);
	atomic_store_explicit(&s->events, w->events, memory_order_relaxed);
	atomic_store_explicit(&s->attributed, w->attributed, memory_order_relaxed);
	atomic_store_explicit(&s->bytes_scanned, pc.bytes_scanned, memory_order_relaxed);
	atomic_store_explicit(&s->bodies_decoded, pc.bodies_decoded, memory_order_relaxed);
	atomic_store_explicit(&s->bodies_not_decoded, pc.bodies_not_decoded, memory_order_relaxed);
	atomic_store_explicit(&s->mail_parts_decoded, pc.mail_parts_decoded, memory_order_relaxed);
	atomic_store_explicit(&s->zip_entries_decoded, pc.zip_entries_decoded,
	                      memory_order_relaxed);
	atomic_store_explicit(&s->gzip_files_decoded, pc.gzip_files_decoded, memory_order_relaxed);
	atomic_store_explicit(&s->websocket_messages, pc.websocket_messages, memory_order_relaxed);
}

static void
drain_nflog(struct worker *w)
{
	if (w->nflog)
		while (nflog_group_receive(w->nflog, RECV_BATCH, on_dns, w) == RECV_BATCH)
			;
}

/*
 * How long to sleep when the queue is empty: until the next expiry pass
 * while flows are held, for ever when none are, so that an idle
 * workstation gets no wake-ups from us. Nothing else here is timed: a new
 * policy wakes us (worker_wake), and counters were published just before.
 */
static int
idle_timeout_ms(const struct worker *w)
{
	int64_t left;

	if (atomic_load_explicit(&w->stats.flows_active, memory_order_relaxed) == 0)
		return -1;
	left = w->last_expire_us + EXPIRE_EVERY_US - agent_now_us();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pollfd fds[3];
	nfds_t nfds = 0;

	fds[nfds++] = (struct pollfd){ .fd = nfq_queue_fd(w->queue), .events = POLLIN };
	fds[nfds++] = (struct pollfd){ .fd = w->wake_fd, .events = POLLIN };
	if (w->nflog)
		fds[nfds++] = (struct pollfd){ .fd = nflog_group_fd(w->nflog), .events = POLLIN };
	bool nflog_ready = true;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		int n = 0;

		adopt_policy(w);
		/*
		 * DNS answers first: a client's first packet follows its answer
		 * closely. Only when poll saw one (or the queue kept us busy):
		 * an empty read per wake-up costs as much as a verdict.
		 */
		if (nflog_ready)
			drain_nflog(w);
		for (int round = 0; round < ROUNDS_PER_TURN; round++) {
			w->batch_ts_us = agent_now_us();
			n = nfq_queue_receive(w->queue, RECV_BATCH, on_packet, w);
			flush_verdicts(w);
			if (n < RECV_BATCH)
				break;
			drain_nflog(w);
		}
		if (w->batch_ts_us - w->last_expire_us >= EXPIRE_EVERY_US) {
			pipeline_expire(w->pipeline, w->batch_ts_us);
			w->last_expire_us = w->batch_ts_us;
			publish_stats(w);
		}
		nflog_ready = n >= RECV_BATCH;
		if (n < RECV_BATCH) {
			uint64_t wakes;

			publish_stats(w);
			if (poll(fds, nfds, idle_timeout_ms(w)) < 0 && errno != EINTR)
				break;
			nflog_ready = nfds > 2 && (fds[2].revents & POLLIN);
			if (fds[1].revents & POLLIN)
				(void)!read(w->wake_fd, &wakes, sizeof(wakes));
		}
	}
	pipeline_flush(w->pipeline);
	publish_stats(w);
	return NULL;
}

int
worker_new(struct agent *agent, const struct worker_options *options, struct worker **ret)
{
	struct worker *w = calloc(1, sizeof(*w));
	struct pipeline_config pc;
	struct nfq_options qo = {
		.gso = !options->udp,
		.fail_open = options->fail_open,
		.maxlen = 8192,
		/* Room for the whole queue of GSO packets would be 512 MiB; 64 MiB covers bursts. */
		.rcvbuf = 64u << 20,
	};
	int r;

	if (!w)
		return -ENOMEM;
	w->agent = agent;
	w->options = *options;
	w->wake_fd = -1;
	w->diag_fd = -1;
	verdict_batch_init(&w->vb, options->queue);
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0) {
		r = -errno;
		goto fail;
	}
	r = nfq_queue_open(options->queue, &qo, &w->queue, &w->features);
	if (r < 0)
		goto fail;
	if (options->nflog_group >= 0) {
		r = nflog_group_open((uint16_t)options->nflog_group, 4u << 20, &w->nflog);
		if (r < 0)
			goto fail;
	}
	w->diag_fd = sockdiag_open();
	w->procs = proc_cache_new(1024);
	pipeline_config_defaults(&pc);
	pc.max_flows = options->max_flows;
	pc.resolve_process = resolve_process;
	pc.resolve_ctx = w;
	pthread_mutex_lock(&agent->policy_lock);
	w->pipeline = pipeline_new(&pc, agent->policy, on_event, w);
	w->policy_gen = atomic_load(&agent->policy_gen);
	snprintf(w->policy_version, sizeof(w->policy_version), "%s", agent->policy_version);
	pthread_mutex_unlock(&agent->policy_lock);
	if (!w->pipeline) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = w;
	return 0;
fail:
	worker_free(w);
	return r;
}

int
worker_start(struct worker *w)
{
	sigset_t all, old;
	int r;

	/* Signals belong to the main thread's signalfd. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	w->started = r == 0;
	if (w->started) {
		char name[16]; /* what `top -H` and `ps -L` show */

		snprintf(name, sizeof(name), "phiguard-q%u", (unsigned)nfq_queue_num(w->queue));
		(void)pthread_setname_np(w->thread, name);
	}
	return r;
}

void
worker_wake(struct worker *w)
{
	uint64_t one = 1;

	(void)!write(w->wake_fd, &one, sizeof(one));
}

void
worker_stop(struct worker *w)
{
	atomic_store(&w->stop, true);
	worker_wake(w);
}

void
worker_join(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
}

void
worker_free(struct worker *w)
{
	if (!w)
		return;
	if (w->started) {
		worker_stop(w);
		worker_join(w);
	}
	pipeline_free(w->pipeline);
	nflog_group_close(w->nflog);
	nfq_queue_close(w->queue);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	if (w->diag_fd >= 0)
		close(w->diag_fd);
	proc_cache_free(w->procs);
	free(w);
}

const struct worker_stats *
worker_stats(const struct worker *w)
{
	return &w->stats;
}

const struct worker_options *
worker_options(const struct worker *w)
{
	return &w->options;
}

const struct nfq_features *
worker_features(const struct worker *w)
{
	return &w->features;
}
