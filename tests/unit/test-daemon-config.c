/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/agent_config.h"
#include "tap.h"

static int
load(const char *text, struct agent_config *c, struct phiguard_error *err)
{
	char path[] = "/tmp/phiguard-config-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0)
		return -1;
	(void)!write(fd, text, strlen(text));
	close(fd);
	config_defaults(c);
	r = config_load(c, path, err);
	unlink(path);
	return r;
}

int
main(void)
{
	struct agent_config c;
	struct phiguard_error err;
	int r;

	config_defaults(&c);
	tap_ok(c.n_tcp_queues == 2 && c.tcp_queues[0] == 0 && c.tcp_queues[1] == 1,
	       "default TCP queues 0 and 1");
	tap_ok(c.has_udp_queue && c.udp_queue == 2 && c.fail_open && c.max_flows == 65536,
	       "default UDP queue 2, fail-open, 65536 flows");

	r = load("policy:\n  file: /tmp/p.yaml\n  require_signature: true\n"
	         "  trusted_keys: [/a.pem, /b.pem]\n  tls: { ca: /ca.pem }\n"
	         "queues:\n  tcp: [4, 5, 6]\n  udp: 9\n  fail_open: false\n  max_flows: 1000\n"
	         "identity:\n  host_name: ward-pc-1\n  labels: { site: RIE, ward: '12' }\n"
	         "control:\n  socket: /tmp/x.sock\n"
	         "report:\n  stdout: always\nspool:\n  directory: /tmp/s\n",
	         &c, &err);
	tap_eq_int(r, 0, "full configuration parses");
	tap_ok(c.policy_file_set && !strcmp(c.policy_file, "/tmp/p.yaml") && c.require_signature,
	       "policy settings");
	tap_ok(c.n_trusted_keys == 2 && !strcmp(c.trusted_keys[1], "/b.pem"), "trusted keys");
	tap_ok(c.n_tcp_queues == 3 && c.tcp_queues[2] == 6 && c.udp_queue == 9 && !c.fail_open &&
	               c.max_flows == 1000,
	       "queue settings");
	tap_ok(c.n_labels == 2 && !strcmp(c.label_values[1], "12"), "labels");
	tap_ok(c.report_node && c.spool_node, "report and spool kept for the reporter");
	config_release(&c);

	r = load("queues:\n  tcp: [1]\n  colour: blue\n", &c, &err);
	tap_ok(r < 0 && err.line == 3 && err.column == 3 && strstr(err.msg, "unknown key 'colour'"),
	       "unknown key rejected at file:line:column (%u:%u %s)", err.line, err.column,
	       err.msg);
	config_release(&c);
	r = load("queues:\n  tcp: [70000]\n", &c, &err);
	tap_ok(r < 0 && err.line == 2, "queue number out of range rejected");
	config_release(&c);
	r = load("queues:\n  tcp: [2]\n  udp: 2\n", &c, &err);
	tap_ok(r < 0, "a queue cannot be both TCP and UDP");
	config_release(&c);
	r = load("queues:\n  tcp: [1, 1]\n", &c, &err);
	tap_ok(r < 0, "duplicate queue rejected");
	config_release(&c);
	r = load("queues:\n  udp: none\n", &c, &err);
	tap_ok(r == 0 && !c.has_udp_queue, "udp: none leaves UDP unqueued");
	config_release(&c);
	r = load("queues: [\n", &c, &err);
	tap_ok(r < 0 && err.line >= 1, "YAML syntax error has a position");
	config_release(&c);
	r = load("", &c, &err);
	tap_ok(r == 0 && c.n_tcp_queues == 2, "empty file: defaults");
	config_release(&c);
	return tap_done();
}
