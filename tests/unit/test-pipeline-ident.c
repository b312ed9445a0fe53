/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User, group and process rules in the pipeline: the uid/gid the queue gives
 * a packet is turned into the user's name, primary group and supplementary
 * groups, and the process resolver is asked once per flow, only when the
 * policy has a process rule. Real look-ups against the running user.
 */
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/decode.h"
#include "pipeline/pipeline.h"
#include "policy/policy.h"
#include "tap.h"
#include "test-decode-build.h"

struct seen {
	unsigned alerts;
	enum phiguard_verdict verdict;
	char rule[64];
	char user[64];
	char exe[256];
	int64_t pid;
	unsigned records;
	char record_rule[64];
};

static void
on_event(const struct phiguard_event *ev, void *ctx)
{
	struct seen *s = ctx;

	if (ev->kind == PHIGUARD_EVENT_FLOW) {
		s->records++;
		snprintf(s->record_rule, sizeof(s->record_rule), "%s", ev->rule_name);
		return;
	}
	s->alerts++;
	s->verdict = ev->verdict;
	s->pid = ev->pid;
	snprintf(s->rule, sizeof(s->rule), "%s", ev->rule_name);
	snprintf(s->user, sizeof(s->user), "%s", ev->user_name);
	snprintf(s->exe, sizeof(s->exe), "%s", ev->executable);
}

static unsigned resolver_calls;

static int
resolver(void *ctx, const struct pipeline_flow_key *key, char *exe, size_t exe_size,
         int64_t *ret_pid)
{
	(void)ctx;
	resolver_calls++;
	if (key->server_port != 80 || !key->outbound)
		return -ENOENT;
	snprintf(exe, exe_size, "/opt/messenger/bin/messenger");
	*ret_pid = 4242;
	return 0;
}

/* One HTTP request on its own flow (client port @sport), as uid/gid. */
static void
http_flow(struct pipeline *p, uint16_t sport, uint32_t uid, uint32_t gid, int64_t ts,
          struct pipeline_result *res)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";
	struct pkt_meta meta = {
		.ts_us = ts, .outbound = true, .has_uid = true, .uid = uid, .gid = gid
	};
	uint8_t buf[512];
	size_t l4;

	l4 = build_tcp(buf + 20, sport, 80, 100, 0, DECODE_TCP_SYN, NULL, 0);
	pipeline_packet(p, buf, build_ipv4(buf, 0x0a000002, 0x0a000001, IPPROTO_TCP, l4), &meta,
	                res);
	l4 = build_tcp(buf + 20, sport, 80, 101, 0, DECODE_TCP_ACK | DECODE_TCP_PSH, req,
	               sizeof(req) - 1);
	pipeline_packet(p, buf, build_ipv4(buf, 0x0a000002, 0x0a000001, IPPROTO_TCP, l4), &meta,
	                res);
}

static struct policy *
load(const char *text)
{
	struct policy *policy = NULL;
	struct phiguard_error err;

	if (policy_load_buffer(text, strlen(text), "test.yaml", &policy, &err) < 0)
		tap_diag("policy: %s", err.msg);
	return policy;
}

static struct pipeline *
start(struct policy *policy, struct seen *s)
{
	struct pipeline_config cfg;

	pipeline_config_defaults(&cfg);
	cfg.flow_records = true;
	cfg.resolve_process = resolver;
	return pipeline_new(&cfg, policy, on_event, s);
}

