/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built only while agent/pipeline has no implementation in the tree: every
 * flow is handed to the kernel at its first packet (bypass), no events. It
 * keeps `phiguard run` usable for the packet path (rules, queues, marks,
 * fail-open) on its own; meson drops this file once the pipeline exists.
 */
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"

struct pipeline {
	struct pipeline_counters counters;
};

void
pipeline_config_defaults(struct pipeline_config *config)
{
	memset(config, 0, sizeof(*config));
	config->max_flows = 65536;
}

struct pipeline *
pipeline_new(const struct pipeline_config *config, struct policy *policy, pipeline_event_fn *emit,
             void *emit_ctx)
{
	return calloc(1, sizeof(struct pipeline));
}

void
pipeline_free(struct pipeline *pipeline)
{
	free(pipeline);
}

void
pipeline_set_policy(struct pipeline *pipeline, struct policy *policy)
{
}

void
pipeline_packet(struct pipeline *pipeline, const uint8_t *l3, size_t len,
                const struct pkt_meta *meta, struct pipeline_result *ret)
{
	pipeline->counters.packets++;
	pipeline->counters.flows_bypassed++;
	ret->action = PIPELINE_BYPASS;
	ret->verdict = PHIGUARD_VERDICT_ALLOW;
}

void
pipeline_dns_observed(struct pipeline *pipeline, const uint8_t *l3, size_t len, int64_t ts_us)
{
}

void
pipeline_expire(struct pipeline *pipeline, int64_t now_us)
{
}

void
pipeline_flush(struct pipeline *pipeline)
{
}

void
pipeline_get_counters(const struct pipeline *pipeline, struct pipeline_counters *ret)
{
	*ret = pipeline->counters;
}
