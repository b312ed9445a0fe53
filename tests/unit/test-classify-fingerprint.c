/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wire fingerprints over every flow of every capture: the apps' own
 * protocols are found where nDPI's expected results say they are, and
 * nowhere else (a false match could block clinical traffic).
 */
#include <netinet/in.h>
#include <string.h>

#include "classify-capture.h"
#include "classify/classify.h"
#include "tap.h"

struct fp_expect {
	const char *capture;
	const char *name;
	unsigned flows;
};

/* Counts from the captures' .ndpi.out files (flows labelled by the app's own protocol). */
static const struct fp_expect expected[] = {
	{ "whatsapp.pcap", "whatsapp-noise", 86 },
	{ "whatsapp_login_chat.pcap", "whatsapp-noise", 1 },
	{ "whatsapp_voice_and_message.pcap", "whatsapp-noise", 5 },
	{ "whatsapp_voice_and_message.pcap", "whatsapp-stun", 8 },
	{ "stun_wa_call.pcapng", "whatsapp-stun", 12 },
	{ "discord.pcap", "discord-voice", 33 },
	{ "telegram.pcap", "telegram-udp", 12 },
	{ "viber.pcap", "viber-native", 7 },
	{ "viber.pcap", "viber-stun", 1 },
	{ "teams.pcap", "teams-stun", 12 },
	{ "skype-conference-call.pcap", "teams-stun", 1 },
};

static const char *const captures[] = {
	"discord.pcap",
	"dns.pcap",
	"dns_ambiguous_names.pcap",
	"http.pcapng",
	"line.pcap",
	"quic-23.pcap",
	"quic-27.pcap",
	"quic-29.pcap",
	"quic-mvfst-27.pcapng",
	"quic-v2.pcapng",
	"quic_0RTT.pcap",
	"quic_crypto_aes_auth_size.pcap",
	"quic_frags_ch_in_multiple_packets.pcapng",
	"quic_frags_different_dcid.pcapng",
	"quic_q46.pcap",
	"quic_t51.pcap",
	"signal.pcap",
	"sites.pcapng",
	"skype-conference-call.pcap",
	"snapchat.pcap",
	"snapchat_call.pcapng",
	"stun_wa_call.pcapng",
	"teams.pcap",
	"telegram.pcap",
	"tls_1.3_unidirectional_client.pcapng",
	"tls_2_reasms.pcapng",
	"tls_ech.pcapng",
	"tls_esni_sni_both.pcap",
	"viber.pcap",
	"wechat.pcap",
	"whatsapp.pcap",
	"whatsapp_login_chat.pcap",
	"whatsapp_voice_and_message.pcap",
	"whatsappfiles.pcap",
};

/* The first fingerprint of a flow: its client stream (TCP) or one of its first datagrams. */
static const char *
flow_fingerprint(const struct cap_flow *f)
{
	const char *name = NULL;

	if (f->ip_proto == IPPROTO_TCP)
		return classify_fingerprint(f->stream, f->stream_len, IPPROTO_TCP, f->sport);
	for (size_t j = 0; j < f->n_dgrams && name == NULL; j++)
		name = classify_fingerprint(f->dgrams[j].data, f->dgrams[j].len, IPPROTO_UDP,
		                            f->dgrams[j].from_client ? f->sport : f->cport);
	return name;
}

