/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Destination -> app: label boundaries, precedence, ties, ports, IPv6. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "policy/internal.h"
#include "tap.h"

/* Classification and rules need no Hyperscan database: skip its compile. */
static const struct policy_load_options fast = { .skip_matcher = true };

static const char catalogue_policy[] = "version: t\n"
                                       "apps:\n"
                                       "  exacto:\n"
                                       "    category: consumer-messaging\n"
                                       "    domains: [mmg.whatsapp.net]\n"
                                       "  deep:\n"
                                       "    category: consumer-messaging\n"
                                       "    domains: ['*.a.whatsapp.net']\n"
                                       "  ports-only-tcp:\n"
                                       "    category: consumer-messaging\n"
                                       "    cidrs: [192.0.2.0/24]\n"
                                       "    ports: [tcp/5222, 7000-7001]\n"
                                       "  wide:\n"
                                       "    category: consumer-messaging\n"
                                       "    cidrs: [192.0.0.0/16, '2001:db8::/32']\n"
                                       "  narrow6:\n"
                                       "    category: consumer-messaging\n"
                                       "    cidrs: ['2001:db8:1::/48']\n"
                                       "  tie-consumer:\n"
                                       "    category: consumer-messaging\n"
                                       "    domains: ['*.shared.example']\n"
                                       "  tie-approved:\n"
                                       "    category: approved-clinical\n"
                                       "    domains: ['*.shared.example']\n"
                                       "  prio-low:\n"
                                       "    category: approved-clinical\n"
                                       "    domains: ['*.prio.example']\n"
                                       "  prio-high:\n"
                                       "    category: consumer-messaging\n"
                                       "    domains: ['*.prio.example']\n"
                                       "    priority: 10\n"
                                       "rules: [{name: r, action: allow}]\n";

static const char *
app_of(const struct policy *p, const char *domain, const char *ip, uint16_t port, uint8_t proto,
       const char *fp, bool *ret_media)
{
	struct policy_destination d = {
		.domain = domain, .port = port, .ip_proto = proto, .fingerprint = fp
	};
	struct policy_app_match m;

	if (ip != NULL) {
		if (inet_pton(AF_INET, ip, d.addr) == 1)
			d.family = AF_INET;
		else if (inet_pton(AF_INET6, ip, d.addr) == 1)
			d.family = AF_INET6;
	}
	policy_classify(p, &d, &m);
	if (ret_media)
		*ret_media = m.media;
	return m.app ? m.app : "none";
}

static void
test_domain_matches(void)
{
	tap_ok(policy_domain_matches("*.whatsapp.net", "mmg.whatsapp.net"), "suffix matches child");
	tap_ok(policy_domain_matches("*.whatsapp.net", "a.b.whatsapp.net"),
	       "suffix matches grandchild");
	tap_ok(!policy_domain_matches("*.whatsapp.net", "evilwhatsapp.net"), "no lookalike");
	tap_ok(!policy_domain_matches("*.whatsapp.net", "whatsapp.net"), "suffix is not the apex");
	tap_ok(policy_domain_matches("whatsapp.net", "whatsapp.net"), "exact");
	tap_ok(!policy_domain_matches("whatsapp.net", "x.whatsapp.net"), "exact is exact");
}

static void
test_normalize(void)
{
	char out[300];

	tap_ok(policy_normalize_domain("WEB.WhatsApp.COM.", out, sizeof(out)) == 0 &&
	               strcmp(out, "web.whatsapp.com") == 0,
	       "lower case, root dot dropped");
	tap_ok(policy_normalize_domain("a..b", out, sizeof(out)) < 0, "empty label refused");
	tap_ok(policy_normalize_domain("*.", out, sizeof(out)) < 0, "bare wildcard refused");
	tap_ok(policy_normalize_domain("a b.com", out, sizeof(out)) < 0, "space refused");
	tap_ok(policy_normalize_domain("*.*.x.com", out, sizeof(out)) < 0, "inner star refused");
}

static void
test_cidr(void)
{
	struct cidr c;
	uint8_t a[16];

	tap_ok(policy_parse_cidr("10.1.2.3/8", &c) == 0 && c.len == 8 && c.addr[1] == 0,
	       "host bits cleared");
	tap_ok(policy_parse_cidr("10.0.0.0/33", &c) < 0, "/33 refused");
	tap_ok(policy_parse_cidr("10.0.0.0/", &c) < 0, "empty length refused");
	tap_ok(policy_parse_cidr("::/0", &c) == 0 && c.len == 0, "::/0");
	inet_pton(AF_INET, "10.200.1.1", a);
	tap_ok(policy_parse_cidr("10.0.0.0/8", &c) == 0 && policy_cidr_contains(&c, AF_INET, a),
	       "contains");
	tap_ok(policy_parse_cidr("10.0.0.0/9", &c) == 0 && !policy_cidr_contains(&c, AF_INET, a),
	       "/9 boundary");
}

