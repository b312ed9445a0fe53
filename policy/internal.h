/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_INTERNAL_H
#define PHIGUARD_POLICY_INTERNAL_H

/*
 * The policy model shared by the loader, the compiler, decide, the case
 * runner and show. Everything hangs off struct policy, which owns it all.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

struct yaml_document_s;

/*
 * Limits on what a policy file controls. A policy comes from a signed file,
 * but it is still input: the loader must stay bounded on a hostile or
 * mistaken one (a fuzzer feeds it).
 */
#define POLICY_MAX_FILE_BYTES (1024 * 1024)
#define POLICY_MAX_DEPTH      16
#define POLICY_MAX_NODES      200000
#define POLICY_MAX_APPS       512
#define POLICY_MAX_CATEGORIES 64
#define POLICY_MAX_RULES      1024
#define POLICY_MAX_DETECTORS  256
#define POLICY_MAX_CASES      1024
#define POLICY_MAX_LIST       4096 /* entries in any one list (domains, cidrs, users...) */
#define POLICY_MAX_NAME       63   /* app, category, rule, detector and case names */
#define POLICY_MAX_STRING     1024 /* any other scalar */
#define POLICY_MAX_DOMAIN     253
#define POLICY_MAX_PATTERN    1024 /* one regular expression */
#define POLICY_MAX_PAYLOAD    65536

enum fail_mode {
	FAIL_OPEN = 0,
	FAIL_CLOSED,
};

struct strv {
	char **v;
	size_t n;
};

struct port_range {
	uint8_t ip_proto; /* 0: any */
	uint16_t lo, hi;
};

struct category {
	char *name;
	char *description;
	enum fail_mode fail_mode;
	bool approved;
	bool builtin;
	unsigned line, column;
};

struct cidr {
	int family;
	uint8_t addr[16];
	uint8_t len;
};

struct app {
	char *name;
	char *category_name;
	size_t category; /* index in policy->categories */
	struct strv domains;
	struct strv media_domains;
	struct cidr *cidrs;
	size_t n_cidrs;
	struct port_range *ports;
	size_t n_ports;
	struct strv fingerprints;
	int priority;
	bool builtin;
	unsigned line, column;
};

enum tri {
	TRI_ANY = 0,
	TRI_YES,
	TRI_NO,
};

enum dest_scope {
	DEST_ANY = 0,
	DEST_EXTERNAL, /* not loopback, private, link-local or unique-local */
	DEST_INTERNAL,
};

enum direction {
	DIRECTION_ANY = 0,
	DIRECTION_OUTBOUND,
	DIRECTION_INBOUND,
};

/* One `findings:` entry: any of the detectors, at least this many, at least this sure. */
struct finding_cond {
	struct strv names; /* detector names; none: any detector */
	int *detectors;    /* matcher indexes, resolved by the compiler */
	unsigned line, column;
	uint32_t min_count;
	enum phiguard_confidence min_confidence;
};

struct id_list {
	uint32_t *ids; /* numeric uids/gids, and names resolved when the policy loaded */
	size_t n_ids;
	struct strv names;
};

struct rule {
	char *name;
	char *description;
	unsigned line, column;
	/* when: every present condition must hold */
	size_t *apps;
	size_t n_apps;
	size_t *categories;
	size_t n_categories;
	bool unknown_app; /* `app: none`: no app recognised */
	enum dest_scope dest;
	struct strv domains; /* destination domains (exact or *.suffix), beyond apps */
	struct cidr *cidrs;
	size_t n_cidrs;
	struct port_range *ports;
	size_t n_ports;
	struct strv protocols;
	enum tri cleartext;
	enum tri media;
	enum direction direction;
	uint64_t min_bytes_out; /* 0: no condition */
	struct finding_cond *findings;
	size_t n_findings;
	struct id_list users;
	struct id_list groups;
	struct strv executables; /* exact paths or fnmatch(3) globs */
	/* then */
	enum phiguard_verdict action;
	uint8_t severity;
};

