/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DNS responses (RFC 1035 §4): A/AAAA answers, each tied back to the name
 * the client asked for through the CNAME chain, so that a later flow to that
 * address can be named. Compression pointers are followed with a hop limit;
 * records not reachable from the question are ignored (a hostile server
 * cannot name addresses the client did not ask about).
 */
#include "classify/classify.h"

#include <string.h>
#include <sys/socket.h>

#include "classify/classify-internal.h"
#include "classify/reader.h"

#define DNS_HEADER_LEN  12
#define DNS_MAX_HOPS    16 /* compression pointers followed per name */
#define DNS_MAX_ANSWERS 64
#define DNS_MAX_CNAMES  16
#define DNS_NAME_MAX    256
#define DNS_TYPE_A      1
#define DNS_TYPE_CNAME  5
#define DNS_TYPE_AAAA   28
#define DNS_CLASS_IN    1

/*
 * Read a (possibly compressed) name at @off into @out (dotted, lower case).
 * Returns the offset just past the name in the original position, or 0.
 */
static size_t
dns_read_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t out_size)
{
	size_t n = 0, next = 0, hops = 0;

	for (;;) {
		uint8_t l;

		if (off >= len)
			return 0;
		l = msg[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= len || ++hops > DNS_MAX_HOPS)
				return 0;
			if (next == 0)
				next = off + 2;
			off = (size_t)(l & 0x3f) << 8 | msg[off + 1];
			continue;
		}
		if (l & 0xc0)
			return 0; /* extended label types are not used in answers */
		off++;
		if (l == 0)
			break;
		if (off + l > len || n + l + 1 >= out_size)
			return 0;
		if (n > 0)
			out[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[off + i];

			/* A dot inside a label would make two names look alike. */
			if (c == '.' || c < 0x21 || c > 0x7e)
				return 0;
			out[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
		}
		off += l;
	}
	out[n] = '\0';
	return next ? next : off;
}

struct dns_cname {
	char owner[DNS_NAME_MAX];
	char target[DNS_NAME_MAX];
};

/* Is @name the question, or reachable from it through the CNAME records? */
static bool
dns_reaches(const char *qname, const char *name, const struct dns_cname *cn, size_t n_cn)
{
	const char *cur = qname;
	size_t depth, i;

	for (depth = 0; depth <= n_cn; depth++) {
		if (strcmp(cur, name) == 0)
			return true;
		for (i = 0; i < n_cn; i++) {
			if (strcmp(cn[i].owner, cur) == 0)
				break;
		}
		if (i == n_cn)
			return false;
		cur = cn[i].target;
	}
	return false; /* a CNAME loop */
}

struct dns_addr_rr {
	size_t owner_off; /* where the owner name starts in the message */
	uint16_t type;
	uint32_t ttl;
	const uint8_t *addr;
};

enum classify_status
classify_dns_response(const uint8_t *payload, size_t len, classify_dns_answer_fn *cb, void *ctx)
{
	struct dns_cname cnames[DNS_MAX_CNAMES];
	struct dns_addr_rr addrs[DNS_MAX_ANSWERS];
	char qname[DNS_NAME_MAX], owner[DNS_NAME_MAX];
	size_t n_cn = 0, n_addr = 0, off, i;
	uint16_t flags, qdcount, ancount;
	struct reader rd = reader_init(payload, len);

	reader_u16(&rd); /* id */
	flags = reader_u16(&rd);
	qdcount = reader_u16(&rd);
	ancount = reader_u16(&rd);
	if (rd.bad || !(flags & 0x8000) || ((flags >> 11) & 0xf) != 0 || qdcount == 0)
		return CLASSIFY_NOT_THIS;
	if ((flags & 0xf) != 0 || ancount == 0)
		return CLASSIFY_DONE; /* NXDOMAIN, SERVFAIL, NODATA: nothing to learn */

	off = dns_read_name(payload, len, DNS_HEADER_LEN, qname, sizeof(qname));
	if (off == 0 || off + 4 > len || qname[0] == '\0')
		return CLASSIFY_NOT_THIS;
	off += 4;
	/* Further questions are skipped; resolvers send one. */
	for (i = 1; i < qdcount; i++) {
		off = dns_read_name(payload, len, off, owner, sizeof(owner));
		if (off == 0 || off + 4 > len)
			return CLASSIFY_NOT_THIS;
		off += 4;
	}

	for (i = 0; i < ancount && i < DNS_MAX_ANSWERS; i++) {
		size_t owner_off = off, rdata;
		uint16_t type, klass, rdlen;
		uint32_t ttl;

		off = dns_read_name(payload, len, off, owner, sizeof(owner));
		if (off == 0 || off + 10 > len)
			return CLASSIFY_NOT_THIS;
		rd = reader_init(payload, len);
		rd.off = off;
		type = reader_u16(&rd);
		klass = reader_u16(&rd);
		ttl = reader_u32(&rd);
		rdlen = reader_u16(&rd);
		rdata = rd.off;
		if (!reader_bytes(&rd, rdlen))
			return CLASSIFY_NOT_THIS;
		off = rd.off;
		if (klass != DNS_CLASS_IN)
			continue;
		if (ttl > 0x7fffffff)
			ttl = 0; /* RFC 2181 §8 */
		if ((type == DNS_TYPE_A && rdlen == 4) || (type == DNS_TYPE_AAAA && rdlen == 16)) {
			addrs[n_addr++] = (struct dns_addr_rr){ .owner_off = owner_off,
				                                .type = type,
				                                .ttl = ttl,
				                                .addr = payload + rdata };
		} else if (type == DNS_TYPE_CNAME && n_cn < DNS_MAX_CNAMES) {
			if (dns_read_name(payload, len, rdata, cnames[n_cn].target,
			                  sizeof(cnames[n_cn].target)) == 0)
				return CLASSIFY_NOT_THIS;
			memcpy(cnames[n_cn].owner, owner, sizeof(owner));
			n_cn++;
		}
	}

	for (i = 0; i < n_addr; i++) {
		dns_read_name(payload, len, addrs[i].owner_off, owner, sizeof(owner));
		if (!dns_reaches(qname, owner, cnames, n_cn))
			continue;
		cb(qname, addrs[i].type == DNS_TYPE_A ? AF_INET : AF_INET6, addrs[i].addr,
		   addrs[i].ttl, ctx);
	}
	return CLASSIFY_DONE;
}

enum classify_status
classify_dns_query(const uint8_t *payload, size_t len, char *ret_name, size_t size)
{
	char name[DNS_NAME_MAX];
	uint16_t qdcount;

	if (size > 0)
		ret_name[0] = '\0';
	if (len < DNS_HEADER_LEN)
		return CLASSIFY_NOT_THIS;
	qdcount = (uint16_t)(payload[4] << 8 | payload[5]);
	if (qdcount == 0 || ((payload[2] >> 3) & 0xf) != 0)
		return CLASSIFY_NOT_THIS;
	if (dns_read_name(payload, len, DNS_HEADER_LEN, name, sizeof(name)) == 0 || name[0] == '\0')
		return CLASSIFY_NOT_THIS;
	if (!classify_copy_hostname(ret_name, size, (const uint8_t *)name, strlen(name)))
		return CLASSIFY_NOT_THIS;
	return CLASSIFY_DONE;
}