static void
test_classify(void)
{
	struct phiguard_error err;
	struct policy *p = NULL;
	bool media = false;
	int r;

	r = policy_load_buffer_with(catalogue_policy, strlen(catalogue_policy), "t.yaml", &fast, &p,
	                            &err);
	if (!tap_ok(r == 0, "catalogue policy loads")) {
		tap_diag("%s:%u:%u: %s", err.file, err.line, err.column, err.msg);
		return;
	}
	tap_eq_str(app_of(p, "mmg.whatsapp.net", NULL, 443, IPPROTO_TCP, NULL, NULL), "exacto",
	           "exact beats built-in wildcard");
	tap_eq_str(app_of(p, "x.a.whatsapp.net", NULL, 443, IPPROTO_TCP, NULL, NULL), "deep",
	           "longest suffix wins");
	tap_eq_str(app_of(p, "a.whatsapp.net", NULL, 443, IPPROTO_TCP, NULL, NULL), "whatsapp",
	           "suffix is not its own apex");
	tap_eq_str(app_of(p, "evilwhatsapp.net", NULL, 443, IPPROTO_TCP, NULL, NULL), "none",
	           "label boundary");
	tap_eq_str(app_of(p, "x.fna.whatsapp.net", NULL, 443, IPPROTO_TCP, NULL, &media),
	           "whatsapp", "media suffix");
	tap_ok(media, "media endpoint flagged");
	tap_eq_str(app_of(p, "web.whatsapp.com", NULL, 443, IPPROTO_TCP, NULL, &media), "whatsapp",
	           "chat endpoint");
	tap_ok(!media, "chat endpoint is not media");
	tap_eq_str(app_of(p, "x.shared.example", NULL, 443, IPPROTO_TCP, NULL, NULL),
	           "tie-approved", "tie goes to the approved category");
	tap_eq_str(app_of(p, "x.prio.example", NULL, 443, IPPROTO_TCP, NULL, NULL), "prio-high",
	           "priority beats approved");
	tap_eq_str(app_of(p, "eu-api.asm.skype.com", NULL, 443, IPPROTO_TCP, NULL, NULL), "teams",
	           "Teams keeps *.skype.com");
	tap_eq_str(app_of(p, NULL, "52.112.0.1", 443, IPPROTO_TCP, NULL, NULL), "teams",
	           "Teams keeps the shared range");
	tap_eq_str(app_of(p, NULL, "192.0.2.7", 5222, IPPROTO_TCP, NULL, NULL), "ports-only-tcp",
	           "longest prefix with port");
	tap_eq_str(app_of(p, NULL, "192.0.2.7", 5222, IPPROTO_UDP, NULL, NULL), "wide",
	           "wrong transport falls back to the wider prefix");
	tap_eq_str(app_of(p, NULL, "192.0.2.7", 7001, IPPROTO_UDP, NULL, NULL), "ports-only-tcp",
	           "port range without transport");
	tap_eq_str(app_of(p, NULL, "192.0.3.7", 1, IPPROTO_TCP, NULL, NULL), "wide", "/16");
	tap_eq_str(app_of(p, NULL, "192.1.0.1", 1, IPPROTO_TCP, NULL, NULL), "none", "outside");
	tap_eq_str(app_of(p, NULL, "2001:db8:1::5", 443, IPPROTO_TCP, NULL, NULL), "narrow6",
	           "IPv6 longest prefix");
	tap_eq_str(app_of(p, NULL, "2001:db8:2::5", 443, IPPROTO_TCP, NULL, NULL), "wide",
	           "IPv6 wider prefix");
	tap_eq_str(app_of(p, NULL, "10.0.0.1", 5222, IPPROTO_TCP, "whatsapp-noise", NULL),
	           "whatsapp", "fingerprint");
	tap_eq_str(app_of(p, "web.telegram.org", "157.240.1.1", 443, IPPROTO_TCP, "whatsapp-noise",
	                  NULL),
	           "telegram", "domain beats fingerprint");
	tap_eq_str(app_of(p, "unknown.example", "91.108.4.9", 443, IPPROTO_TCP, NULL, NULL),
	           "telegram", "unknown name falls back to the address");
	tap_eq_str(app_of(p, "", NULL, 0, 0, NULL, NULL), "none", "nothing known");
	policy_unref(p);
}

struct closed_ctx {
	size_t skype, telegram;
};

static void
on_closed(int family, const uint8_t *addr, uint8_t len, const char *app, void *ctx)
{
	struct closed_ctx *c = ctx;

	if (strcmp(app, "skype") == 0)
		c->skype++;
	if (strcmp(app, "telegram") == 0)
		c->telegram++;
}

static void
test_fail_closed(void)
{
	static const char text[] = "version: t\n"
	                           "categories:\n"
	                           "  consumer-messaging: {fail_mode: closed}\n"
	                           "rules: [{name: r, action: allow}]\n";
	struct phiguard_error err;
	struct closed_ctx c = { 0 };
	struct policy *p = NULL;
	size_t n;

	if (!tap_ok(policy_load_buffer_with(text, strlen(text), "t.yaml", &fast, &p, &err) == 0,
	            "fail-closed policy loads"))
		return;
	tap_ok(policy_category_fail_closed(p, "consumer-messaging"), "category closed");
	tap_ok(!policy_category_fail_closed(p, "approved-clinical"), "approved stays open");
	n = policy_fail_closed_cidrs(p, on_closed, &c);
	tap_ok(n > 0, "some prefixes to drop while down (%zu)", n);
	tap_eq_int(c.telegram, 12, "all of Telegram's prefixes");
	tap_eq_int(c.skype, 0, "none of Skype's: Teams shares them");
	policy_unref(p);
}

int
main(void)
{
	test_fail_closed();
	test_domain_matches();
	test_normalize();
	test_cidr();
	test_classify();
	return tap_done();
}
