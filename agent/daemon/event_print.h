/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_EVENT_PRINT_H
#define PHIGUARD_DAEMON_EVENT_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include <phiguard/event.h>

/*
 * Stand-in for the reporter's stdout output while agent/report is not in
 * the tree: one line per event, text for people or JSON (ECS names).
 */
void event_print(FILE *out, const struct phiguard_event *event, bool json);

#endif
