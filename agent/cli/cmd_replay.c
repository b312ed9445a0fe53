/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/cli.h"

#include "base/log.h"

int
cmd_replay(int argc, char **argv)
{
	log_warnx("'replay' is not available in this build");
	return CLI_EXIT_ERROR;
}
