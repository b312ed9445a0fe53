/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compile a validated model: the detector set into the matcher (Hyperscan),
 * detector names into matcher indexes, user and group names into ids, and
 * the app catalogue into the lookup index.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "base/clock.h"
#include "base/xalloc.h"
#include "policy/internal.h"

int
policy_detector_lookup(const struct policy *policy, const char *name)
{
	if (policy->matcher != NULL)
		return phiguard_matcher_detector_index(policy->matcher, name);
	for (size_t i = 0; i < policy->detector_names.n; i++)
		if (strcmp(policy->detector_names.v[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

static int *
resolve_names(const struct policy *policy, const struct strv *names)
{
	int *idx = xcalloc(names->n + 1, sizeof(*idx));

	for (size_t i = 0; i < names->n; i++)
		idx[i] = policy_detector_lookup(policy, names->v[i]);
	return idx;
}

/*
 * Names resolve once, when the policy loads on the host that enforces it;
 * a name unknown there still matches events that carry the name itself.
 */
static void
resolve_ids(struct id_list *l, bool groups)
{
	for (size_t i = 0; i < l->names.n; i++) {
		char buf[4096];
		uint32_t id;
		int r;

		if (groups) {
			struct group gr, *res = NULL;

			r = getgrnam_r(l->names.v[i], &gr, buf, sizeof(buf), &res);
			if (r != 0 || res == NULL)
				continue;
			id = (uint32_t)res->gr_gid;
		} else {
			struct passwd pw, *res = NULL;

			r = getpwnam_r(l->names.v[i], &pw, buf, sizeof(buf), &res);
			if (r != 0 || res == NULL)
				continue;
			id = (uint32_t)res->pw_uid;
		}
		l->ids = xrealloc(l->ids, l->n_ids + 1, sizeof(*l->ids));
		l->ids[l->n_ids++] = id;
	}
}

int
policy_compile(struct policy *policy, yaml_document_t *doc, struct phiguard_error *err)
{
	uint64_t start = clock_usec(CLOCK_MONOTONIC);
	int r;

	(void)doc;
	if (!policy->options.skip_matcher) {
		struct phiguard_matcher_options options = {
			.token_key = policy->options.token_key,
			.token_key_len = policy->options.token_key_len,
		};
		uint64_t cpu = clock_usec(CLOCK_PROCESS_CPUTIME_ID);

		r = phiguard_matcher_compile(policy->detector_set, &options, &policy->matcher, err);
		if (r < 0)
			return r;
		policy->matcher_db_bytes = phiguard_matcher_database_size(policy->matcher);
		policy->matcher_cpu_us = clock_usec(CLOCK_PROCESS_CPUTIME_ID) - cpu;
	}
	phiguard_detector_set_free(policy->detector_set);
	policy->detector_set = NULL;
	for (size_t i = 0; i < policy->n_rules; i++) {
		struct rule *rule = &policy->rules[i];

		for (size_t j = 0; j < rule->n_findings; j++)
			rule->findings[j].detectors =
			        resolve_names(policy, &rule->findings[j].names);
		resolve_ids(&rule->users, false);
		resolve_ids(&rule->groups, true);
	}
	for (size_t i = 0; i < policy->n_cases; i++)
		policy->cases[i].finding_detectors =
		        resolve_names(policy, &policy->cases[i].finding_names);
	r = policy_index_build(policy);
	if (r < 0)
		return r;
	policy->compile_us = clock_usec(CLOCK_MONOTONIC) - start;
	return 0;
}