/* A test case embedded in the policy. */
struct policy_case {
	char *name;
	unsigned line, column;
	char *domain;
	int family;
	uint8_t addr[16];
	uint16_t port;
	uint8_t ip_proto;
	char *protocol;
	enum tri cleartext;
	bool inbound;
	char *fingerprint;
	uint8_t *payload; /* owned; NULL when none */
	size_t payload_len;
	char *pcap;
	bool has_bytes_out;
	uint64_t bytes_out;
	bool has_uid;
	uint32_t uid;
	uint32_t gid;
	char *user_name;
	char *group_name;
	char *executable;
	/* stated findings, used instead of (or on top of) scanning the payload */
	struct strv finding_names;
	int *finding_detectors; /* resolved by the compiler */
	uint32_t *finding_counts;
	enum phiguard_confidence *finding_levels;
	size_t n_findings;
	/* expectations */
	enum phiguard_verdict expect;
	char *expect_rule; /* "" expects no rule; NULL: not checked */
	char *expect_app;  /* "" expects no app; NULL: not checked */
};

struct key_index; /* apps.c */

struct policy {
	atomic_uint refs;
	char *filename;
	char *version;
	char *description;
	char hash[65];
	/* settings */
	enum policy_evidence evidence;
	enum phiguard_verdict default_action;
	bool builtin_apps;
	bool builtin_detectors;
	/* model */
	struct category *categories;
	size_t n_categories;
	struct app *apps;
	size_t n_apps;
	struct rule *rules;
	size_t n_rules;
	struct policy_case *cases;
	size_t n_cases;
	struct strv detector_names; /* every detector known (built-in and custom) */
	struct strv disabled_detectors;
	struct phiguard_detector_set *detector_set; /* until compiled */
	bool wants_process;
	struct policy_load_options options; /* during load only */
	/* compiled */
	struct key_index *index;
	struct phiguard_matcher *matcher;
	size_t matcher_db_bytes;
	uint64_t matcher_cpu_us;
	uint64_t compile_us;
};

/* load.c */
struct policy *policy_alloc(void);
/* Parse the embedded app catalogue into @policy (before the policy's own apps). */
int policy_builtin_catalogue(struct policy *policy, struct phiguard_error *err);
/* Parse YAML text into a document, with limits; errors carry positions. */
int policy_yaml_parse(const char *text, size_t len, const char *filename,
                      struct yaml_document_s *doc, struct phiguard_error *err);

/* validate.c: YAML document -> model. 0 or -EINVAL with err. */
int policy_parse_document(struct policy *policy, struct yaml_document_s *doc, const char *filename,
                          struct phiguard_error *err);
/* Catalogue part (apps:, categories:) of any document; used for the built-in apps too. */
int policy_parse_catalogue(struct policy *policy, struct yaml_document_s *doc, const char *filename,
                           bool builtin, struct phiguard_error *err);

/* compile.c */
int policy_compile(struct policy *policy, struct yaml_document_s *doc, struct phiguard_error *err);
int policy_detector_lookup(const struct policy *policy, const char *name);

/* apps.c */
int policy_index_build(struct policy *policy);
void policy_index_free(struct key_index *index);
bool policy_domain_matches(const char *pattern, const char *name);
int policy_parse_cidr(const char *text, struct cidr *ret);
bool policy_cidr_contains(const struct cidr *cidr, int family, const uint8_t *addr);
int policy_normalize_domain(const char *in, char *out, size_t out_size);

/* decide.c */
const struct rule *policy_find_rule(const struct policy *policy, const char *name);

/* embedded texts (generated at build time) */
extern const char policy_embedded_default[];
extern const size_t policy_embedded_default_len;
extern const char policy_embedded_apps[];
extern const size_t policy_embedded_apps_len;

void strv_free(struct strv *s);
void strv_push(struct strv *s, const char *text);
bool strv_contains(const struct strv *s, const char *text);

#endif
