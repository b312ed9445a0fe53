/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "flow/flow.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/*
 * Fixed pool of max_flows flows, a chained hash of 2^k buckets (>= max_flows)
 * and an LRU list (head = most recent). Nothing is allocated per packet;
 * reassembly windows and stage slots are the only per-flow allocations, and
 * both are bounded.
 */
struct flow_table {
	struct flow_table_config cfg;
	struct flow *pool;     /* [max_flows], owned */
	struct flow **buckets; /* [n_buckets], owned */
	uint32_t n_buckets;
	struct flow *free_list; /* via hash_next: slots used before and freed */
	uint32_t n_fresh;       /* pool[n_fresh..] never used: untouched, so not yet resident */
	struct flow *lru_head;
	struct flow *lru_tail;
	uint64_t next_id;
	flow_end_fn *on_end;
	void *on_end_ctx;
	flow_slot_free_fn *slot_free[FLOW_MAX_SLOTS];
	struct flow_table_counters counters;
};

void
flow_table_config_defaults(struct flow_table_config *config)
{
	memset(config, 0, sizeof(*config));
	config->max_flows = 65536;
	config->reasm_window = 65536;
	config->tcp_timeout_us = 600LL * 1000000;
	config->tcp_closed_timeout_us = 10LL * 1000000;
	config->udp_timeout_us = 60LL * 1000000;
}

size_t
flow_table_flow_size(void)
{
	/* The flow itself plus its share of the bucket array (at most 2 pointers). */
	return sizeof(struct flow) + 2 * sizeof(struct flow *);
}

struct flow_table *
flow_table_new(const struct flow_table_config *config, flow_end_fn *on_end, void *ctx)
{
	struct flow_table *ft;
	uint32_t n = 16;

	if (config->max_flows == 0 || config->max_flows > (1U << 26))
		return NULL;
	ft = calloc(1, sizeof(*ft));
	if (ft == NULL)
		return NULL;
	ft->cfg = *config;
	while (n < config->max_flows)
		n <<= 1;
	ft->n_buckets = n;
	ft->pool = calloc(config->max_flows, sizeof(*ft->pool));
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): the bucket heads are pointers */
	ft->buckets = calloc(n, sizeof(*ft->buckets));
	if (ft->pool == NULL || ft->buckets == NULL) {
		free(ft->pool);
		free(ft->buckets);
		free(ft);
		return NULL;
	}
	if (ft->cfg.hash_seed == 0 && getrandom(&ft->cfg.hash_seed, sizeof(ft->cfg.hash_seed), 0) !=
	                                      (ssize_t)sizeof(ft->cfg.hash_seed))
		ft->cfg.hash_seed = 0x9e3779b97f4a7c15ULL;
	ft->on_end = on_end;
	ft->on_end_ctx = ctx;
	return ft;
}

void
flow_table_set_slot_free(struct flow_table *ft, unsigned slot, flow_slot_free_fn *fn)
{
	if (slot < FLOW_MAX_SLOTS)
		ft->slot_free[slot] = fn;
}

