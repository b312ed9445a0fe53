/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pipeline/pipeline.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "pipeline/pipeline-internal.h"

void
pipeline_config_defaults(struct pipeline_config *config)
{
	memset(config, 0, sizeof(*config));
	config->max_flows = 65536;
	config->max_reasm_bytes = 65536;
	config->dns_cache_entries = 4096;
	config->flow_records = false;
}

static void deliver_client(const uint8_t *data, size_t len, void *ctx);

static void
on_flow_end(struct flow *f, enum flow_end_reason reason, void *ctx)
{
	struct pipeline *p = ctx;
	struct pflow *pf = f->slot[PIPELINE_SLOT];

	if (pf == NULL)
		return;
	/* A hole nobody filled: scan what came after it rather than nothing. */
	p->cur_flow = f;
	p->cur_pf = pf;
	if (f->key.ip_proto == IPPROTO_TCP)
		flow_tcp_flush(p->flows, f, deliver_client, p);
	p->cur_flow = NULL;
	p->cur_pf = NULL;
	if (pf->state == PFLOW_CLASSIFYING)
		pipeline_decide_now(p, f, pf);
	pipeline_flow_closing(p, f, pf);
	if (p->cfg.flow_records)
		pipeline_emit_flow_record(p, f, pf);
}

struct pipeline *
pipeline_new(const struct pipeline_config *config, struct policy *policy, pipeline_event_fn *emit,
             void *emit_ctx)
{
	struct flow_table_config fc;
	struct pipeline *p;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->cfg = *config;
	p->emit = emit;
	p->emit_ctx = emit_ctx;
	flow_table_config_defaults(&fc);
	fc.max_flows = config->max_flows;
	fc.reasm_window = config->max_reasm_bytes;
	p->flows = flow_table_new(&fc, on_flow_end, p);
	if (p->flows == NULL)
		goto fail;
	flow_table_set_slot_free(p->flows, PIPELINE_SLOT, pflow_free);
	if (pipeline_stages_init(p, policy) < 0)
		goto fail;
	return p;
fail:
	pipeline_free(p);
	return NULL;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	flow_table_free(p->flows);
	pipeline_stages_fini(p);
	free(p);
}

void
pipeline_set_policy(struct pipeline *p, struct policy *policy)
{
	pipeline_stages_set_policy(p, policy);
}

static void
deliver_client(const uint8_t *data, size_t len, void *ctx)
{
	struct pipeline *p = ctx;

	if (p->cur_pf != NULL)
		pipeline_client_data(p, p->cur_flow, p->cur_pf, data, len, false);
}

static struct pflow *
pflow_get(struct pipeline *p, struct flow *f, const struct pkt_meta *meta)
{
	struct pflow *pf = f->slot[PIPELINE_SLOT];

	if (pf != NULL)
		return pf;
	pf = calloc(1, sizeof(*pf));
	if (pf == NULL)
		return NULL;
	pf->outbound = meta->outbound;
	pf->pid = -1;
	pf->has_uid = meta->has_uid;
	pf->uid = meta->uid;
	pf->gid = meta->gid;
	f->slot[PIPELINE_SLOT] = pf;
	return pf;
}

static void
result_for(const struct pflow *pf, struct pipeline_result *ret)
{
	ret->verdict = pf->verdict;
	if (pf->verdict == PHIGUARD_VERDICT_BLOCK)
		ret->action = PIPELINE_BLOCK;
	else if (pf->state == PFLOW_CLASSIFYING || pf->redecide)
		ret->action = PIPELINE_ACCEPT;
	else if (pf->inspect)
		ret->action = PIPELINE_INSPECT;
	else
		ret->action = PIPELINE_BYPASS;
}

void
pipeline_packet(struct pipeline *p, const uint8_t *l3, size_t len, const struct pkt_meta *meta,
                struct pipeline_result *ret)
{
	struct decode_view v;
	enum flow_dir dir;
	struct flow *f;
	struct pflow *pf;

	ret->action = PIPELINE_ACCEPT;
	ret->verdict = PHIGUARD_VERDICT_ALLOW;
	ret->first_packet = false;
	p->counters.packets++;
	if (meta->ts_us > p->now_us)
		p->now_us = meta->ts_us;
	if (decode_packet(l3, len, &v) < 0) {
		if ((v.flags & DECODE_F_MALFORMED) != 0)
			p->counters.malformed++;
		else if ((v.flags & DECODE_F_FRAGMENT) != 0)
			p->counters.fragments++;
		else
			p->counters.not_tcp_udp++;
		return;
	}
	f = flow_table_get(p->flows, &v, meta->ts_us, &dir);
	ret->first_packet = f->packets[FLOW_DIR_TO_SERVER] + f->packets[FLOW_DIR_TO_CLIENT] == 1;
	pf = pflow_get(p, f, meta);
	if (pf == NULL) {
		p->counters.alloc_failures++;
		return;
	}
	if (ret->first_packet)
		pipeline_flow_key_of(f, pf->outbound, &ret->key);
	if (pf->redecide)
		pipeline_redecide(p, f, pf);
	if (pf->verdict == PHIGUARD_VERDICT_BLOCK) {
		result_for(pf, ret);
		return;
	}
	if (v.ip_proto == IPPROTO_TCP) {
		p->cur_flow = f;
		p->cur_pf = pf;
		/* Decided and not inspected: only the flags matter (the kernel carries it live). */
		if (pf->state == PFLOW_DECIDED && !pf->inspect && !pf->redecide)
			flow_tcp_packet(p->flows, f, dir, &v, NULL, NULL);
		else
			flow_tcp_packet(p->flows, f, dir, &v, deliver_client, p);
		p->cur_flow = NULL;
		p->cur_pf = NULL;
		/* The client is done sending before the classifier was: decide on what came. */
		if (pf->state == PFLOW_CLASSIFYING &&
		    (f->flags & (FLOW_F_FIN_CLIENT | FLOW_F_RST)) != 0)
			pipeline_decide_now(p, f, pf);
	} else if (dir == FLOW_DIR_TO_SERVER) {
		if (v.payload_len > 0)
			pipeline_client_data(p, f, pf, v.payload, v.payload_len, true);
	} else {
		pipeline_server_datagram(p, f, pf, &v);
	}
	result_for(pf, ret);
}

void
pipeline_expire(struct pipeline *p, int64_t now_us)
{
	if (now_us > p->now_us)
		p->now_us = now_us;
	flow_table_expire(p->flows, now_us);
}

void
pipeline_flush(struct pipeline *p)
{
	flow_table_flush(p->flows);
}

void
pipeline_get_counters(const struct pipeline *p, struct pipeline_counters *ret)
{
	struct flow_table_counters fc;

	*ret = p->counters;
	flow_table_get_counters(p->flows, &fc);
	ret->flows_active = fc.flows_active;
	ret->flows_total = fc.flows_total;
	ret->flows_evicted = fc.flows_evicted;
	ret->flows_timed_out = fc.flows_timed_out;
	ret->tcp_segments = fc.reasm.segments;
	ret->tcp_retransmissions = fc.reasm.retransmissions;
	ret->tcp_overlaps = fc.reasm.overlaps;
	ret->tcp_overlap_diffs = fc.reasm.overlap_diffs;
	ret->tcp_out_of_order = fc.reasm.out_of_order;
	ret->tcp_gaps = fc.reasm.gaps;
	ret->tcp_reasm_drops = fc.reasm.window_drops;
}

size_t
pipeline_flow_memory(void)
{
	return flow_table_flow_size() + sizeof(struct pflow);
}
