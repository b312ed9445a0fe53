/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_NODE_H
#define PHIGUARD_POLICY_NODE_H

/*
 * Small typed readers over a libyaml document. Each one checks the node's
 * type and range and, on failure, fills the error with the node's position
 * (libyaml marks are 0-based; people count from 1) and returns -EINVAL.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include <phiguard/match.h>

/* Names (keys, apps, rules...) and list lengths: kept in step with internal.h. */
#define POLICY_NODE_MAX_WORD 63
#define POLICY_NODE_MAX_LIST 4096

struct node_ctx {
	yaml_document_t *doc;
	const char *filename;
	struct phiguard_error *err;
};

int node_error(const struct node_ctx *c, const yaml_node_t *node, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int node_error_at(const struct node_ctx *c, yaml_mark_t mark, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void node_set_error(struct phiguard_error *err, const char *filename, unsigned line,
                    unsigned column, const char *fmt, va_list ap)
        __attribute__((format(printf, 5, 0)));

yaml_node_t *node_get(const struct node_ctx *c, int id);
/* The value under @key in mapping @map, or NULL; @ret_key gets the key node. */
yaml_node_t *node_map_get(const struct node_ctx *c, const yaml_node_t *map, const char *key);

/*
 * Check that @map is a mapping whose keys are scalars from @allowed (a
 * NULL-terminated list), none repeated; otherwise say which key is wrong and
 * suggest the nearest allowed one. @what names the mapping ("rule", ...).
 */
int node_check_map(const struct node_ctx *c, const yaml_node_t *map, const char *what,
                   const char *const *allowed);
int node_expect(const struct node_ctx *c, const yaml_node_t *node, yaml_node_type_t type,
                const char *what);

const char *node_scalar(const yaml_node_t *node); /* NULL when not a scalar */
int node_string(const struct node_ctx *c, const yaml_node_t *node, const char *what, size_t max_len,
                char **ret);
int node_name(const struct node_ctx *c, const yaml_node_t *node, const char *what, char **ret);
int node_bool(const struct node_ctx *c, const yaml_node_t *node, const char *what, bool *ret);
int node_uint(const struct node_ctx *c, const yaml_node_t *node, const char *what, uint64_t min,
              uint64_t max, uint64_t *ret);
/* Sizes: 123, "10 MiB", "500 kB", "2GiB". */
int node_size(const struct node_ctx *c, const yaml_node_t *node, const char *what, uint64_t *ret);
/* One of @choices (NULL-terminated); returns the index. */
int node_enum(const struct node_ctx *c, const yaml_node_t *node, const char *what,
              const char *const *choices, int *ret);
/* A sequence of at most @max entries: their count in *ret_n; the error names the first extra one. */
int node_list(const struct node_ctx *c, const yaml_node_t *node, const char *what, size_t max,
              size_t *ret_n);
/* A scalar or a sequence of scalars, each at most @max_len: calls @fn per item. */
typedef int node_item_fn(const struct node_ctx *c, const yaml_node_t *item, void *ctx);
int node_each(const struct node_ctx *c, const yaml_node_t *node, const char *what, node_item_fn *fn,
              void *ctx);

#endif
