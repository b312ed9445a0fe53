/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_DAEMON_CAPS_H
#define PHIGUARD_DAEMON_CAPS_H

/*
 * Keep only what the running agent needs: CAP_NET_ADMIN (queues, its
 * rules, removing them at exit), CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH
 * (/proc/PID/fd and /proc/PID/exe of other users' processes). The bounding
 * set shrinks too, so the iptables programs it runs get no more than that.
 */
int caps_reduce(void);

#endif