static void
check_capture(const char *capture)
{
	char path[4096];
	struct cap_flows fl;
	struct {
		const char *name;
		unsigned n;
	} got[8];
	size_t n_got = 0, i, k;

	if (cap_path(path, sizeof(path), capture) == NULL || cap_read(path, &fl) < 0) {
		tap_ok(true, "# SKIP %s not available", capture);
		return;
	}
	for (i = 0; i < fl.n; i++) {
		const char *name = flow_fingerprint(&fl.flows[i]);

		if (name == NULL)
			continue;
		for (k = 0; k < n_got && strcmp(got[k].name, name) != 0; k++)
			;
		if (k == n_got && n_got < 8)
			got[n_got++] = (typeof(got[0])){ name, 0 };
		if (k < 8)
			got[k].n++;
	}
	for (k = 0; k < sizeof(expected) / sizeof(expected[0]); k++) {
		unsigned n = 0;

		if (strcmp(expected[k].capture, capture) != 0)
			continue;
		for (i = 0; i < n_got; i++)
			n += strcmp(got[i].name, expected[k].name) == 0 ? got[i].n : 0;
		tap_eq_int(n, expected[k].flows, "%s: %s flows", capture, expected[k].name);
	}
	for (i = 0; i < n_got; i++) {
		bool listed = false;

		for (k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
			listed |= strcmp(expected[k].capture, capture) == 0 &&
			          strcmp(expected[k].name, got[i].name) == 0;
		tap_ok(listed, "%s: no unexpected '%s' (%u flows)", capture, got[i].name, got[i].n);
	}
	if (n_got == 0)
		tap_ok(true, "%s: no fingerprint where none is expected", capture);
	cap_free(&fl);
}

static void
check_synthetic(void)
{
	static const uint8_t tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc };
	static const uint8_t wa_old[] = { 'W', 'A', 1, 5, 0, 0, 0x17, 0xf8 };
	static const uint8_t wa_edge[] = { 'E', 'D', 0, 1, 0, 0, 4, 8, 9, 8, 2, 'W', 'A', 5, 2 };
	static const uint8_t wa_cut[] = { 'E', 'D', 0, 1 };
	/* A standard ICE check: USERNAME + MESSAGE-INTEGRITY is not WhatsApp. */
	uint8_t ice[20 + 12 + 24] = { 0x00, 0x01, 0x00, 36, 0x21, 0x12, 0xa4, 0x42 };
	uint8_t discord[74] = { 0x00, 0x01, 0x00, 0x46 };

	tap_ok(classify_fingerprint(tls, sizeof(tls), IPPROTO_TCP, 5222) == NULL,
	       "TLS on 5222 is not WhatsApp's protocol");
	tap_eq_str(classify_fingerprint(wa_old, sizeof(wa_old), IPPROTO_TCP, 443), "whatsapp-noise",
	           "WA 1.5 prologue");
	tap_eq_str(classify_fingerprint(wa_edge, sizeof(wa_edge), IPPROTO_TCP, 5222),
	           "whatsapp-noise", "edge routing header then WA 5.2");
	tap_ok(classify_fingerprint(wa_edge, sizeof(wa_edge), IPPROTO_TCP, 8443) == NULL,
	       "WhatsApp prologue only on its ports");
	tap_eq_str(classify_fingerprint(wa_cut, sizeof(wa_cut), IPPROTO_TCP, 5222),
	           "whatsapp-noise", "the first segment's 4 bytes (ED 00 01) alone");
	tap_ok(classify_fingerprint(wa_cut, 3, IPPROTO_TCP, 5222) == NULL,
	       "3 bytes are not enough");
	{
		uint8_t bad[sizeof(wa_edge)];

		memcpy(bad, wa_edge, sizeof(bad));
		bad[11] = 'X';
		tap_ok(classify_fingerprint(bad, sizeof(bad), IPPROTO_TCP, 5222) == NULL,
		       "full header without the WA prologue is not WhatsApp");
	}
	ice[20] = 0x00, ice[21] = 0x06, ice[22] = 0x00, ice[23] = 8;
	ice[32] = 0x00, ice[33] = 0x08, ice[34] = 0x00, ice[35] = 20;
	tap_ok(classify_fingerprint(ice, sizeof(ice), IPPROTO_UDP, 3478) == NULL,
	       "standard ICE connectivity check is not attributed");
	tap_eq_str(classify_fingerprint(discord, sizeof(discord), IPPROTO_UDP, 50004),
	           "discord-voice", "Discord IP discovery");
	tap_ok(classify_fingerprint(discord, 73, IPPROTO_UDP, 50004) == NULL,
	       "IP discovery has exactly 74 bytes");
	tap_ok(classify_fingerprint(NULL, 0, IPPROTO_UDP, 1) == NULL, "empty payload");
	tap_ok(classify_fingerprint_pending(ice, sizeof(ice), IPPROTO_UDP),
	       "an anonymous STUN check asks for more packets");
	tap_ok(!classify_fingerprint_pending(discord, sizeof(discord), IPPROTO_UDP),
	       "not STUN: nothing to wait for");
	tap_ok(!classify_fingerprint_pending(ice, sizeof(ice), IPPROTO_TCP), "UDP only");
}

int
main(void)
{
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
		check_capture(captures[i]);
	check_synthetic();
	return tap_done();
}
