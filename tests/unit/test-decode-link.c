/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Link layers of captures: Ethernet with VLAN tags, Linux SLL/SLL2, raw IP, loopback. */
#include <errno.h>
#include <pcap/dlt.h>

#include "capture/capture.h"
#include "tap.h"

int
main(void)
{
	uint8_t f[128] = { 0 };
	struct capture_pkt p;

	/* Ethernet + 802.1ad + 802.1Q + IPv4 */
	f[12] = 0x88, f[13] = 0xa8, f[14] = 0x00, f[15] = 0x07;
	f[16] = 0x81, f[17] = 0x00, f[18] = 0x00, f[19] = 0x2a;
	f[20] = 0x08, f[21] = 0x00, f[22] = 0x45;
	tap_eq_int(capture_link_to_l3(DLT_EN10MB, f, 60, &p), 0, "ethernet with two tags");
	tap_ok(p.l3 == f + 22 && p.l3_len == 38, "l3 after the tags");
	tap_eq_int(p.vlan, 7, "outer vlan id");
	tap_eq_int(capture_link_to_l3(DLT_EN10MB, f, 18, &p), -EINVAL, "truncated tag");
	f[20] = 0x08, f[21] = 0x06;
	tap_eq_int(capture_link_to_l3(DLT_EN10MB, f, 60, &p), -EPROTONOSUPPORT, "ARP skipped");
	/* QinQ + PPPoE session carrying IPv4 (as in nDPI's dns.pcap) */
	memset(f, 0, sizeof(f));
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x01, f[15] = 0xa5;
	f[16] = 0x81, f[17] = 0x00, f[18] = 0x03, f[19] = 0x11;
	f[20] = 0x88, f[21] = 0x64, f[22] = 0x11, f[28] = 0x00, f[29] = 0x21, f[30] = 0x45;
	tap_eq_int(capture_link_to_l3(DLT_EN10MB, f, 90, &p), 0, "vlan + vlan + pppoe");
	tap_ok(p.l3 == f + 30, "l3 after the PPP protocol");
	tap_eq_int(p.vlan, 421, "outer vlan of the pppoe frame");
	f[29] = 0xc0;
	tap_eq_int(capture_link_to_l3(DLT_EN10MB, f, 90, &p), -EPROTONOSUPPORT, "PPP LCP skipped");
	tap_eq_int(capture_link_to_l3(DLT_EN10MB, f, 27, &p), -EINVAL, "truncated pppoe");
	for (int i = 0; i < 6; i++)
		f[12 + 4 * i] = 0x81, f[13 + 4 * i] = 0x00;
	tap_eq_int(capture_link_to_l3(DLT_EN10MB, f, 128, &p), -EINVAL, "endless tags refused");

	memset(f, 0, sizeof(f));
	f[14] = 0x86, f[15] = 0xdd, f[16] = 0x60;
	tap_eq_int(capture_link_to_l3(DLT_LINUX_SLL, f, 56, &p), 0, "linux cooked v1");
	tap_ok(p.l3 == f + 16, "sll header skipped");
	memset(f, 0, sizeof(f));
	f[0] = 0x08, f[1] = 0x00, f[20] = 0x45;
	tap_eq_int(capture_link_to_l3(276, f, 40, &p), 0, "linux cooked v2");
	tap_ok(p.l3 == f + 20, "sll2 header skipped");
	memset(f, 0, sizeof(f));
	f[4] = 0x45;
	tap_eq_int(capture_link_to_l3(DLT_NULL, f, 24, &p), 0, "BSD loopback");
	tap_eq_int(capture_link_to_l3(DLT_RAW, f + 4, 20, &p), 0, "raw IP");
	f[4] = 0x25;
	tap_eq_int(capture_link_to_l3(DLT_RAW, f + 4, 20, &p), -EPROTONOSUPPORT, "raw non-IP");
	tap_eq_int(capture_link_to_l3(DLT_RAW, f, 0, &p), -EINVAL, "empty frame");
	tap_eq_int(capture_link_to_l3(147, f, 20, &p), -EPROTONOSUPPORT, "unknown link type");
	return tap_done();
}
