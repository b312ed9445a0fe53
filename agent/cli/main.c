/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/macro.h"
#include "cli/cli.h"
#include "config.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "run", cmd_run, "run the agent: install firewall rules, inspect, report" },
	{ "scan", cmd_scan, "find patient data in files or standard input" },
	{ "replay", cmd_replay, "run the packet pipeline over pcap/pcapng captures" },
	{ "policy", cmd_policy, "check, test, show, sign and verify policies" },
	{ "status", cmd_status, "ask the running agent for its state" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: phiguard <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\nSee phiguard(8) and phiguard-policy(5).\n");
}

int
main(int argc, char **argv)
{
	log_init(LOG_TARGET_STDERR, 0);
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("phiguard %s\n", PHIGUARD_VERSION);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++) {
		if (strcmp(argv[1], subcommands[i].name) == 0) {
			log_setproc(subcommands[i].name);
			return subcommands[i].fn(argc - 1, argv + 1);
		}
	}
	log_warnx("unknown command '%s'", argv[1]);
	usage(stderr);
	return CLI_EXIT_ERROR;
}
