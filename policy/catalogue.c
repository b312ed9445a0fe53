/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `apps:` and `categories:` sections, for the built-in catalogue and for
 * a policy alike. A policy entry with the name of a built-in one replaces it
 * whole, so what a policy says about an app is all there is to read.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/suggest.h"
#include "base/xalloc.h"
#include "policy/parse.h"

static void
category_clear(struct category *cat)
{
	free(cat->name);
	free(cat->description);
	memset(cat, 0, sizeof(*cat));
}

void
policy_app_clear(struct app *app)
{
	free(app->name);
	free(app->category_name);
	strv_free(&app->domains);
	strv_free(&app->media_domains);
	free(app->cidrs);
	free(app->ports);
	strv_free(&app->fingerprints);
	memset(app, 0, sizeof(*app));
}

static int
parse_category(const struct node_ctx *c, struct policy *policy, const yaml_node_t *key,
               const yaml_node_t *val, bool builtin)
{
	static const char *const keys[] = { "description", "fail_mode", "approved", NULL };
	static const char *const modes[] = { "open", "closed", NULL };
	struct category cat = { .builtin = builtin };
	yaml_node_t *n;
	int mode = 0, r;
	size_t i;

	r = node_name(c, key, "category name", &cat.name);
	if (r < 0)
		goto out;
	cat.line = (unsigned)key->start_mark.line + 1;
	cat.column = (unsigned)key->start_mark.column + 1;
	r = node_check_map(c, val, "category", keys);
	if (r < 0)
		goto out;
	if ((n = node_map_get(c, val, "description")) &&
	    (r = node_string(c, n, "description", POLICY_MAX_STRING, &cat.description)) < 0)
		goto out;
	if ((n = node_map_get(c, val, "fail_mode")) &&
	    (r = node_enum(c, n, "fail_mode", modes, &mode)) < 0)
		goto out;
	cat.fail_mode = mode ? FAIL_CLOSED : FAIL_OPEN;
	cat.approved = strcmp(cat.name, "approved-clinical") == 0;
	if ((n = node_map_get(c, val, "approved")) &&
	    (r = node_bool(c, n, "approved", &cat.approved)) < 0)
		goto out;

	for (i = 0; i < policy->n_categories; i++) {
		if (strcmp(policy->categories[i].name, cat.name) != 0)
			continue;
		if (policy->categories[i].builtin == builtin) {
			r = node_error(c, key, "category '%s' is defined twice", cat.name);
			goto out;
		}
		break;
	}
	if (i == policy->n_categories) {
		if (policy->n_categories >= POLICY_MAX_CATEGORIES) {
			r = node_error(c, key, "too many categories (at most %d)",
			               POLICY_MAX_CATEGORIES);
			goto out;
		}
		policy->categories = xrealloc(policy->categories, policy->n_categories + 1,
		                              sizeof(*policy->categories));
		policy->n_categories++;
	} else {
		category_clear(&policy->categories[i]);
	}
	policy->categories[i] = cat;
	return 0;
out:
	category_clear(&cat);
	return r;
}

static int
add_domain(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct strv *list = ctx;
	char norm[POLICY_MAX_DOMAIN + 3];

	if (policy_normalize_domain(node_scalar(item), norm, sizeof(norm)) < 0)
		return node_error(c, item, "'%.80s' is not a domain name or a '*.suffix' pattern",
		                  node_scalar(item));
	if (list->n >= POLICY_MAX_LIST)
		return node_error(c, item, "too many domains (at most %d)", POLICY_MAX_LIST);
	strv_push(list, norm);
	return 0;
}

int
policy_parse_domains(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                     struct strv *list)
{
	return node_each(c, node, what, add_domain, list);
}

struct cidr_list {
	struct cidr **v;
	size_t *n;
};

