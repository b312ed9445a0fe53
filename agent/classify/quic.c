/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * QUIC Initial packets from the client (RFC 9000 §17.2.2, RFC 9001 §5):
 * remove header protection, decrypt, gather CRYPTO frames by offset across
 * packets and datagrams, and parse the ClientHello once it is complete.
 * Google's plaintext gQUIC (Q043-Q046) carries its SNI in a CHLO tag.
 */
#include "classify/classify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/macro.h"
#include "classify/classify-internal.h"
#include "classify/reader.h"

#define QUIC_V2          0x6b3343cfu
#define QUIC_CID_MAX     20
#define QUIC_PACKET_MAX  16384 /* larger Initials are not decrypted */
#define QUIC_TOKEN_MAX   2048
#define QUIC_CRYPTO_MAX  (CLASSIFY_HELLO_MAX + 4)
#define QUIC_TAG_LEN     16
#define QUIC_MAX_PACKETS 16 /* Initial packets looked at per flow */

struct quic_keyset {
	bool valid;
	uint32_t version;
	uint8_t dcid_len;
	uint8_t dcid[QUIC_CID_MAX];
	struct quic_keys keys;
};

struct quic_state {
	enum classify_status status;
	unsigned packets;
	size_t prefix;                 /* contiguous CRYPTO bytes from offset 0 */
	struct quic_keyset keysets[2]; /* [0]: first DCID seen (the original), [1]: latest other */
	struct tls_hello_info hello;
	uint8_t have[QUIC_CRYPTO_MAX / 8 + 1]; /* one bit per CRYPTO byte received */
	uint8_t crypto[QUIC_CRYPTO_MAX];
};

struct quic_state *
classify_quic_state_new(void)
{
	struct quic_state *state = calloc(1, sizeof(*state));

	if (state != NULL)
		state->status = CLASSIFY_NOT_THIS;
	return state;
}

void
classify_quic_state_free(struct quic_state *state)
{
	if (state == NULL)
		return;
	OPENSSL_cleanse(state->keysets, sizeof(state->keysets));
	free(state);
}

static bool
quic_is_initial(uint32_t version, uint8_t first)
{
	unsigned type = (first >> 4) & 3;

	return version == QUIC_V2 ? type == 1 : type == 0;
}

static int
quic_aes_ecb(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, r = -EIO;

	if (ctx == NULL)
		return -ENOMEM;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_EncryptUpdate(ctx, out, &n, in, 16) == 1 && n == 16)
		r = 0;
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

/* AES-128-GCM open in place; 0 only when the tag verifies. */
static int
quic_aead_open(const struct quic_keys *keys, uint64_t pn, const uint8_t *aad, size_t aad_len,
               uint8_t *payload, size_t len)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t nonce[12];
	int n = 0, r = -EBADMSG;
	size_t i;

	if (len < QUIC_TAG_LEN)
		return -EBADMSG;
	memcpy(nonce, keys->iv, sizeof(nonce));
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return -ENOMEM;
	if (EVP_DecryptInit_ex(ctx, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, keys->key, nonce) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, payload, &n, payload, (int)(len - QUIC_TAG_LEN)) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN,
	                        payload + len - QUIC_TAG_LEN) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, payload + n, &n) == 1)
		r = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

static void
quic_crypto_store(struct quic_state *state, uint64_t off, const uint8_t *data, size_t len)
{
	size_t i, n;

	if (off >= QUIC_CRYPTO_MAX)
		return;
	n = (size_t)MIN((uint64_t)len, QUIC_CRYPTO_MAX - off);
	memcpy(state->crypto + off, data, n);
	for (i = (size_t)off; i < (size_t)off + n; i++)
		state->have[i / 8] |= (uint8_t)(1u << (i % 8));
	while (state->prefix < QUIC_CRYPTO_MAX &&
	       (state->have[state->prefix / 8] & (1u << (state->prefix % 8))))
		state->prefix++;
}

