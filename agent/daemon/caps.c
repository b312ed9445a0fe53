/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const int keep[] = { CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };

static int
kept(int cap)
{
	for (unsigned i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (keep[i] == cap)
			return 1;
	return 0;
}

int
caps_reduce(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 }, have[2] = { 0 };
	int last = CAP_LAST_CAP;

	/* The running kernel may know fewer capabilities than our headers. */
	while (last > 0 && prctl(PR_CAPBSET_READ, last, 0, 0, 0) < 0)
		last--;
	/*
	 * Under a unit's CapabilityBoundingSet most are gone already (and without
	 * CAP_SETPCAP dropping even those would fail with EPERM): only drop what is left.
	 */
	for (int cap = 0; cap <= last; cap++) {
		if (kept(cap) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	/* Keep only what we hold: a narrower bounding set may have left out some of ours. */
	if (syscall(SYS_capget, &hdr, have) < 0)
		return -errno;
	for (unsigned i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		uint32_t bit = 1u << (keep[i] % 32);
		unsigned w = (unsigned)keep[i] / 32;

		data[w].permitted |= have[w].permitted & bit;
		data[w].effective |= have[w].permitted & bit;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}
