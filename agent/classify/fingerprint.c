/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wire fingerprints of messaging apps' own protocols. Each one is narrow on
 * purpose (exact bytes, lengths and, where the protocol allows, ports): a
 * false attribution to a consumer app could block clinical traffic, while a
 * miss still leaves names, DNS and address lists to attribute the flow.
 */
#include "classify/classify.h"

#include <netinet/in.h>
#include <string.h>

#include "base/macro.h"
#include "classify/reader.h"

#define STUN_MAGIC        0x2112a442u
#define STUN_MSTURN_HDR   0xff10      /* Microsoft multiplexed-TURN framing before STUN */
#define STUN_MSTURN_LEN   12          /* ff10, length, 8-byte session */
#define STUN_MSTURN_MAGIC 0x72c64bc6u /* MS-TURN MAGIC-COOKIE attribute value */
#define STUN_ATTR_MAGIC   0x000f
#define STUN_ATTR_MI      0x0008
#define STUN_ATTR_REALM   0x0014

struct stun_msg {
	uint16_t type;
	bool magic;
	unsigned n_attrs;
	bool only_mi;   /* MESSAGE-INTEGRITY is the one and only attribute */
	bool wa_attr;   /* WhatsApp's 0x4000-0x4004, 0x4007 */
	bool ms_attr;   /* Microsoft's extensions (MS-TURN, MS-ICE2) */
	char realm[64]; /* lower case, truncated */
};

static bool
stun_attr_is_whatsapp(uint16_t t)
{
	return (t >= 0x4000 && t <= 0x4004) || t == 0x4007;
}

static bool
stun_attr_is_microsoft(uint16_t t)
{
	switch (t) {
	case 0x8054: /* MS-Candidate-Identifier */
	case 0x8055: /* MS-Service-Quality */
	case 0x8070: /* MS-Implementation-Version */
	case 0x8095: /* MS-Multiplexed-TURN-Session-ID */
	case 0x8036: /* MS-Alternate-Host-Name */
	case 0x24df:
	case 0x3802:
		return true;
	default:
		return false;
	}
}

/* A STUN message (RFC 5389 §6; RFC 3489 without the cookie when the length fits exactly). */
static bool
stun_parse(const uint8_t *p, size_t len, struct stun_msg *ret)
{
	struct reader rd;
	uint16_t mlen;

	memset(ret, 0, sizeof(*ret));
	if (len >= STUN_MSTURN_LEN + 20 && p[0] == (STUN_MSTURN_HDR >> 8) &&
	    p[1] == (STUN_MSTURN_HDR & 0xff) && ((size_t)p[2] << 8 | p[3]) + 4 == len) {
		p += STUN_MSTURN_LEN;
		len -= STUN_MSTURN_LEN;
	}
	rd = reader_init(p, len);
	ret->type = reader_u16(&rd);
	mlen = reader_u16(&rd);
	ret->magic = reader_u32(&rd) == STUN_MAGIC;
	reader_bytes(&rd, 12);
	/* WhatsApp's own requests have lengths that are not multiples of 4: the cookie must vouch. */
	if (rd.bad || (ret->type & 0xc000) || ((mlen & 3) && !ret->magic) ||
	    (size_t)mlen + 20 != len)
		return false;
	while (reader_left(&rd) >= 4) {
		uint16_t t = reader_u16(&rd), n = reader_u16(&rd);
		size_t take = MIN((size_t)n, reader_left(&rd));
		const uint8_t *v = reader_bytes(&rd, take);

		/* WhatsApp omits the padding of a last attribute: tolerate a short tail. */
		reader_bytes(&rd, MIN((size_t)((4 - n % 4) % 4), reader_left(&rd)));
		ret->n_attrs++;
		ret->only_mi = ret->n_attrs == 1 && t == STUN_ATTR_MI && n == 20;
		ret->wa_attr |= stun_attr_is_whatsapp(t);
		ret->ms_attr |= stun_attr_is_microsoft(t);
		if (t == STUN_ATTR_MAGIC && take == 4 &&
		    ((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]) ==
		            STUN_MSTURN_MAGIC)
			ret->ms_attr = true;
		if (t == STUN_ATTR_REALM && ret->realm[0] == '\0') {
			size_t i, m = MIN(take, sizeof(ret->realm) - 1);

			for (i = 0; i < m; i++)
				ret->realm[i] =
				        (char)((v[i] >= 'A' && v[i] <= 'Z') ? v[i] + 32 : v[i]);
			ret->realm[m] = '\0';
		}
	}
	return true;
}

static const char *
stun_fingerprint(const uint8_t *p, size_t len)
{
	struct stun_msg m;

	if (!stun_parse(p, len, &m))
		return NULL;
	/* WhatsApp: its own attributes, its own message types, or a bare integrity-only check. */
	if (m.wa_attr || (m.magic && m.type >= 0x0800 && m.type <= 0x0805) ||
	    (m.magic && m.type == 0x0001 && m.only_mi))
		return "whatsapp-stun";
	if (m.realm[0] != '\0') {
		if (strstr(m.realm, "viber") != NULL)
			return "viber-stun";
		if (strstr(m.realm, "telegram") != NULL)
			return "telegram-stun";
		if (strstr(m.realm, "signal.org") != NULL ||
		    strstr(m.realm, "whispersystems.org") != NULL)
			return "signal-stun";
		if (strstr(m.realm, "facebook") != NULL)
			return "messenger-stun";
	}
	if (m.magic && m.ms_attr)
		return "teams-stun";
	return NULL;
}