/* The frames of one decrypted Initial; false when they are malformed. */
static bool
quic_parse_frames(struct quic_state *state, uint32_t version, const uint8_t *p, size_t len)
{
	/* Google's T05x numbers its CRYPTO frame 0x08. */
	uint64_t crypto_type = (version >> 8) == 0x543035u ? 0x08 : 0x06;

	struct reader rd = reader_init(p, len);

	while (!rd.bad && reader_left(&rd) > 0) {
		uint64_t type = reader_varint(&rd), n, i, off;
		const uint8_t *data;

		if (type == crypto_type) {
			off = reader_varint(&rd);
			n = reader_varint(&rd);
			if (rd.bad || n > reader_left(&rd))
				return false;
			data = reader_bytes(&rd, (size_t)n);
			quic_crypto_store(state, off, data, (size_t)n);
			continue;
		}
		switch (type) {
		case 0x00: /* PADDING */
		case 0x01: /* PING */
			break;
		case 0x02:                  /* ACK */
		case 0x03:                  /* ACK with ECN counts */
			reader_varint(&rd); /* largest acknowledged */
			reader_varint(&rd); /* delay */
			n = reader_varint(&rd);
			reader_varint(&rd); /* first range */
			for (i = 0; i < n && !rd.bad; i++) {
				reader_varint(&rd);
				reader_varint(&rd);
			}
			if (type == 0x03) {
				reader_varint(&rd);
				reader_varint(&rd);
				reader_varint(&rd);
			}
			break;
		case 0x1c: /* CONNECTION_CLOSE: nothing after it matters */
			return true;
		default: /* no other frame is allowed in an Initial packet */
			return false;
		}
	}
	return !rd.bad;
}

static const struct quic_keys *
quic_keyset_get(struct quic_state *state, unsigned slot, uint32_t version, const uint8_t *dcid,
                size_t dcid_len)
{
	struct quic_keyset *ks = &state->keysets[slot];

	if (ks->valid && ks->version == version && ks->dcid_len == dcid_len &&
	    memcmp(ks->dcid, dcid, dcid_len) == 0)
		return &ks->keys;
	if (classify_quic_initial_keys(version, dcid, dcid_len, false, &ks->keys) < 0) {
		ks->valid = false;
		return NULL;
	}
	ks->valid = true;
	ks->version = version;
	ks->dcid_len = (uint8_t)dcid_len;
	memcpy(ks->dcid, dcid, dcid_len);
	return &ks->keys;
}

/*
 * Unprotect and decrypt one Initial packet (a copy in @pkt, @pkt_len bytes,
 * payload from @pn_off). 0, or negative errno.
 */
static int
quic_open_packet(const struct quic_keys *keys, uint8_t *pkt, size_t pkt_len, size_t pn_off,
                 uint8_t **ret_payload, size_t *ret_len)
{
	uint8_t mask[16];
	size_t pn_len, i;
	uint64_t pn = 0;
	int r;

	if (pn_off + 4 + 16 > pkt_len)
		return -EBADMSG;
	r = quic_aes_ecb(keys->hp, pkt + pn_off + 4, mask);
	if (r < 0)
		return r;
	pkt[0] ^= mask[0] & 0x0f;
	pn_len = (size_t)(pkt[0] & 3) + 1;
	for (i = 0; i < pn_len; i++) {
		pkt[pn_off + i] ^= mask[1 + i];
		pn = pn << 8 | pkt[pn_off + i];
	}
	r = quic_aead_open(keys, pn, pkt, pn_off + pn_len, pkt + pn_off + pn_len,
	                   pkt_len - pn_off - pn_len);
	if (r == 0) {
		*ret_payload = pkt + pn_off + pn_len;
		*ret_len = pkt_len - pn_off - pn_len - QUIC_TAG_LEN;
	}
	return r;
}

