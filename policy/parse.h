/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_PARSE_H
#define PHIGUARD_POLICY_PARSE_H

/* Readers for the list shapes the sections share (apps, rules, cases). */

#include "policy/internal.h"
#include "policy/node.h"

int policy_parse_domains(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                         struct strv *list);
int policy_parse_cidrs(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                       struct cidr **v, size_t *n);
int policy_parse_ports(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                       struct port_range **v, size_t *n);
int policy_parse_names(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                       struct strv *list);
int policy_parse_rules(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node);
int policy_parse_cases(const struct node_ctx *c, struct policy *policy, const yaml_node_t *node);
int policy_parse_detectors(const struct node_ctx *c, struct policy *policy,
                           const yaml_node_t *node);
/* A name that must be one of @names; suggests the nearest on error. */
int policy_check_known(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                       const char *name, const char *const *names, size_t n, size_t *ret_index);

void policy_app_clear(struct app *app);
void policy_rule_clear(struct rule *rule);
void policy_case_clear(struct policy_case *pcase);

#endif
