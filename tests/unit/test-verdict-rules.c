/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tap.h"
#include "verdict/rules.h"

static unsigned
count(const char *text, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

int
main(void)
{
	struct rules_config c = { 0 };
	char *t;

	c.tcp_queues[0] = 4;
	c.tcp_queues[1] = 5;
	c.n_tcp_queues = 2;
	c.has_udp_queue = true;
	c.udp_queue = 6;
	c.fail_open = true;
	c.nflog_groups[0] = 100;
	c.n_nflog_groups = 1;

	t = rules_render(&c, RULES_IPV4, 0, 0);
	tap_ok(t != NULL, "render");
	tap_ok(strncmp(t,
	               "*filter\n:PHIGUARD-OUT - [0:0]\n:PHIGUARD-IN - [0:0]\n:PHIGUARD-DONE - [0:0]\n",
	               72) == 0,
	       "own chains declared (flushed in the same transaction)");
	tap_ok(strstr(t, "-A PHIGUARD-DONE -j MARK --and-mark 0xff8fffff\n") != NULL,
	       "our bits are cleared before the packet leaves (no re-route)");
	tap_eq_int(count(t, "-I OUTPUT 1 -j PHIGUARD-OUT\n"), 1, "jump added when missing");
	tap_eq_int(count(t, "-I INPUT 1 -j PHIGUARD-IN\n"), 1, "input jump added when missing");
	tap_eq_int(count(t, "--queue-bypass"), 3, "every queue rule fails open");
	tap_eq_int(count(t, "-m statistic --mode nth"), 2, "one shard rule per TCP queue");
	tap_eq_int(count(t, "--every 2 --packet 0"), 1, "first shard takes one in two");
	tap_eq_int(count(t, "--every 1 --packet 0"), 1, "last shard takes the rest");
	tap_eq_int(count(t, "--queue-num 6"), 1, "UDP queue");
	tap_eq_int(count(t, "--nflog-group 100"), 1, "DNS answers copied");
	tap_ok(strstr(t, "-j CONNMARK --save-mark --nfmask 0x300000 --ctmask 0x300000") != NULL,
	       "state saved to the connmark, masked");
	tap_ok(strstr(t,
	              "\n-A PHIGUARD-OUT -m connmark --mark 0x200000/0x300000 -j RETURN\n-A PHIGUARD-OUT -o lo") !=
	               NULL,
	       "bypassed flows leave at the first rule");
	tap_ok(strstr(t, "-m mark --mark 0x400000/0x700000 -g PHIGUARD-DONE") <
	               strstr(t, "--save-mark"),
	       "an unchanged state returns before the save");
	tap_ok(strstr(t,
	              "-p tcp -m connmark --mark 0x300000/0x300000 -j REJECT --reject-with tcp-reset") !=
	               NULL,
	       "blocked TCP flows are reset by the kernel");
	tap_ok(strstr(t, "-o lo -j RETURN") < strstr(t, "NFQUEUE"), "loopback never queued");
	tap_ok(strstr(t, "--mark 0x800000/0x800000 -j RETURN") < strstr(t, "NFQUEUE"),
	       "the agent's own traffic never queued");
	tap_ok(strstr(t, "-p tcp --syn -m length --length 0:60 -j RETURN") != NULL &&
	               strstr(t, "--syn -m length") < strstr(t, "NFQUEUE"),
	       "a plain SYN is not queued (IPv4: at most 60 bytes)");
	tap_ok(strstr(t,
	              "-m connbytes --connbytes 2:2 --connbytes-dir original --connbytes-mode packets -m length --length 0:52 -j RETURN") !=
	                       NULL &&
	               strstr(t, "--connbytes 2:2") < strstr(t, "NFQUEUE"),
	       "the handshake's bare ACK is not queued");
	tap_ok(strstr(t, "--syn") > strstr(t, "--reject-with tcp-reset"),
	       "a blocked flow's SYN is still refused");
	tap_ok(strstr(t, "COMMIT\n") != NULL, "one transaction");
	free(t);

	/* Fail-closed prefixes: queued without bypass, handshake included, per family. */
	c.fail_closed[0] = (struct rules_prefix){ AF_INET, "149.154.160.0/20" };
	c.fail_closed[1] = (struct rules_prefix){ AF_INET6, "2001:67c:4e8::/48" };
	c.n_fail_closed = 2;
	t = rules_render(&c, RULES_IPV4, 0, 0);
	tap_ok(strstr(t, "-A PHIGUARD-OUT -d 149.154.160.0/20 -j PHIGUARD-CLOSED\n") != NULL,
	       "one jump per fail-closed prefix");
	tap_ok(strstr(t,
	              "-A PHIGUARD-CLOSED -p tcp -m connmark --mark 0x8000000/0xf000000 -j NFQUEUE --queue-num 4\n") !=
	                       NULL &&
	               strstr(t,
	                      "-A PHIGUARD-CLOSED -p tcp -m connmark --mark 0x9000000/0xf000000 -j NFQUEUE --queue-num 5\n") !=
	                       NULL &&
	               strstr(t, "-A PHIGUARD-CLOSED -p udp -j NFQUEUE --queue-num 6\n") != NULL,
	       "where every queue takes them without --queue-bypass");
	tap_eq_int(count(t, "--queue-bypass"), 3, "the rest still fails open");
	tap_ok(strstr(t, "--mode nth") < strstr(t, "-d 149.154.160.0/20") &&
	               strstr(t, "-d 149.154.160.0/20") < strstr(t, "--syn"),
	       "after the shard is chosen, before the handshake is let through");
	tap_eq_int(count(t, "2001:67c:4e8::/48"), 0, "an IPv6 prefix stays out of IPv4 rules");
	free(t);
	t = rules_render(&c, RULES_IPV6, 0, 0);
	tap_eq_int(count(t, "-d 2001:67c:4e8::/48 -j PHIGUARD-CLOSED"), 1,
	           "and is in the IPv6 rules");
	free(t);
	c.fail_open = false;
	t = rules_render(&c, RULES_IPV4, 0, 0);
	tap_eq_int(count(t, "149.154.160.0/20"), 0, "everything fails closed: no extra rules");
	tap_eq_int(count(t, "-A PHIGUARD-CLOSED"), 0, "and PHIGUARD-CLOSED stays empty");
	free(t);
	c.fail_open = true;
	c.n_fail_closed = 0;

	t = rules_render(&c, RULES_IPV4, 1, 1);
	tap_eq_int(count(t, "OUTPUT"), 0, "installed twice: the jump is not added again");
	free(t);
	t = rules_render(&c, RULES_IPV4, 3, 1);
	tap_eq_int(count(t, "-D OUTPUT -j PHIGUARD-OUT\n"), 2, "duplicate jumps removed");
	free(t);

	c.n_tcp_queues = 1;
	c.fail_open = false;
	c.has_udp_queue = false;
	snprintf(c.cgroup, sizeof(c.cgroup), "/system.slice/phiguard.service");
	t = rules_render(&c, RULES_IPV6, 0, 0);
	tap_eq_int(count(t, "statistic"), 0, "one queue: no sharding");
	tap_eq_int(count(t, "--queue-bypass"), 0, "fail-closed: no bypass");
	tap_eq_int(count(t, "-p udp -j NFQUEUE"), 0, "no UDP queue");
	tap_ok(strstr(t, "-m cgroup --path /system.slice/phiguard.service -j RETURN") != NULL,
	       "our own cgroup exempt");
	tap_ok(strstr(t, "--syn -m length --length 0:80 -j RETURN") != NULL &&
	               strstr(t, "--length 0:72 -j RETURN") != NULL,
	       "IPv6: handshake lengths count the 40-byte header");
	free(t);
	return tap_done();
}