/* Try the original DCID's keys, then this packet's own DCID (RFC 9001 §5.2 vs. odd clients). */
static int
quic_decrypt_initial(struct quic_state *state, uint32_t version, const uint8_t *pkt, size_t pkt_len,
                     const uint8_t *dcid, size_t dcid_len, size_t pn_off)
{
	uint8_t copy[QUIC_PACKET_MAX];
	const struct quic_keys *keys;
	uint8_t *payload;
	size_t len;
	unsigned slot;
	int r = -EBADMSG;

	if (pkt_len > sizeof(copy))
		return -EMSGSIZE;
	if (!state->keysets[0].valid)
		quic_keyset_get(state, 0, version, dcid, dcid_len);
	for (slot = 0; slot < 2; slot++) {
		const struct quic_keyset *ks = &state->keysets[0];

		if (slot == 0)
			keys = ks->valid && ks->version == version ? &ks->keys : NULL;
		else if (ks->valid && ks->dcid_len == dcid_len &&
		         memcmp(ks->dcid, dcid, dcid_len) == 0)
			keys = NULL; /* same keys as slot 0: already failed */
		else
			keys = quic_keyset_get(state, 1, version, dcid, dcid_len);
		if (keys == NULL)
			continue;
		memcpy(copy, pkt, pkt_len);
		r = quic_open_packet(keys, copy, pkt_len, pn_off, &payload, &len);
		if (r == 0) {
			r = quic_parse_frames(state, version, payload, len) ? 0 : -EBADMSG;
			break;
		}
	}
	OPENSSL_cleanse(copy, sizeof(copy));
	return r;
}

/*
 * One long-header packet at the start of @rd. Advances past it (coalesced
 * packets follow). 1 when an Initial was decrypted, 0 when skipped, negative
 * when the bytes are not QUIC.
 */
static int
quic_packet(struct quic_state *state, struct reader *rd)
{
	size_t start = rd->off, pn_off, end;
	uint8_t first = reader_u8(rd);
	uint32_t version = reader_u32(rd);
	uint8_t dcid_len = reader_u8(rd);
	const uint8_t *dcid = reader_bytes(rd, dcid_len);
	uint64_t token_len, length;
	int r;

	reader_bytes(rd, reader_u8(rd)); /* SCID */
	if (rd->bad || !(first & 0x80) || !(first & 0x40) || dcid_len > QUIC_CID_MAX ||
	    version == 0)
		return -EPROTO;
	if (!quic_is_initial(version, first)) {
		/* 0-RTT / Handshake: skip by Length; Retry has no Length and ends the datagram. */
		if (((first >> 4) & 3) == (version == QUIC_V2 ? 0 : 3)) {
			rd->off = rd->len;
			return 0;
		}
		length = reader_varint(rd);
		if (rd->bad || length > reader_left(rd))
			return -EPROTO;
		reader_bytes(rd, (size_t)length);
		return 0;
	}
	token_len = reader_varint(rd);
	if (rd->bad || token_len > QUIC_TOKEN_MAX)
		return -EPROTO;
	reader_bytes(rd, (size_t)token_len);
	length = reader_varint(rd);
	if (rd->bad || length > reader_left(rd))
		return -EPROTO;
	pn_off = rd->off - start;
	end = rd->off + (size_t)length;
	rd->off = end;
	r = quic_decrypt_initial(state, version, rd->p + start, end - start, dcid, dcid_len,
	                         pn_off);
	return r < 0 ? r : 1;
}

