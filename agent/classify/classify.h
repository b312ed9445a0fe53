/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CLASSIFY_H
#define PHIGUARD_CLASSIFY_H

/*
 * Application-protocol detection and field extraction at a flow's first
 * packets: TLS ClientHello (SNI, ALPN, ECH), QUIC Initial (decrypted per
 * RFC 9001), HTTP/1.x requests, DNS answers, and wire fingerprints. Pure
 * parsers over borrowed bytes; every length is checked. Which app a name or
 * address belongs to is the policy's business (policy_classify()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum classify_status {
	CLASSIFY_NOT_THIS = -1, /* these bytes are not this protocol (or are malformed) */
	CLASSIFY_NEED_MORE = 0, /* looks like it, but the message is not complete yet */
	CLASSIFY_DONE = 1,      /* parsed; the info struct is filled */
};

struct tls_hello_info {
	char sni[256];    /* server_name, lower case; "" when absent */
	char alpn[64];    /* first ALPN protocol; "" when absent */
	bool ech;         /* encrypted_client_hello extension present */
	uint16_t version; /* highest offered (supported_versions, else legacy) */
};

/*
 * @data is the client-to-server byte stream from its first byte (the caller
 * reassembles TCP), so a ClientHello spanning segments parses once complete.
 */
enum classify_status classify_tls_client_hello(const uint8_t *data, size_t len,
                                               struct tls_hello_info *ret);

/* QUIC Initial: per-flow state that reassembles CRYPTO frames across packets. */
struct quic_state;
struct quic_state *classify_quic_state_new(void);
void classify_quic_state_free(struct quic_state *state);
/* One client UDP datagram (may hold coalesced packets). */
enum classify_status classify_quic_initial(struct quic_state *state, const uint8_t *udp_payload,
                                           size_t len, struct tls_hello_info *ret);

/* A request body's Content-Encoding (RFC 9110 8.4). */
enum http_content_coding {
	HTTP_CODING_IDENTITY = 0, /* absent, or "identity" */
	HTTP_CODING_GZIP,         /* "gzip", "x-gzip" */
	HTTP_CODING_DEFLATE,      /* "deflate": zlib format (RFC 1950) */
	HTTP_CODING_OTHER,        /* br, zstd, a list of codings: not decoded */
};

struct http_request_info {
	char method[16];
	char host[256];         /* lower case, port removed */
	int64_t content_length; /* -1 when absent */
	bool chunked;
	uint8_t content_coding; /* enum http_content_coding */
	bool websocket;         /* Upgrade: websocket (RFC 6455 4.1) */
	size_t header_len;      /* bytes up to and including the blank line */
};

/* A request head longer than this is not parsed. */
#define CLASSIFY_HTTP_HEAD_MAX 16384

enum classify_status classify_http_request(const uint8_t *data, size_t len,
                                           struct http_request_info *ret);
/*
 * One header line of a request head (@len bytes, without its line end):
 * Host, Content-Length (-1 when not a number), Transfer-Encoding,
 * Content-Encoding and Upgrade into @ret, the last of each winning; other
 * lines leave @ret as it is.
 */
void classify_http_header(const uint8_t *line, size_t len, struct http_request_info *ret);

/*
 * The first line a mail client sends (EHLO, HELO or LHLO with its name):
 * CLASSIFY_DONE once the whole line is there.
 */
enum classify_status classify_smtp_greeting(const uint8_t *data, size_t len);

enum classify_smtp_command {
	CLASSIFY_SMTP_OTHER,
	CLASSIFY_SMTP_STARTTLS, /* what follows is TLS */
	CLASSIFY_SMTP_MAIL,     /* a mail transaction starts, in the clear */
	CLASSIFY_SMTP_DATA,     /* the message follows, up to <CRLF>.<CRLF> */
	CLASSIFY_SMTP_BDAT,     /* a chunk of the message follows, by length (RFC 3030) */
	CLASSIFY_SMTP_RSET,     /* the transaction is abandoned */
};

/* One client command line (without its LF). */
enum classify_smtp_command classify_smtp_command(const uint8_t *line, size_t len);

/* One address learned from a DNS response: @name is the name the client asked for. */
typedef void classify_dns_answer_fn(const char *name, int family, const uint8_t *addr, uint32_t ttl,
                                    void *ctx);
/* Parse a DNS response (UDP payload; for TCP strip the 2-byte length first). */
enum classify_status classify_dns_response(const uint8_t *payload, size_t len,
                                           classify_dns_answer_fn *cb, void *ctx);

/*
 * The first question's name of a DNS message (query or response), lower
 * case, into @ret_name (@size bytes): the name a look-up flow is about.
 */
enum classify_status classify_dns_query(const uint8_t *payload, size_t len, char *ret_name,
                                        size_t size);

/* Bounded IP -> name cache with TTLs (one per worker). */
struct dns_cache;
struct dns_cache *classify_dns_cache_new(uint32_t max_entries);
void classify_dns_cache_free(struct dns_cache *cache);
void classify_dns_cache_insert(struct dns_cache *cache, int family, const uint8_t *addr,
                               const char *name, int64_t expires_us);
/* The name, borrowed until the next insert; NULL when unknown or expired. */
const char *classify_dns_cache_lookup(struct dns_cache *cache, int family, const uint8_t *addr,
                                      int64_t now_us);

/*
 * Wire fingerprints of apps' own protocols (WhatsApp's Noise prologue on
 * 5222/443/80, STUN attributes of calls, Discord voice discovery, ...).
 * Returns a fingerprint name the policy maps to an app or NULL. Names:
 * "whatsapp-noise", "whatsapp-stun", "discord-voice", "telegram-udp",
 * "telegram-mtproto", "viber-native", "viber-stun", "signal-stun",
 * "telegram-stun", "messenger-stun", "teams-stun".
 *
 * TCP: @payload is the client stream from its first byte (the reassembly
 * buffer, as for TLS), since WhatsApp sends "ED\0\1" alone in the first
 * segment; call again as it grows. UDP: call with each of a flow's first
 * datagrams, both directions (a call's STUN realm may first appear in the
 * server's answer), with @dst_port the datagram's destination port; the
 * first non-NULL answer holds for the flow (8 datagrams are plenty on the
 * reference captures).
 */
const char *classify_fingerprint(const uint8_t *payload, size_t len, uint8_t ip_proto,
                                 uint16_t dst_port);

/*
 * True when @payload (no fingerprint yet) is STUN/TURN: calls often name
 * their app only in a later message (the REALM after a 401, the server's
 * answer), so a caller that can afford it holds the flow's decision for a
 * few more datagrams, both directions, before deciding without an app.
 */
bool classify_fingerprint_pending(const uint8_t *payload, size_t len, uint8_t ip_proto);

#endif