static int
add_cidr(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct cidr_list *l = ctx;
	struct cidr cidr;

	if (policy_parse_cidr(node_scalar(item), &cidr) < 0)
		return node_error(
		        c, item,
		        "'%.80s' is not an address or a prefix such as 192.0.2.0/24 or 2001:db8::/32",
		        node_scalar(item));
	if (*l->n >= POLICY_MAX_LIST)
		return node_error(c, item, "too many address prefixes (at most %d)",
		                  POLICY_MAX_LIST);
	*l->v = xrealloc(*l->v, *l->n + 1, sizeof(**l->v));
	(*l->v)[(*l->n)++] = cidr;
	return 0;
}

int
policy_parse_cidrs(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                   struct cidr **v, size_t *n)
{
	struct cidr_list l = { v, n };

	return node_each(c, node, what, add_cidr, &l);
}

struct port_list {
	struct port_range **v;
	size_t *n;
};

static int
parse_port_number(const char *s, uint16_t *ret, const char **ret_end)
{
	unsigned long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 65535)
			return -ERANGE;
	}
	*ret = (uint16_t)v;
	*ret_end = p;
	return 0;
}

static int
add_port(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	struct port_list *l = ctx;
	struct port_range pr = { 0 };
	const char *s = node_scalar(item), *end;

	if (strncmp(s, "tcp/", 4) == 0) {
		pr.ip_proto = IPPROTO_TCP;
		s += 4;
	} else if (strncmp(s, "udp/", 4) == 0) {
		pr.ip_proto = IPPROTO_UDP;
		s += 4;
	}
	if (parse_port_number(s, &pr.lo, &end) < 0)
		goto bad;
	pr.hi = pr.lo;
	if (*end == '-' && parse_port_number(end + 1, &pr.hi, &end) < 0)
		goto bad;
	if (*end != '\0' || pr.hi < pr.lo || pr.lo == 0)
		goto bad;
	if (*l->n >= POLICY_MAX_LIST)
		return node_error(c, item, "too many ports (at most %d)", POLICY_MAX_LIST);
	*l->v = xrealloc(*l->v, *l->n + 1, sizeof(**l->v));
	(*l->v)[(*l->n)++] = pr;
	return 0;
bad:
	return node_error(c, item,
	                  "'%.40s' is not a port: use 443, 50000-50059, tcp/5222 or udp/3478-3481",
	                  node_scalar(item));
}

int
policy_parse_ports(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                   struct port_range **v, size_t *n)
{
	struct port_list l = { v, n };

	return node_each(c, node, what, add_port, &l);
}

static int
add_name(const struct node_ctx *c, const yaml_node_t *item, void *ctx)
{
	char *name = NULL;
	int r;

	r = node_name(c, item, "name", &name);
	if (r == 0)
		strv_push(ctx, name);
	free(name);
	return r;
}

int
policy_parse_names(const struct node_ctx *c, const yaml_node_t *node, const char *what,
                   struct strv *list)
{
	return node_each(c, node, what, add_name, list);
}