/* gQUIC Q043-Q046: the CHLO is plaintext; its SNI tag holds the name. */
static enum classify_status
quic_gquic_chlo(const uint8_t *p, size_t len, struct tls_hello_info *ret)
{
	static const uint8_t chlo[4] = { 'C', 'H', 'L', 'O' };
	const uint8_t *m = memmem(p, MIN(len, (size_t)1500), chlo, sizeof(chlo));
	struct reader rd;
	size_t ntags, i, values, prev = 0;

	if (m == NULL)
		return CLASSIFY_NOT_THIS;
	rd = reader_init(m + 4, len - (size_t)(m + 4 - p));
	ntags = reader_u8(&rd) | (size_t)reader_u8(&rd) << 8;
	reader_u16(&rd);
	if (rd.bad || ntags > 64)
		return CLASSIFY_NOT_THIS;
	values = rd.off + ntags * 8;
	for (i = 0; i < ntags && !rd.bad; i++) {
		const uint8_t *tag = reader_bytes(&rd, 4);
		const uint8_t *e = reader_bytes(&rd, 4);
		size_t end;

		if (tag == NULL || e == NULL)
			break;
		end = (size_t)e[0] | (size_t)e[1] << 8 | (size_t)e[2] << 16 | (size_t)e[3] << 24;
		if (end < prev || values + end > rd.len)
			break;
		if (memcmp(tag, "SNI\0", 4) == 0)
			classify_copy_hostname(ret->sni, sizeof(ret->sni), rd.p + values + prev,
			                       end - prev);
		else if (memcmp(tag, "VER\0", 4) == 0 && end - prev == 4)
			ret->version =
			        (uint16_t)(rd.p[values + prev + 2] << 8 | rd.p[values + prev + 3]);
		prev = end;
	}
	return CLASSIFY_DONE;
}

static bool
quic_is_gquic_plain(const uint8_t *p, size_t len)
{
	/* Long header, version "Q04x": Q050 and later use IETF Initial protection. */
	return len > 5 && (p[0] & 0x80) && p[1] == 'Q' && p[2] == '0' && p[3] == '4';
}

/* After CRYPTO bytes arrived: is the ClientHello complete? */
static enum classify_status
quic_hello_status(struct quic_state *state, struct tls_hello_info *ret)
{
	state->status = CLASSIFY_NEED_MORE;
	if (state->prefix >= 4) {
		size_t need = 4 + ((size_t)state->crypto[1] << 16 | (size_t)state->crypto[2] << 8 |
		                   state->crypto[3]);

		if (state->crypto[0] != 1 || need > QUIC_CRYPTO_MAX)
			state->status = CLASSIFY_NOT_THIS;
		else if (state->prefix >= need)
			state->status =
			        classify_tls_parse_hello_msg(state->crypto, need, &state->hello);
	}
	if (state->status == CLASSIFY_DONE)
		*ret = state->hello;
	return state->status;
}

enum classify_status
classify_quic_initial(struct quic_state *state, const uint8_t *udp_payload, size_t len,
                      struct tls_hello_info *ret)
{
	struct reader rd = reader_init(udp_payload, len);
	bool decrypted = false;

	memset(ret, 0, sizeof(*ret));
	if (state->status == CLASSIFY_DONE) {
		*ret = state->hello;
		return CLASSIFY_DONE;
	}
	if (state->packets >= QUIC_MAX_PACKETS)
		return state->status;
	if (quic_is_gquic_plain(udp_payload, len)) {
		state->packets++;
		state->status = quic_gquic_chlo(udp_payload, len, &state->hello);
		*ret = state->hello;
		return state->status;
	}
	while (reader_left(&rd) > 0 && (rd.p[rd.off] & 0x80)) {
		int r = quic_packet(state, &rd);

		if (r < 0)
			break;
		if (r > 0) {
			decrypted = true;
			state->packets++;
		}
	}
	if (!decrypted)
		return state->status;
	return quic_hello_status(state, ret);
}

enum classify_status
classify_quic_frames(struct quic_state *state, uint32_t version, const uint8_t *frames, size_t len,
                     struct tls_hello_info *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (state->status == CLASSIFY_DONE) {
		*ret = state->hello;
		return CLASSIFY_DONE;
	}
	if (!quic_parse_frames(state, version, frames, len))
		return state->status;
	return quic_hello_status(state, ret);
}
