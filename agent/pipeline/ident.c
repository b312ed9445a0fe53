/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who sent a flow: user name, primary group name and supplementary groups of
 * the socket's uid/gid, for user and group rules. Name service look-ups may
 * be slow (LDAP, SSSD), so answers are kept per pipeline in a small table,
 * refreshed after PIPELINE_IDENT_TTL_US (membership changes), replaced
 * round-robin when full.
 */
#include "pipeline/pipeline-internal.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIPELINE_IDENT_TTL_US (60LL * 1000000)

struct pipeline_ident *
pipeline_ident_new(void)
{
	return calloc(PIPELINE_IDENT_ENTRIES, sizeof(struct pipeline_ident));
}

static void
ident_lookup(struct pipeline_ident *id, uint32_t uid, uint32_t gid)
{
	char buf[8192];
	struct passwd pw, *pwr = NULL;
	struct group gr, *grr = NULL;
	gid_t groups[PIPELINE_IDENT_MAX_GROUPS];
	int n = PIPELINE_IDENT_MAX_GROUPS;

	id->user[0] = '\0';
	id->group[0] = '\0';
	id->n_groups = 0;
	if (getgrgid_r((gid_t)gid, &gr, buf, sizeof(buf), &grr) == 0 && grr != NULL)
		snprintf(id->group, sizeof(id->group), "%s", grr->gr_name);
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &pwr) != 0 || pwr == NULL)
		return;
	snprintf(id->user, sizeof(id->user), "%s", pwr->pw_name);
	/*
	 * The account's groups: its login group and every group listing it.
	 * The socket's gid is a fact of its own. More groups than the table
	 * holds: the first ones are kept (-1, n set to the total).
	 */
	if (getgrouplist(pwr->pw_name, pwr->pw_gid, groups, &n) < 0 &&
	    n > PIPELINE_IDENT_MAX_GROUPS)
		n = PIPELINE_IDENT_MAX_GROUPS;
	for (int i = 0; i < n && i < PIPELINE_IDENT_MAX_GROUPS; i++)
		id->groups[id->n_groups++] = (uint32_t)groups[i];
}

const struct pipeline_ident *
pipeline_ident_get(struct pipeline *p, uint32_t uid, uint32_t gid)
{
	struct pipeline_ident *id;

	if (p->ident == NULL)
		return NULL;
	for (uint32_t i = 0; i < PIPELINE_IDENT_ENTRIES; i++) {
		id = &p->ident[i];
		if (id->used && id->uid == uid && id->gid == gid) {
			if (p->now_us - id->looked_up_us > PIPELINE_IDENT_TTL_US ||
			    p->now_us < id->looked_up_us)
				goto refresh;
			return id;
		}
	}
	id = &p->ident[p->ident_next];
	p->ident_next = (p->ident_next + 1) % PIPELINE_IDENT_ENTRIES;
refresh:
	id->used = true;
	id->uid = uid;
	id->gid = gid;
	id->looked_up_us = p->now_us;
	ident_lookup(id, uid, gid);
	return id;
}
