/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_MATCH_DETECTOR_YAML_H
#define PHIGUARD_MATCH_DETECTOR_YAML_H

/*
 * Parse detector definitions from a libyaml document (document API:
 * yaml_parser_load). The policy loader uses this for custom detectors
 * inside a policy; phiguard_detector_set_load_yaml() uses it for every
 * entry of a pack. The schema is documented in docs/detectors.md.
 */

#include <yaml.h>

#include <phiguard/match.h>

/*
 * Parse ONE detector definition (a mapping node of @doc) and add it to
 * @set, replacing a detector of the same name. @filename is used in error
 * messages. 0, or -EINVAL with @err at file:line:column (1-based) naming
 * the problem; for an unknown key the nearest valid key is suggested.
 * On error the set is unchanged.
 */
int detector_set_add_yaml_node(struct phiguard_detector_set *set, yaml_document_t *doc,
                               yaml_node_t *mapping, const char *filename,
                               struct phiguard_error *err);

#endif
