/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "config.h"
#include "control/control.h"

static void
usage(FILE *out)
{
	fprintf(out, "usage: phiguard status [--json] [--socket PATH]\n\n"
	             "Ask the running agent for its state: policy version, queues, counters,\n"
	             "drops, collector link.\n");
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *path = PHIGUARD_RUNDIR "/control.sock";
	char *answer = NULL;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "js:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			usage(stderr);
			return CLI_EXIT_ERROR;
		}
	}
	r = control_request(path, "status", &answer);
	if (r < 0) {
		errno = -r;
		log_warn("cannot reach the agent at '%s'%s", path,
		         r == -EACCES ? " (root only)" : "");
		return CLI_EXIT_ERROR;
	}
	if (json)
		control_lines_to_json(answer, stdout);
	else
		fputs(answer, stdout);
	free(answer);
	return CLI_EXIT_OK;
}
