/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The signed policy bundle fetched by the HTTPS pull: a tar archive parsed
 * before its signature is checked, so it is untrusted input (fuzzed in
 * tests/fuzz/fuzz-policy-bundle.c). Only sizes and names are read; the
 * policy and its signature are returned as pointers into the archive.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "daemon/policy_source.h"

static int
tar_octal(const uint8_t *field, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len && field[i] == ' ')
		i++;
	for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -EBADMSG;
		v = (v << 3) | (uint64_t)(field[i] - '0');
	}
	if (i < len && field[i] != '\0' && field[i] != ' ')
		return -EBADMSG; /* base-256 sizes are for files far over our limits */
	*ret = v;
	return 0;
}

static bool
tar_checksum_ok(const uint8_t *h)
{
	uint64_t want, sum = 0;

	if (tar_octal(h + 148, 8, &want) < 0)
		return false;
	for (size_t i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

static bool
block_is_zero(const uint8_t *h)
{
	for (size_t i = 0; i < 512; i++)
		if (h[i] != 0)
			return false;
	return true;
}

int
policy_bundle_parse(const uint8_t *data, size_t len, struct policy_bundle *ret)
{
	struct {
		char name[256];
		const uint8_t *p;
		size_t len;
	} sigs[4] = { 0 };
	unsigned n_sigs = 0, n_yaml = 0;
	size_t off = 0;

	memset(ret, 0, sizeof(*ret));
	if (len > POLICY_SOURCE_MAX_BUNDLE)
		return -EBADMSG;
	while (off + 512 <= len) {
		const uint8_t *h = data + off;
		char name[101];
		const char *base;
		uint64_t size;
		uint8_t type;

		if (block_is_zero(h))
			break;
		if (!tar_checksum_ok(h) || tar_octal(h + 124, 12, &size) < 0)
			return -EBADMSG;
		off += 512;
		if (size > len - off)
			return -EBADMSG;
		memcpy(name, h, 100);
		name[100] = '\0';
		base = strrchr(name, '/') != NULL ? strrchr(name, '/') + 1 : name;
		type = h[156];
		if ((type == '0' || type == '\0') && base[0] != '\0' && base[0] != '.') {
			if (policy_name_has_suffix(base, ".yaml")) {
				if (++n_yaml > 1 || size > POLICY_SOURCE_MAX_POLICY)
					return -EBADMSG;
				snprintf(ret->name, sizeof(ret->name), "%s", base);
				ret->policy = data + off;
				ret->policy_len = (size_t)size;
			} else if (policy_name_has_suffix(base, ".yaml.sig") &&
			           n_sigs < ARRAY_SIZE(sigs)) {
				if (size > POLICY_SOURCE_MAX_SIG)
					return -EBADMSG;
				snprintf(sigs[n_sigs].name, sizeof(sigs[n_sigs].name), "%s", base);
				sigs[n_sigs].p = data + off;
				sigs[n_sigs].len = (size_t)size;
				n_sigs++;
			}
		}
		/* Directories, links, pax/GNU headers and other members: skipped. */
		off += (size_t)((size + 511) & ~(uint64_t)511);
		if (off > len)
			return -EBADMSG;
	}
	if (off < len && len - off < 512)
		return -EBADMSG; /* cut inside a header: a truncated download */
	if (n_yaml != 1)
		return -EBADMSG;
	for (unsigned i = 0; i < n_sigs; i++) {
		size_t nl = strlen(ret->name);
		if (strncmp(sigs[i].name, ret->name, nl) == 0 &&
		    strcmp(sigs[i].name + nl, ".sig") == 0) {
			ret->sig = sigs[i].p;
			ret->sig_len = sigs[i].len;
		}
	}
	return 0;
}