int
main(void)
{
	char text[1024], name[64] = "", group[64] = "";
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	char buf[8192];
	struct pipeline_result res;
	struct seen s = { 0 };
	struct policy *policy;
	struct pipeline *p;
	uint32_t other_gid;

	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &pwr) == 0 && pwr != NULL)
		snprintf(name, sizeof(name), "%s", pwr->pw_name);
	if (getgrgid_r(getgid(), &gr, buf, sizeof(buf), &grr) == 0 && grr != NULL)
		snprintf(group, sizeof(group), "%s", grr->gr_name);
	if (name[0] == '\0' || group[0] == '\0') {
		printf("1..0 # SKIP the running user has no passwd or group entry\n");
		return 0;
	}

	/* User rule by name, and a group rule on the user's primary group as a supplementary one. */
	snprintf(text, sizeof(text),
	         "version: \"ident-1\"\n"
	         "rules:\n"
	         "  - name: this-user\n"
	         "    when:\n"
	         "      user: %s\n"
	         "      group: %s\n"
	         "    action: flag\n"
	         "    severity: 2\n",
	         name, group);
	policy = load(text);
	tap_ok(policy != NULL, "user/group policy loads");
	tap_ok(policy_wants_process(policy), "user and group rules want the socket's owner");
	p = start(policy, &s);
	tap_ok(p != NULL, "pipeline created");

	http_flow(p, 41000, (uint32_t)getuid(), (uint32_t)getgid(), 1000000, &res);
	tap_eq_int(res.verdict, PHIGUARD_VERDICT_FLAG, "the running user's flow is flagged");
	tap_eq_str(s.rule, "this-user", "by the user rule");
	tap_eq_str(s.user, name, "the alert names the user");
	tap_eq_int(resolver_calls, 1, "resolver asked once for the flow");

	/*
	 * The packet's gid is another group: the rule's group still matches
	 * through the account's group list (its login group and the groups
	 * listing it), as a supplementary group would.
	 */
	other_gid = getgid() == 65534 ? 65533 : 65534;
	s.alerts = 0;
	http_flow(p, 41001, (uint32_t)getuid(), other_gid, 1000100, &res);
	tap_eq_int(res.verdict, PHIGUARD_VERDICT_FLAG, "group matched through the group list");

	/* A uid nobody has: no name, no groups, no match. */
	s.alerts = 0;
	http_flow(p, 41002, 3999999, 3999999, 1000200, &res);
	tap_eq_int(res.verdict, PHIGUARD_VERDICT_ALLOW, "unknown uid: the rule does not match");
	tap_eq_int(s.alerts, 0, "no alert");
	pipeline_free(p);
	policy_unref(policy);

	/* The default policy has no user, group or process rule: /proc is never asked. */
	policy = NULL;
	{
		struct phiguard_error err;

		tap_eq_int(policy_load_default(&policy, &err), 0, "default policy loads");
	}
	tap_ok(!policy_wants_process(policy), "default policy does not want the process");
	resolver_calls = 0;
	p = start(policy, &s);
	http_flow(p, 41004, (uint32_t)getuid(), (uint32_t)getgid(), 1500000, &res);
	tap_ok(res.action != PIPELINE_ACCEPT, "flow decided");
	tap_eq_int(resolver_calls, 0, "resolver never called without a process rule");
	pipeline_free(p);
	policy_unref(policy);
	resolver_calls = 0;

	/* A process rule: the resolver is asked once per flow, before the decision. */
	policy = load("version: \"ident-2\"\n"
	              "rules:\n"
	              "  - name: messenger\n"
	              "    when:\n"
	              "      executable: /opt/*/bin/messenger\n"
	              "    action: block\n"
	              "    severity: 5\n");
	tap_ok(policy != NULL, "process policy loads");
	tap_ok(policy_wants_process(policy), "policy wants the process");
	memset(&s, 0, sizeof(s));
	p = start(policy, &s);
	http_flow(p, 41003, (uint32_t)getuid(), (uint32_t)getgid(), 2000000, &res);
	tap_eq_int(res.verdict, PHIGUARD_VERDICT_BLOCK, "the process rule blocks");
	tap_eq_str(s.rule, "messenger", "by the process rule");
	tap_eq_str(s.exe, "/opt/messenger/bin/messenger", "the alert names the executable");
	tap_eq_int(s.pid, 4242, "and the pid");
	tap_eq_int(resolver_calls, 1, "resolver called once for the flow");
	pipeline_free(p);
	policy_unref(policy);

	/* A first decision that allows still names its rule, in the flow record. */
	policy = load("version: \"ident-3\"\n"
	              "rules:\n"
	              "  - name: plain-web\n"
	              "    when:\n"
	              "      protocol: http\n"
	              "    action: allow\n");
	tap_ok(policy != NULL, "allow policy loads");
	memset(&s, 0, sizeof(s));
	p = start(policy, &s);
	http_flow(p, 41005, (uint32_t)getuid(), (uint32_t)getgid(), 3000000, &res);
	tap_eq_int(res.verdict, PHIGUARD_VERDICT_ALLOW, "allowed");
	pipeline_flush(p);
	tap_eq_int(s.records, 1, "one flow record");
	tap_eq_str(s.record_rule, "plain-web", "the record names the allow rule");
	tap_eq_int(s.alerts, 0, "an allow raises no alert");
	pipeline_free(p);
	policy_unref(policy);
	return tap_done();
}