/*
 * WhatsApp's stream start: optional "ED" 00 01 + 3-byte length + routing
 * bytes (the edge-routing header), then the Noise prologue "WA" + major and
 * minor version. The client sends "ED" 00 01 alone in its first segment;
 * when the stream holds only that much, the four bytes decide (on WhatsApp's
 * ports only), otherwise the whole header and prologue must be there.
 */
static const char *
whatsapp_noise(const uint8_t *p, size_t len, uint16_t dst_port)
{
	size_t off = 0;

	if (dst_port != 5222 && dst_port != 443 && dst_port != 80)
		return NULL;
	if (len >= 4 && memcmp(p, "ED\x00\x01", 4) == 0) {
		size_t routing;

		if (len < 7)
			return "whatsapp-noise";
		routing = (size_t)p[4] << 16 | (size_t)p[5] << 8 | p[6];
		if (routing == 0 || routing > 32)
			return NULL;
		off = 7 + routing;
		if (len < off + 4)
			return len >= 8 ? "whatsapp-noise" : NULL;
	}
	if (len < off + 4 || p[off] != 'W' || p[off + 1] != 'A')
		return NULL;
	if (p[off + 2] < 1 || p[off + 2] > 9 || p[off + 3] > 15)
		return NULL;
	return "whatsapp-noise";
}

/* Discord voice: the 74-byte IP discovery request/response, or the 8-byte 13 37 ca fe keep-alive. */
static const char *
discord_voice(const uint8_t *p, size_t len)
{
	if (len == 74 && p[0] == 0 && (p[1] == 1 || p[1] == 2) && p[2] == 0 && p[3] == 70)
		return "discord-voice";
	if (len == 8 && p[0] == 0x13 && p[1] == 0x37 && p[2] == 0xca && p[3] == 0xfe)
		return "discord-voice";
	return NULL;
}

/* Telegram's older UDP voice relays (ports 500-600): a run of exactly 12 0xff bytes. */
static const char *
telegram_udp(const uint8_t *p, size_t len, uint16_t dst_port)
{
	size_t i, run = 0;

	if (dst_port < 500 || dst_port > 600 || len < 40)
		return NULL;
	for (i = 0; i < len && p[i] != 0xff; i++)
		;
	for (; i < len && p[i] == 0xff; i++)
		run++;
	return run == 12 ? "telegram-udp" : NULL;
}

/* MTProto's unobfuscated "intermediate" and "padded intermediate" transports announce themselves. */
static const char *
telegram_mtproto(const uint8_t *p, size_t len, uint16_t dst_port)
{
	if (dst_port != 443 && dst_port != 80 && dst_port != 5222)
		return NULL;
	if (len >= 8 &&
	    (memcmp(p, "\xee\xee\xee\xee", 4) == 0 || memcmp(p, "\xdd\xdd\xdd\xdd", 4) == 0))
		return "telegram-mtproto";
	return NULL;
}

static bool
viber_port(uint16_t port)
{
	return port == 4244 || port == 5242 || port == 5243 || port == 7985 || port == 7987;
}

/* Viber's own framing on its own ports: a little-endian frame length, then fixed marker bytes. */
static const char *
viber_native(const uint8_t *p, size_t len, uint8_t ip_proto, uint16_t dst_port)
{
	if (!viber_port(dst_port))
		return NULL;
	if (ip_proto == IPPROTO_TCP) {
		size_t frame;

		if (len < 11)
			return NULL;
		/* @p may be the reassembled stream: the first frame must fit in it. */
		frame = (size_t)p[0] | (size_t)p[1] << 8;
		if (frame < 11 || frame > len)
			return NULL;
		if ((p[6] == 0xfc && p[7] == 0xff && p[9] == 0x80) ||
		    (p[4] == 0x03 && p[5] == 0x80 && p[10] == 0x0a))
			return "viber-native";
		return NULL;
	}
	if (len < 6)
		return NULL;
	if ((p[2] == 0x03 && p[3] == 0x00) || (len == 20 && p[2] == 0x09 && p[3] == 0x00) ||
	    (p[2] == 0x01 && p[3] == 0x00 && p[4] == 0x05 && p[5] == 0x00) ||
	    (len == 34 && (p[2] == 0x19 || p[2] == 0x1b) && p[3] == 0x00))
		return "viber-native";
	return NULL;
}

const char *
classify_fingerprint(const uint8_t *payload, size_t len, uint8_t ip_proto, uint16_t dst_port)
{
	const char *name = NULL;

	if (payload == NULL || len == 0)
		return NULL;
	if (ip_proto == IPPROTO_TCP) {
		name = whatsapp_noise(payload, len, dst_port);
		if (name == NULL)
			name = viber_native(payload, len, ip_proto, dst_port);
		if (name == NULL)
			name = telegram_mtproto(payload, len, dst_port);
	} else if (ip_proto == IPPROTO_UDP) {
		name = stun_fingerprint(payload, len);
		if (name == NULL)
			name = discord_voice(payload, len);
		if (name == NULL)
			name = telegram_udp(payload, len, dst_port);
		if (name == NULL)
			name = viber_native(payload, len, ip_proto, dst_port);
	}
	return name;
}

bool
classify_fingerprint_pending(const uint8_t *payload, size_t len, uint8_t ip_proto)
{
	struct stun_msg m;

	if (payload == NULL || ip_proto != IPPROTO_UDP)
		return false;
	return stun_parse(payload, len, &m) && stun_fingerprint(payload, len) == NULL;
}
