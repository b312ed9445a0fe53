/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_AGENT_CONFIG_H
#define PHIGUARD_DAEMON_AGENT_CONFIG_H

/*
 * /etc/phiguard/agent.yaml: the top level, `policy`, `queues`, `identity`,
 * `control` and `attribution` are parsed here; the `report` and `spool`
 * mappings stay in the kept document for the reporter's parser.
 */

#include <stdbool.h>
#include <stdint.h>

#include <yaml.h>

#include <phiguard/match.h>

#include "verdict/marks.h"

#define CONFIG_MAX_LABELS 16
#define CONFIG_MAX_KEYS   8
#define CONFIG_PATH_MAX   512

enum attribution_mode {
	ATTRIBUTION_EVENTS = 0, /* resolve the process for events only */
	ATTRIBUTION_FLOWS,      /* resolve every new flow (audit hosts; costs per connection) */
	ATTRIBUTION_OFF,
};

struct agent_config {
	/* policy */
	char policy_file[CONFIG_PATH_MAX];
	bool policy_file_set; /* set in the file or by --policy */
	char policy_directory[CONFIG_PATH_MAX];
	bool require_signature;
	char trusted_keys[CONFIG_MAX_KEYS][CONFIG_PATH_MAX];
	unsigned n_trusted_keys;
	char policy_url[CONFIG_PATH_MAX];
	uint32_t pull_interval;
	char tls_ca[CONFIG_PATH_MAX];
	char tls_cert[CONFIG_PATH_MAX];
	char tls_key[CONFIG_PATH_MAX];
	char state_directory[CONFIG_PATH_MAX];

	/* queues */
	uint16_t tcp_queues[MARK_SHARD_MAX];
	unsigned n_tcp_queues;
	bool has_udp_queue;
	uint16_t udp_queue;
	bool fail_open;
	uint32_t max_flows;

	/* identity */
	char host_id[64];
	char host_name[256];
	char label_keys[CONFIG_MAX_LABELS][32];
	char label_values[CONFIG_MAX_LABELS][128];
	unsigned n_labels;

	/* control */
	char control_socket[CONFIG_PATH_MAX];

	/* attribution (phiguard extension, see docs/live-agent.md) */
	enum attribution_mode attribution;
	uint32_t attribution_cache;

	/* The whole document, kept for report_config_parse(); NULL nodes when absent. */
	bool have_document;
	yaml_document_t document;
	yaml_node_t *report_node;
	yaml_node_t *spool_node;
	char path[CONFIG_PATH_MAX];
};

void config_defaults(struct agent_config *config);

/* Parse @path over the defaults. 0, or negative errno with @err (file:line:column). */
int config_load(struct agent_config *config, const char *path, struct phiguard_error *err);

/* Free the kept document. */
void config_release(struct agent_config *config);

#endif
