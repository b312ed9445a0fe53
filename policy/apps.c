/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Destination -> app. Every domain, suffix, fingerprint and prefix of every
 * app becomes one key in a sorted array, looked up by binary search:
 *
 *   exact domain  >  longest "*.suffix" (label boundaries only)  >
 *   wire fingerprint  >  longest CIDR prefix (restricted to the app's ports)
 *
 * On equal keys (two apps claiming the same suffix or prefix) the higher
 * priority wins, then an approved category, then an app the policy itself
 * defines over a built-in one, then the app defined first.
 * That is how Teams keeps *.skype.com and 52.112.0.0/14, which it shares
 * with consumer Skype: blocking Skype must never break Teams.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/xalloc.h"
#include "policy/internal.h"

enum key_kind {
	KEY_EXACT = 'e',
	KEY_SUFFIX = 's',
	KEY_FINGERPRINT = 'f',
	KEY_CIDR4 = '4',
	KEY_CIDR6 = '6',
};

struct key_entry {
	uint8_t *key; /* kind byte, then the name or (prefix length, masked address) */
	size_t len;
	uint32_t app;
	bool media;
};

struct key_index {
	struct key_entry *v;
	size_t n;
	/* which prefix lengths occur, so a lookup tries only those */
	bool len4[33];
	bool len6[129];
};

int
policy_normalize_domain(const char *in, char *out, size_t out_size)
{
	size_t len = strlen(in), j = 0;
	const char *p = in;
	bool wildcard = false;

	if (strncmp(p, "*.", 2) == 0) {
		wildcard = true;
		p += 2;
		len -= 2;
	}
	if (len > 0 && p[len - 1] == '.')
		len--; /* the root label: "example.com." is "example.com" */
	if (len == 0 || len > POLICY_MAX_DOMAIN || len + 3 > out_size)
		return -EINVAL;
	if (wildcard) {
		out[j++] = '*';
		out[j++] = '.';
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)p[i]);

		if (ch == '.') {
			/* no empty labels */
			if (i == 0 || p[i - 1] == '.' || i + 1 == len)
				return -EINVAL;
		} else if (!isalnum(ch) && ch != '-' && ch != '_') {
			return -EINVAL;
		}
		out[j++] = (char)ch;
	}
	out[j] = '\0';
	return 0;
}

bool
policy_domain_matches(const char *pattern, const char *name)
{
	size_t pl, nl;

	if (strncmp(pattern, "*.", 2) != 0)
		return strcmp(pattern, name) == 0;
	pattern += 1; /* ".suffix" */
	pl = strlen(pattern);
	nl = strlen(name);
	/* "*.x" matches "a.x" and "a.b.x", never "x" itself, never "evilx". */
	return nl > pl && strcmp(name + nl - pl, pattern) == 0;
}

int
policy_parse_cidr(const char *text, struct cidr *ret)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long len;
	char *end;
	int max;

	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	memset(ret, 0, sizeof(*ret));
	if (inet_pton(AF_INET, buf, ret->addr) == 1) {
		ret->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, ret->addr) == 1) {
		ret->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = (unsigned long)max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end != '\0' || len > (unsigned long)max)
			return -EINVAL;
	}
	ret->len = (uint8_t)len;
	/* Host bits set ("10.0.0.1/8") are cleared, as routers do. */
	for (int bit = (int)len; bit < max; bit++)
		ret->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	return 0;
}