/* Seeded multiply-xorshift over the key: flows come from this host's own traffic (or a capture), and chains are bounded by max_flows. */
static uint32_t
key_hash(const struct flow_table *ft, const struct flow_key *key)
{
	uint8_t bytes[sizeof(*key)];
	uint64_t h = ft->cfg.hash_seed, w;
	size_t i;

	memcpy(bytes, key, sizeof(bytes));
	for (i = 0; i + 8 <= sizeof(bytes); i += 8) {
		memcpy(&w, bytes + i, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	for (; i < sizeof(bytes); i++) {
		h = (h ^ bytes[i]) * 0x94d049bb133111ebULL;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	return (uint32_t)h;
}

void
flow_key_from_view(const struct decode_view *v, struct flow_key *ret)
{
	size_t alen = decode_addr_len(v);
	int c;

	memset(ret, 0, sizeof(*ret));
	ret->family = v->ip_version;
	ret->ip_proto = v->ip_proto;
	c = memcmp(v->src, v->dst, alen);
	if (c < 0 || (c == 0 && v->src_port <= v->dst_port)) {
		memcpy(ret->addr_lo, v->src, alen);
		memcpy(ret->addr_hi, v->dst, alen);
		ret->port_lo = v->src_port;
		ret->port_hi = v->dst_port;
	} else {
		memcpy(ret->addr_lo, v->dst, alen);
		memcpy(ret->addr_hi, v->src, alen);
		ret->port_lo = v->dst_port;
		ret->port_hi = v->src_port;
	}
}

static struct flow *
find(struct flow_table *ft, const struct flow_key *key, uint32_t h)
{
	for (struct flow *f = ft->buckets[h & (ft->n_buckets - 1)]; f != NULL; f = f->hash_next)
		if (f->hash == h && memcmp(&f->key, key, sizeof(*key)) == 0)
			return f;
	return NULL;
}

struct flow *
flow_table_lookup(struct flow_table *ft, const struct flow_key *key)
{
	return find(ft, key, key_hash(ft, key));
}

static void
lru_unlink(struct flow_table *ft, struct flow *f)
{
	if (f->lru_prev != NULL)
		f->lru_prev->lru_next = f->lru_next;
	else
		ft->lru_head = f->lru_next;
	if (f->lru_next != NULL)
		f->lru_next->lru_prev = f->lru_prev;
	else
		ft->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void
lru_push(struct flow_table *ft, struct flow *f)
{
	f->lru_prev = NULL;
	f->lru_next = ft->lru_head;
	if (ft->lru_head != NULL)
		ft->lru_head->lru_prev = f;
	ft->lru_head = f;
	if (ft->lru_tail == NULL)
		ft->lru_tail = f;
}

static void
flow_end(struct flow_table *ft, struct flow *f, enum flow_end_reason reason)
{
	struct flow **pp = &ft->buckets[f->hash & (ft->n_buckets - 1)];

	if (ft->on_end != NULL)
		ft->on_end(f, reason, ft->on_end_ctx);
	for (unsigned i = 0; i < FLOW_MAX_SLOTS; i++) {
		if (f->slot[i] != NULL && ft->slot_free[i] != NULL)
			ft->slot_free[i](f->slot[i]);
		f->slot[i] = NULL;
	}
	reasm_clear(&f->reasm);
	while (*pp != f)
		pp = &(*pp)->hash_next;
	*pp = f->hash_next;
	lru_unlink(ft, f);
	f->in_use = false;
	f->hash_next = ft->free_list;
	ft->free_list = f;
	ft->counters.flows_active--;
	if (reason == FLOW_END_EVICTED)
		ft->counters.flows_evicted++;
	else if (reason == FLOW_END_TIMEOUT)
		ft->counters.flows_timed_out++;
}

/*
 * The client sent the first packet. Two exceptions, for captures that start
 * mid-conversation: a SYN-ACK first (the SYN was missed), and a UDP datagram
 * from a well-known port to an ephemeral one (a reply whose query was missed).
 * Live, the first packet queued is the initiator's (conntrack NEW).
 */
static bool
first_from_server(const struct decode_view *v)
{
	if (v->ip_proto == IPPROTO_TCP)
		return (v->tcp_flags & (DECODE_TCP_SYN | DECODE_TCP_ACK)) ==
		       (DECODE_TCP_SYN | DECODE_TCP_ACK);
	return v->src_port < 1024 && v->dst_port >= 1024;
}

static struct flow *
flow_create(struct flow_table *ft, const struct decode_view *v, const struct flow_key *key,
            uint32_t h, int64_t now_us)
{
	struct flow *f;
	size_t alen = decode_addr_len(v);
	bool reversed;

	/*
	 * Freed slots first, then fresh ones: the pool's pages become resident
	 * only as the number of live flows grows, not all at start.
	 */
	if (ft->free_list == NULL && ft->n_fresh < ft->cfg.max_flows)
		f = &ft->pool[ft->n_fresh++];
	else {
		if (ft->free_list == NULL)
			flow_end(ft, ft->lru_tail, FLOW_END_EVICTED);
		f = ft->free_list;
		ft->free_list = f->hash_next;
	}
	memset(f, 0, sizeof(*f));
	f->key = *key;
	f->hash = h;
	f->in_use = true;
	f->id = ++ft->next_id;
	f->first_us = f->last_us = now_us;
	reversed = first_from_server(v);
	memcpy(f->client_addr, reversed ? v->dst : v->src, alen);
	memcpy(f->server_addr, reversed ? v->src : v->dst, alen);
	f->client_port = reversed ? v->dst_port : v->src_port;
	f->server_port = reversed ? v->src_port : v->dst_port;
	reasm_init(&f->reasm, ft->cfg.reasm_window);
	f->hash_next = ft->buckets[h & (ft->n_buckets - 1)];
	ft->buckets[h & (ft->n_buckets - 1)] = f;
	lru_push(ft, f);
	ft->counters.flows_active++;
	ft->counters.flows_total++;
	return f;
}

struct flow *
flow_table_get(struct flow_table *ft, const struct decode_view *v, int64_t now_us,
               enum flow_dir *ret_dir)
{
	struct flow_key key;
	struct flow *f;
	uint32_t h;
	enum flow_dir dir;

	flow_key_from_view(v, &key);
	h = key_hash(ft, &key);
	f = find(ft, &key, h);
	if (f == NULL) {
		f = flow_create(ft, v, &key, h, now_us);
	} else if (f != ft->lru_head) {
		lru_unlink(ft, f);
		lru_push(ft, f);
	}
	dir = (v->src_port == f->client_port &&
	       memcmp(v->src, f->client_addr, decode_addr_len(v)) == 0)
	              ? FLOW_DIR_TO_SERVER
	              : FLOW_DIR_TO_CLIENT;
	if (now_us > f->last_us)
		f->last_us = now_us;
	f->packets[dir]++;
	f->bytes[dir] += v->payload_len;
	*ret_dir = dir;
	return f;
}

void
flow_tcp_packet(struct flow_table *ft, struct flow *f, enum flow_dir dir,
                const struct decode_view *v, reasm_deliver_fn *deliver, void *ctx)
{
	uint8_t fl = v->tcp_flags;
	uint32_t seq = v->tcp_seq;

	if ((fl & DECODE_TCP_RST) != 0)
		f->flags |= FLOW_F_RST;
	if (dir == FLOW_DIR_TO_CLIENT) {
		if ((fl & DECODE_TCP_SYN) != 0)
			f->flags |= FLOW_F_SYNACK_SEEN;
		if ((fl & DECODE_TCP_FIN) != 0)
			f->flags |= FLOW_F_FIN_SERVER;
		f->server_next_seq = seq + (uint32_t)v->payload_len;
		return;
	}
	if ((fl & DECODE_TCP_SYN) != 0) {
		f->flags |= FLOW_F_SYN_SEEN;
		reasm_syn(&f->reasm, seq);
		seq++; /* data on a SYN (TCP Fast Open) starts after it */
	}
	if ((fl & DECODE_TCP_FIN) != 0)
		f->flags |= FLOW_F_FIN_CLIENT;
	/* Data after a reset is not delivered by the server: ignore it. */
	if (deliver == NULL) {
		/* The owner wants no more bytes: drop anything held, keep tracking flags. */
		reasm_clear(&f->reasm);
		return;
	}
	if (v->payload_len > 0 && (fl & DECODE_TCP_RST) == 0)
		reasm_segment(&f->reasm, seq, v->payload, v->payload_len, &ft->counters.reasm,
		              deliver, ctx);
}

void
flow_tcp_flush(struct flow_table *ft, struct flow *f, reasm_deliver_fn *deliver, void *ctx)
{
	reasm_flush(&f->reasm, &ft->counters.reasm, deliver, ctx);
}

static int64_t
flow_timeout(const struct flow_table *ft, const struct flow *f)
{
	if (f->key.ip_proto != IPPROTO_TCP)
		return ft->cfg.udp_timeout_us;
	if ((f->flags & FLOW_F_RST) != 0 || (f->flags & (FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER)) ==
	                                            (FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER))
		return ft->cfg.tcp_closed_timeout_us;
	return ft->cfg.tcp_timeout_us;
}

void
flow_table_expire(struct flow_table *ft, int64_t now_us)
{
	int64_t min_timeout = ft->cfg.tcp_closed_timeout_us;
	struct flow *f = ft->lru_tail, *prev;

	if (ft->cfg.udp_timeout_us < min_timeout)
		min_timeout = ft->cfg.udp_timeout_us;
	if (ft->cfg.tcp_timeout_us < min_timeout)
		min_timeout = ft->cfg.tcp_timeout_us;
	/* Older flows sit at the tail; nothing newer than the shortest timeout can expire. */
	while (f != NULL && now_us - f->last_us > min_timeout) {
		prev = f->lru_prev;
		if (now_us - f->last_us > flow_timeout(ft, f))
			flow_end(ft, f, FLOW_END_TIMEOUT);
		f = prev;
	}
}

void
flow_table_flush(struct flow_table *ft)
{
	/* Oldest first, so records come out in the order flows started to go idle. */
	while (ft->lru_tail != NULL)
		flow_end(ft, ft->lru_tail, FLOW_END_FLUSH);
}

void
flow_table_foreach(struct flow_table *ft, void (*fn)(struct flow *f, void *ctx), void *ctx)
{
	for (struct flow *f = ft->lru_head, *next; f != NULL; f = next) {
		next = f->lru_next;
		fn(f, ctx);
	}
}

void
flow_table_get_counters(const struct flow_table *ft, struct flow_table_counters *ret)
{
	*ret = ft->counters;
}

void
flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	flow_table_flush(ft);
	free(ft->pool);
	free(ft->buckets);
	free(ft);
}
