/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_POLICY_H
#define PHIGUARD_POLICY_H

/*
 * A compiled policy: apps and categories, the detector matcher, rules and
 * settings. Immutable once built and reference-counted, so a reload can swap
 * it under running workers (policy_ref/policy_unref).
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <phiguard/event.h>
#include <phiguard/match.h>

struct policy;

/* Load (YAML), validate and compile. 0, or negative errno with *err filled. */
int policy_load_file(const char *path, struct policy **ret_policy, struct phiguard_error *err);
int policy_load_buffer(const char *text, size_t len, const char *filename,
                       struct policy **ret_policy, struct phiguard_error *err);
/* The embedded default policy (policy/default.yaml compiled into the binary). */
int policy_load_default(struct policy **ret_policy, struct phiguard_error *err);

struct policy *policy_ref(struct policy *policy);
/* Accepts NULL; returns NULL so that `p = policy_unref(p);` reads well. */
struct policy *policy_unref(struct policy *policy);

const char *policy_version(const struct policy *policy); /* `version:` of the file */
const char *policy_hash(const struct policy *policy);    /* SHA-256 hex of the file bytes */
const struct phiguard_matcher *policy_matcher(const struct policy *policy);

/* Destination facts known at classification time. Strings may be NULL/empty. */
struct policy_destination {
	const char *domain; /* SNI, HTTP Host or DNS-learned name */
	int family;         /* AF_INET, AF_INET6, or 0 when unknown */
	uint8_t addr[16];   /* network order; 4 bytes used for AF_INET */
	uint16_t port;
	uint8_t ip_proto; /* IPPROTO_TCP / IPPROTO_UDP */
	const char
	        *fingerprint; /* wire fingerprint from classify ("whatsapp-noise", ...) or NULL */
};

struct policy_app_match {
	const char *app;      /* "whatsapp", ... or NULL when none; owned by the policy */
	const char *category; /* "consumer-messaging", ... or NULL */
	bool media;           /* the destination is one of the app's media/upload endpoints */
};

/*
 * Which app a destination belongs to: exact domain > longest wildcard suffix >
 * wire fingerprint > longest CIDR prefix (within the app's ports). Ties: higher
 * priority, then an approved category, then a policy-defined app over a
 * built-in one, then definition order. Pure and thread-safe.
 */
void policy_classify(const struct policy *policy, const struct policy_destination *dest,
                     struct policy_app_match *ret);

/* Everything a rule may look at, for one flow, at one moment. */
struct policy_flow_facts {
	struct policy_destination dest;
	struct policy_app_match app;
	const char *protocol; /* "tls", "quic", "http", "dns", "smtp" or NULL */
	bool cleartext;       /* content is inspectable (not TLS/QUIC/unknown binary) */
	bool ech;             /* TLS Encrypted Client Hello: real name hidden */
	bool outbound;
	uint64_t bytes_out; /* client-to-server bytes so far */
	bool has_uid;
	uint32_t uid;
	uint32_t gid;
	const char *user_name;  /* NULL when not looked up */
	const char *executable; /* NULL when not looked up */
	/* Findings so far, per matcher detector index. */
	size_t n_detectors;
	const uint32_t *finding_count;                 /* [n_detectors] or NULL */
	const enum phiguard_confidence *finding_level; /* [n_detectors] highest level, or NULL */
	/* Added after the first contract; zero-initialised callers keep working. */
	const char *group_name; /* primary group's name, NULL when not looked up */
	const uint32_t *groups; /* supplementary group ids (getgrouplist), or NULL */
	size_t n_groups;
};

struct policy_decision {
	enum phiguard_verdict verdict;
	const char *rule_name; /* owned by the policy; NULL when no rule matched */
	uint8_t severity;      /* 0..10 */
	bool final;            /* no later fact can change the verdict: stop inspecting */
};

/* Evaluate the rules (semantics in phiguard-policy(5)). Never fails. */
void policy_decide(const struct policy *policy, const struct policy_flow_facts *facts,
                   struct policy_decision *ret);

/* Does any rule need this flow's content (so it must stay queued and be scanned)? */
bool policy_wants_content(const struct policy *policy, const struct policy_flow_facts *facts);
/* Does any rule look at the process (so attribution must be resolved before deciding)? */
bool policy_wants_process(const struct policy *policy);

/*
 * Additions after the first contract. Loading with options: the HMAC key for
 * finding tokens comes from the agent configuration (never from the policy,
 * which is pushed to every host and readable by its authors).
 */
struct policy_load_options {
	const uint8_t *token_key; /* NULL: tokens stay empty */
	size_t token_key_len;
	bool skip_matcher; /* validate only: no Hyperscan compile, policy_matcher() is NULL */
};
int policy_load_file_with(const char *path, const struct policy_load_options *options,
                          struct policy **ret_policy, struct phiguard_error *err);
int policy_load_buffer_with(const char *text, size_t len, const char *filename,
                            const struct policy_load_options *options, struct policy **ret_policy,
                            struct phiguard_error *err);

/* Is @category (by name) fail_mode: closed? */
bool policy_category_fail_closed(const struct policy *policy, const char *category);
/*
 * The address prefixes the kernel should keep dropping while the agent is
 * not running: those of apps in fail_mode: closed categories, minus any that
 * overlap a prefix of an app in a fail-open category (Skype's ranges carry
 * Teams too). Names cannot be enforced without the agent. Returns the count.
 */
typedef void policy_cidr_fn(int family, const uint8_t *addr, uint8_t prefix_len, const char *app,
                            void *ctx);
size_t policy_fail_closed_cidrs(const struct policy *policy, policy_cidr_fn *fn, void *ctx);

enum policy_evidence {
	POLICY_EVIDENCE_NONE = 0,
	POLICY_EVIDENCE_REDACTED,
	POLICY_EVIDENCE_TOKEN,
	POLICY_EVIDENCE_FULL,
};
enum policy_evidence policy_evidence(const struct policy *policy);

#endif