bool
policy_cidr_contains(const struct cidr *cidr, int family, const uint8_t *addr)
{
	unsigned full = cidr->len / 8, rest = cidr->len % 8;

	if (cidr->family != family)
		return false;
	if (memcmp(cidr->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((cidr->addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

static int
key_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r != 0)
		return r;
	return al < bl ? -1 : al > bl;
}

static int
entry_cmp(const void *x, const void *y)
{
	const struct key_entry *a = x, *b = y;
	int r = key_cmp(a->key, a->len, b->key, b->len);

	if (r != 0)
		return r;
	return a->app < b->app ? -1 : a->app > b->app;
}

static void
index_add(struct key_index *ix, size_t *cap, uint8_t kind, const void *data, size_t len,
          uint32_t app, bool media)
{
	struct key_entry *e;

	if (ix->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		ix->v = xrealloc(ix->v, *cap, sizeof(*ix->v));
	}
	e = &ix->v[ix->n++];
	e->len = len + 1;
	e->key = xmalloc(e->len);
	e->key[0] = kind;
	memcpy(e->key + 1, data, len);
	e->app = app;
	e->media = media;
}

static void
index_add_domains(struct key_index *ix, size_t *cap, const struct strv *list, uint32_t app,
                  bool media)
{
	for (size_t i = 0; i < list->n; i++) {
		const char *d = list->v[i];

		if (strncmp(d, "*.", 2) == 0)
			index_add(ix, cap, KEY_SUFFIX, d + 2, strlen(d + 2), app, media);
		else
			index_add(ix, cap, KEY_EXACT, d, strlen(d), app, media);
	}
}

static void
cidr_key(int family, const uint8_t *addr, uint8_t len, uint8_t *out, size_t *ret_len)
{
	size_t alen = family == AF_INET ? 4 : 16;

	out[0] = len;
	memcpy(out + 1, addr, alen);
	for (int bit = len; bit < (int)alen * 8; bit++)
		out[1 + bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
	*ret_len = alen + 1;
}

int
policy_index_build(struct policy *policy)
{
	struct key_index *ix = xcalloc(1, sizeof(*ix));
	size_t cap = 0;

	for (uint32_t a = 0; a < policy->n_apps; a++) {
		const struct app *app = &policy->apps[a];

		index_add_domains(ix, &cap, &app->domains, a, false);
		index_add_domains(ix, &cap, &app->media_domains, a, true);
		for (size_t i = 0; i < app->fingerprints.n; i++)
			index_add(ix, &cap, KEY_FINGERPRINT, app->fingerprints.v[i],
			          strlen(app->fingerprints.v[i]), a, false);
		for (size_t i = 0; i < app->n_cidrs; i++) {
			const struct cidr *c = &app->cidrs[i];
			uint8_t key[17];
			size_t klen;

			cidr_key(c->family, c->addr, c->len, key, &klen);
			index_add(ix, &cap, c->family == AF_INET ? KEY_CIDR4 : KEY_CIDR6, key, klen,
			          a, false);
			if (c->family == AF_INET)
				ix->len4[c->len] = true;
			else
				ix->len6[c->len] = true;
		}
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), entry_cmp);
	policy->index = ix;
	return 0;
}

void
policy_index_free(struct key_index *ix)
{
	if (ix == NULL)
		return;
	for (size_t i = 0; i < ix->n; i++)
		free(ix->v[i].key);
	free(ix->v);
	free(ix);
}

static bool
app_port_ok(const struct app *app, const struct policy_destination *dest)
{
	if (app->n_ports == 0)
		return true;
	for (size_t i = 0; i < app->n_ports; i++) {
		const struct port_range *p = &app->ports[i];

		if (p->ip_proto != 0 && p->ip_proto != dest->ip_proto)
			continue;
		if (dest->port >= p->lo && dest->port <= p->hi)
			return true;
	}
	return false;
}

/* true when @a should win a tie over @b */
static bool
app_beats(const struct policy *policy, uint32_t a, uint32_t b)
{
	const struct app *x = &policy->apps[a], *y = &policy->apps[b];
	bool ax = policy->categories[x->category].approved;
	bool ay = policy->categories[y->category].approved;

	if (x->priority != y->priority)
		return x->priority > y->priority;
	if (ax != ay)
		return ax;
	/* The policy's own definition is more deliberate than the catalogue's. */
	if (x->builtin != y->builtin)
		return !x->builtin;
	return a < b;
}

/*
 * Look one key up; among the entries with that key pick the winner. With
 * @dest set, apps whose ports exclude the destination are skipped.
 */
static const struct key_entry *
index_lookup(const struct policy *policy, uint8_t kind, const void *data, size_t len,
             const struct policy_destination *dest)
{
	const struct key_index *ix = policy->index;
	const struct key_entry *best = NULL;
	uint8_t key[POLICY_MAX_DOMAIN + 2];
	size_t lo = 0, hi = ix->n;

	if (len + 1 > sizeof(key))
		return NULL;
	key[0] = kind;
	memcpy(key + 1, data, len);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(ix->v[mid].key, ix->v[mid].len, key, len + 1) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n && key_cmp(ix->v[lo].key, ix->v[lo].len, key, len + 1) == 0; lo++) {
		const struct key_entry *e = &ix->v[lo];

		if (dest != NULL && !app_port_ok(&policy->apps[e->app], dest))
			continue;
		if (best == NULL || app_beats(policy, e->app, best->app) ||
		    (e->app == best->app && e->media))
			best = e;
	}
	return best;
}

static const struct key_entry *
classify_domain(const struct policy *policy, const char *domain)
{
	char name[POLICY_MAX_DOMAIN + 3];
	const struct key_entry *e;

	if (domain == NULL || domain[0] == '\0' ||
	    policy_normalize_domain(domain, name, sizeof(name)) < 0 || name[0] == '*')
		return NULL;
	e = index_lookup(policy, KEY_EXACT, name, strlen(name), NULL);
	if (e != NULL)
		return e;
	/* Longest suffix first: drop one label at a time, on label boundaries only. */
	for (const char *p = strchr(name, '.'); p != NULL; p = strchr(p + 1, '.')) {
		e = index_lookup(policy, KEY_SUFFIX, p + 1, strlen(p + 1), NULL);
		if (e != NULL)
			return e;
	}
	return NULL;
}

static const struct key_entry *
classify_addr(const struct policy *policy, const struct policy_destination *dest)
{
	const struct key_index *ix = policy->index;
	int max = dest->family == AF_INET ? 32 : 128;
	const bool *lens = dest->family == AF_INET ? ix->len4 : ix->len6;
	uint8_t kind = dest->family == AF_INET ? KEY_CIDR4 : KEY_CIDR6;

	if (dest->family != AF_INET && dest->family != AF_INET6)
		return NULL;
	for (int len = max; len >= 0; len--) {
		uint8_t key[17];
		size_t klen;
		const struct key_entry *e;

		if (!lens[len])
			continue;
		cidr_key(dest->family, dest->addr, (uint8_t)len, key, &klen);
		e = index_lookup(policy, kind, key, klen, dest);
		if (e != NULL)
			return e;
	}
	return NULL;
}

void
policy_classify(const struct policy *policy, const struct policy_destination *dest,
                struct policy_app_match *ret)
{
	const struct key_entry *e = NULL;

	memset(ret, 0, sizeof(*ret));
	if (policy == NULL || dest == NULL || policy->index == NULL)
		return;
	e = classify_domain(policy, dest->domain);
	if (e == NULL && dest->fingerprint != NULL && dest->fingerprint[0] != '\0')
		e = index_lookup(policy, KEY_FINGERPRINT, dest->fingerprint,
		                 strlen(dest->fingerprint), dest);
	if (e == NULL)
		e = classify_addr(policy, dest);
	if (e == NULL)
		return;
	ret->app = policy->apps[e->app].name;
	ret->category = policy->categories[policy->apps[e->app].category].name;
	ret->media = e->media;
}

bool
policy_category_fail_closed(const struct policy *policy, const char *category)
{
	for (size_t i = 0; policy != NULL && category != NULL && i < policy->n_categories; i++)
		if (strcmp(policy->categories[i].name, category) == 0)
			return policy->categories[i].fail_mode == FAIL_CLOSED;
	return false;
}

static bool
cidrs_overlap(const struct cidr *a, const struct cidr *b)
{
	if (a->family != b->family)
		return false;
	return a->len <= b->len ? policy_cidr_contains(a, b->family, b->addr)
	                        : policy_cidr_contains(b, a->family, a->addr);
}

static bool
shared_with_open_app(const struct policy *policy, const struct cidr *c)
{
	for (size_t a = 0; a < policy->n_apps; a++) {
		const struct app *app = &policy->apps[a];

		if (policy->categories[app->category].fail_mode == FAIL_CLOSED)
			continue;
		for (size_t i = 0; i < app->n_cidrs; i++)
			if (cidrs_overlap(&app->cidrs[i], c))
				return true;
	}
	return false;
}

size_t
policy_fail_closed_cidrs(const struct policy *policy, policy_cidr_fn *fn, void *ctx)
{
	size_t n = 0;

	for (size_t a = 0; policy != NULL && a < policy->n_apps; a++) {
		const struct app *app = &policy->apps[a];

		if (policy->categories[app->category].fail_mode != FAIL_CLOSED)
			continue;
		for (size_t i = 0; i < app->n_cidrs; i++) {
			const struct cidr *c = &app->cidrs[i];

			if (shared_with_open_app(policy, c))
				continue;
			if (fn != NULL)
				fn(c->family, c->addr, c->len, app->name, ctx);
			n++;
		}
	}
	return n;
}
