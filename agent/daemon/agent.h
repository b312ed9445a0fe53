/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_AGENT_H
#define PHIGUARD_DAEMON_AGENT_H

/*
 * The live agent: rules, one worker thread per queue, the attribution
 * thread, the reporter, and the main thread (signals, reload, status).
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <phiguard/event.h>

#include "daemon/agent_config.h"
#include "policy/policy.h"
#include "report/report.h"
#include "verdict/rules.h"

struct policy;

#define AGENT_EARLY_EVENTS 8
struct worker;
struct enricher;
struct policy_source;

struct agent_options {
	const char *config_path; /* NULL: embedded defaults */
	const char *policy_path; /* --policy: overrides policy.file */
	bool stdout_tty;
};

struct agent {
	struct agent_config config;
	struct agent_options options;

	/* The policy in force. Workers adopt it when policy_gen moves (rare: lock is fine). */
	pthread_mutex_t policy_lock;
	struct policy *policy;
	atomic_uint_fast64_t policy_gen;
	char policy_version[64];
	char policy_hash[72];
	char policy_source[CONFIG_PATH_MAX];
	/* From policy.d or policy.url: policy.file and the embedded default never replace it. */
	bool policy_from_sources;
	uint64_t reloads;
	uint64_t reloads_refused;
	uint64_t gap_reports;
	char last_reload_error[1024];
	/* A reload compiles on its own thread, so signals and status stay answered. */
	pthread_t reload_thread;
	bool reloading;
	bool reload_pending;
	int reload_fd; /* eventfd: the reload thread is done */
	char reload_why[64];
	int reload_r;
	struct policy *reload_result; /* owned until installed or dropped */
	struct phiguard_error reload_err;
	char reload_source[CONFIG_PATH_MAX];

	/* State events from before the reporter starts (policy restore at start); sent once it runs. */
	struct phiguard_event *early[AGENT_EARLY_EVENTS]; /* owned until sent */
	unsigned n_early;
	struct policy_source *sources; /* policy.d drop-ins and policy.url; NULL when none */
	struct report_config report_config;
	uint8_t token_key[64];
	struct policy_load_options load_options;
	struct reporter *reporter;

	struct enricher *enricher;
	struct worker *workers[MARK_SHARD_MAX + 1];
	unsigned n_workers;
	/* Guards rules_config and rules_installed once running (policy changes). */
	pthread_mutex_t rules_lock;
	struct rules_config rules_config;
	struct rules_report rules;
	bool rules_installed;
	int64_t started_us;
	atomic_bool stopping;
};

/* Run until SIGINT/SIGTERM. Returns a CLI exit code. */
int agent_run(const struct agent_options *options);

/* Hand an event to the reporter. Any thread, never blocks. */
void agent_emit(struct agent *agent, const struct phiguard_event *event);

/* A state event from the agent itself (policy refused, inspection gap, overload). */
void agent_emit_state(struct agent *agent, const char *action, uint8_t severity, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

int64_t agent_now_us(void);

#endif