static int
parse_app(const struct node_ctx *c, struct policy *policy, const yaml_node_t *key,
          const yaml_node_t *val, bool builtin)
{
	static const char *const keys[] = { "category", "domains",     "media_domains",
		                            "cidrs",    "ports",       "fingerprints",
		                            "priority", "description", NULL };
	struct app app = { .builtin = builtin };
	yaml_node_t *n;
	uint64_t prio;
	size_t i;
	int r;

	r = node_name(c, key, "app name", &app.name);
	if (r < 0)
		goto out;
	app.line = (unsigned)key->start_mark.line + 1;
	app.column = (unsigned)key->start_mark.column + 1;
	r = node_check_map(c, val, "app", keys);
	if (r < 0)
		goto out;
	n = node_map_get(c, val, "category");
	if (n == NULL) {
		r = node_error(c, key, "app '%s' needs a category", app.name);
		goto out;
	}
	r = node_name(c, n, "category", &app.category_name);
	if (r < 0)
		goto out;
	for (i = 0; i < policy->n_categories; i++)
		if (strcmp(policy->categories[i].name, app.category_name) == 0)
			break;
	if (i == policy->n_categories) {
		const char *names[POLICY_MAX_CATEGORIES];
		const char *near;

		for (size_t j = 0; j < policy->n_categories; j++)
			names[j] = policy->categories[j].name;
		near = suggest_nearest(app.category_name, names, policy->n_categories);
		r = near ? node_error(c, n, "unknown category '%s' (did you mean '%s'?)",
		                      app.category_name, near)
		         : node_error(c, n, "unknown category '%s'", app.category_name);
		goto out;
	}
	app.category = i;
	if ((n = node_map_get(c, val, "domains")) &&
	    (r = policy_parse_domains(c, n, "domains", &app.domains)) < 0)
		goto out;
	if ((n = node_map_get(c, val, "media_domains")) &&
	    (r = policy_parse_domains(c, n, "media_domains", &app.media_domains)) < 0)
		goto out;
	if ((n = node_map_get(c, val, "cidrs")) &&
	    (r = policy_parse_cidrs(c, n, "cidrs", &app.cidrs, &app.n_cidrs)) < 0)
		goto out;
	if ((n = node_map_get(c, val, "ports")) &&
	    (r = policy_parse_ports(c, n, "ports", &app.ports, &app.n_ports)) < 0)
		goto out;
	if ((n = node_map_get(c, val, "fingerprints")) &&
	    (r = policy_parse_names(c, n, "fingerprints", &app.fingerprints)) < 0)
		goto out;
	if ((n = node_map_get(c, val, "priority"))) {
		r = node_uint(c, n, "priority", 0, 1000, &prio);
		if (r < 0)
			goto out;
		app.priority = (int)prio;
	}
	if (app.domains.n + app.media_domains.n + app.n_cidrs + app.fingerprints.n == 0) {
		r = node_error(
		        c, key,
		        "app '%s' has no domains, media_domains, cidrs or fingerprints: nothing could ever match it",
		        app.name);
		goto out;
	}

	for (i = 0; i < policy->n_apps; i++) {
		if (strcmp(policy->apps[i].name, app.name) != 0)
			continue;
		if (policy->apps[i].builtin == builtin) {
			r = node_error(c, key, "app '%s' is defined twice", app.name);
			goto out;
		}
		break;
	}
	if (i == policy->n_apps) {
		if (policy->n_apps >= POLICY_MAX_APPS) {
			r = node_error(c, key, "too many apps (at most %d)", POLICY_MAX_APPS);
			goto out;
		}
		policy->apps = xrealloc(policy->apps, policy->n_apps + 1, sizeof(*policy->apps));
		policy->n_apps++;
	} else {
		policy_app_clear(&policy->apps[i]);
	}
	policy->apps[i] = app;
	return 0;
out:
	policy_app_clear(&app);
	return r;
}

typedef int entry_fn(const struct node_ctx *c, struct policy *policy, const yaml_node_t *key,
                     const yaml_node_t *val, bool builtin);

static int
each_entry(const struct node_ctx *c, struct policy *policy, const yaml_node_t *map,
           const char *what, entry_fn *fn, bool builtin)
{
	int r;

	r = node_expect(c, map, YAML_MAPPING_NODE, what);
	if (r < 0)
		return r;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		r = fn(c, policy, node_get(c, p->key), node_get(c, p->value), builtin);
		if (r < 0)
			return r;
	}
	return 0;
}

int
policy_parse_catalogue(struct policy *policy, yaml_document_t *doc, const char *filename,
                       bool builtin, struct phiguard_error *err)
{
	struct node_ctx c = { doc, filename, err };
	yaml_node_t *root = yaml_document_get_root_node(doc), *n;
	int r;

	if ((n = node_map_get(&c, root, "categories")) &&
	    (r = each_entry(&c, policy, n, "categories", parse_category, builtin)) < 0)
		return r;
	if ((n = node_map_get(&c, root, "apps")) &&
	    (r = each_entry(&c, policy, n, "apps", parse_app, builtin)) < 0)
		return r;
	return 0;
}
