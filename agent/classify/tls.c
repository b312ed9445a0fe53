/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "classify/classify.h"

#include <string.h>

#include "base/macro.h"
#include "classify/classify-internal.h"
#include "classify/reader.h"

#define TLS_CONTENT_HANDSHAKE     22
#define TLS_HS_CLIENT_HELLO       1
#define TLS_RECORD_MAX            (16384 + 2048) /* ciphertext limit, RFC 8446 §5.2 */
#define TLS_EXT_SERVER_NAME       0
#define TLS_EXT_ALPN              16
#define TLS_EXT_SUPPORTED_VERSION 43
#define TLS_EXT_ECH               0xfe0d
#define TLS_EXT_ESNI              0xffce /* the draft ECH predecessor: also hides the name */

static bool
tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static void
tls_parse_sni(struct reader ext, struct tls_hello_info *ret)
{
	struct reader list = reader_sub(&ext, reader_u16(&ext));

	while (reader_left(&list) > 0) {
		uint8_t type = reader_u8(&list);
		uint16_t n = reader_u16(&list);
		const uint8_t *name = reader_bytes(&list, n);

		if (name == NULL)
			return;
		/* Only one host_name is allowed (RFC 6066 §3); the first one counts. */
		if (type == 0) {
			classify_copy_hostname(ret->sni, sizeof(ret->sni), name, n);
			return;
		}
	}
}

static void
tls_parse_alpn(struct reader ext, struct tls_hello_info *ret)
{
	struct reader list = reader_sub(&ext, reader_u16(&ext));
	uint8_t n = reader_u8(&list);
	const uint8_t *proto = reader_bytes(&list, n);
	size_t i;

	if (proto == NULL || n == 0 || n >= sizeof(ret->alpn))
		return;
	for (i = 0; i < n; i++) {
		if (proto[i] < 0x21 || proto[i] > 0x7e)
			return;
	}
	memcpy(ret->alpn, proto, n);
	ret->alpn[n] = '\0';
}

static void
tls_parse_versions(struct reader ext, struct tls_hello_info *ret)
{
	struct reader list = reader_sub(&ext, reader_u8(&ext));

	while (reader_left(&list) >= 2) {
		uint16_t v = reader_u16(&list);

		/* TLS 1.3 drafts (0x7fxx) and Facebook's Fizz experiments (0xfbxx) are 1.3. */
		if ((v >> 8) == 0x7f || (v >> 8) == 0xfb)
			v = 0x0304;
		if (!tls_is_grease(v) && v <= 0x0304 && v > ret->version)
			ret->version = v;
	}
}

enum classify_status
classify_tls_parse_hello_msg(const uint8_t *msg, size_t len, struct tls_hello_info *ret)
{
	struct reader rd = reader_init(msg, len), body, exts;
	uint16_t legacy_version, best = 0;

	memset(ret, 0, sizeof(*ret));
	if (reader_u8(&rd) != TLS_HS_CLIENT_HELLO)
		return CLASSIFY_NOT_THIS;
	body = reader_sub(&rd, reader_u24(&rd));
	legacy_version = reader_u16(&body);
	reader_bytes(&body, 32);                /* random */
	reader_bytes(&body, reader_u8(&body));  /* legacy_session_id */
	reader_bytes(&body, reader_u16(&body)); /* cipher_suites */
	reader_bytes(&body, reader_u8(&body));  /* legacy_compression_methods */
	if (body.bad || (legacy_version >> 8) != 3)
		return CLASSIFY_NOT_THIS;
	if (reader_left(&body) > 0) {
		exts = reader_sub(&body, reader_u16(&body));
		while (!exts.bad && reader_left(&exts) > 0) {
			uint16_t type = reader_u16(&exts);
			struct reader ext = reader_sub(&exts, reader_u16(&exts));

			if (exts.bad)
				break;
			switch (type) {
			case TLS_EXT_SERVER_NAME:
				if (ret->sni[0] == '\0')
					tls_parse_sni(ext, ret);
				break;
			case TLS_EXT_ALPN:
				if (ret->alpn[0] == '\0')
					tls_parse_alpn(ext, ret);
				break;
			case TLS_EXT_SUPPORTED_VERSION:
				tls_parse_versions(ext, ret);
				best = ret->version;
				break;
			case TLS_EXT_ECH:
			case TLS_EXT_ESNI:
				ret->ech = true;
				break;
			default:
				break;
			}
		}
		if (exts.bad || body.bad)
			return CLASSIFY_NOT_THIS;
	}
	ret->version = best ? best : legacy_version;
	return CLASSIFY_DONE;
}

/*
 * Gather the first handshake message from consecutive handshake records
 * (it may span several, and each record may span TCP segments).
 */
enum classify_status
classify_tls_client_hello(const uint8_t *data, size_t len, struct tls_hello_info *ret)
{
	uint8_t msg[CLASSIFY_HELLO_MAX + 4];
	struct reader rd = reader_init(data, len);
	size_t have = 0, need = 0;

	memset(ret, 0, sizeof(*ret));
	for (;;) {
		uint8_t type;
		uint16_t version, rlen;
		size_t take;

		if (reader_left(&rd) < 5)
			return CLASSIFY_NEED_MORE;
		type = reader_u8(&rd);
		version = reader_u16(&rd);
		rlen = reader_u16(&rd);
		if (type != TLS_CONTENT_HANDSHAKE || (version >> 8) != 3 || rlen == 0 ||
		    rlen > TLS_RECORD_MAX)
			return CLASSIFY_NOT_THIS;
		if (reader_left(&rd) == 0)
			return CLASSIFY_NEED_MORE;
		take = MIN(rlen, reader_left(&rd));
		if (have == 0 && rd.p[rd.off] != TLS_HS_CLIENT_HELLO)
			return CLASSIFY_NOT_THIS;
		if (need > 0)
			take = MIN(take, need - have);
		else
			take = MIN(take, sizeof(msg) - have);
		memcpy(msg + have, rd.p + rd.off, take);
		have += take;
		if (need == 0 && have >= 4) {
			need = 4 + ((size_t)msg[1] << 16 | (size_t)msg[2] << 8 | msg[3]);
			if (need > sizeof(msg))
				return CLASSIFY_NOT_THIS;
		}
		if (need > 0 && have >= need)
			return classify_tls_parse_hello_msg(msg, need, ret);
		if (take < rlen && reader_left(&rd) == take)
			return CLASSIFY_NEED_MORE; /* record cut by the segment boundary */
		reader_bytes(&rd, rlen);
		if (rd.bad)
			return CLASSIFY_NEED_MORE;
	}
}
