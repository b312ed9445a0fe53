/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CLI_H
#define PHIGUARD_CLI_H

/* Exit codes follow grep: 0 nothing found / ok, 1 findings / invalid, 2 error. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FOUND = 1,
	CLI_EXIT_ERROR = 2,
};

/* Each subcommand gets argv with argv[0] set to the subcommand's name. */
int cmd_scan(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
