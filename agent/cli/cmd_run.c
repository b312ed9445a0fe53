/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/cli.h"
#include "daemon/agent.h"

static void
usage(FILE *out)
{
	fprintf(out, "usage: phiguard run [--config FILE] [--policy FILE]\n\n"
	             "Protect this host: install phiguard's firewall rules, inspect outbound\n"
	             "traffic, report events. Without --config: embedded defaults. Stop with\n"
	             "Ctrl-C or SIGTERM (the rules are removed); SIGHUP reloads the policy.\n");
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent_options o = { .stdout_tty = isatty(STDOUT_FILENO) == 1 };
	int c;

	while ((c = getopt_long(argc, argv, "c:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config_path = optarg;
			break;
		case 'p':
			o.policy_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return CLI_EXIT_ERROR;
	}
	if (geteuid() != 0) {
		log_warnx("run needs root (CAP_NET_ADMIN for its queues and firewall rules)");
		return CLI_EXIT_ERROR;
	}
	/* Under systemd stderr goes to the journal: tag priorities so it files them. */
	if (getenv("JOURNAL_STREAM") || getenv("NOTIFY_SOCKET"))
		log_init(LOG_TARGET_JOURNAL, 0);
	return agent_run(&o);
}
