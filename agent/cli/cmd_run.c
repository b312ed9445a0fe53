/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"

#include "base/log.h"

int
cmd_run(int argc, char **argv)
{
	log_warnx("'run' is not available in this build");
	return CLI_EXIT_ERROR;
}
