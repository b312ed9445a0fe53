/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Built only while the classify, policy and matcher libraries are not in the
 * tree: flows are tracked and recorded but never classified or inspected, and
 * every verdict is allow. Removed once those stages are linked.
 */
#include "pipeline/pipeline-internal.h"

#include <stdlib.h>

void
pflow_free(void *state)
{
	struct pflow *pf = state;

	if (pf == NULL)
		return;
	free(pf->prefix);
	free(pf);
}

int
pipeline_stages_init(struct pipeline *p, struct policy *policy)
{
	p->policy = policy;
	return 0;
}

void
pipeline_stages_fini(struct pipeline *p)
{
	p->policy = NULL;
}

void
pipeline_stages_set_policy(struct pipeline *p, struct policy *policy)
{
	p->policy = policy;
}

void
pipeline_client_data(struct pipeline *p, struct flow *f, struct pflow *pf, const uint8_t *data,
                     size_t len, bool datagram)
{
	pipeline_decide_now(p, f, pf);
}

void
pipeline_server_datagram(struct pipeline *p, const struct decode_view *v)
{
}

void
pipeline_dns_observed(struct pipeline *p, const uint8_t *l3, size_t len, int64_t ts_us)
{
}

void
pipeline_flow_closing(struct pipeline *p, struct flow *f, struct pflow *pf)
{
}

void
pipeline_decide_now(struct pipeline *p, struct flow *f, struct pflow *pf)
{
	if (pf->state == PFLOW_DECIDED)
		return;
	pf->state = PFLOW_DECIDED;
	p->counters.flows_bypassed++;
}

void
pipeline_redecide(struct pipeline *p, struct flow *f, struct pflow *pf)
{
	pf->redecide = false;
}

const char *
pipeline_policy_version(const struct pipeline *p)
{
	return "";
}
