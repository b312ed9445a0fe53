#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what phiguard needs to build, run and test on Debian 12.
set -eu
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (sudo)" >&2
	exit 2
fi
apt-get update
apt-get install -y --no-install-recommends \
	build-essential meson ninja-build pkg-config git ca-certificates \
	clang lld llvm libclang-rt-14-dev clang-format clang-tidy cppcheck \
	libvectorscan-dev libyaml-dev libssl-dev libnetfilter-queue-dev libmnl-dev \
	libpcap-dev zlib1g-dev libpcre2-dev libsystemd-dev libcap-ng-dev \
	iproute2 iptables nftables conntrack curl openssl dnsmasq-base tcpdump \
	rsyslog rsyslog-openssl rsyslog-relp \
	python3 python3-scapy python3-websockets \
	dpkg-dev debhelper fakeroot rpm \
	valgrind

# Further packages by area (one apt-get line per area; keep the markers).
# --- match ---
# --- policy ---
# --- pipeline ---
# --- classify ---
apt-get install -y --no-install-recommends python3-cryptography
# --- live agent ---
apt-get install -y --no-install-recommends iperf3 sockperf util-linux  # bench/live (iperf3, sockperf); setpriv for tests
apt-get install -y --no-install-recommends chromium-headless-shell  # a real browser over QUIC (test-live-browser.py)
# --- report ---
# --- fleet ---
apt-get install -y --no-install-recommends libcurl4-openssl-dev man-db
# --- end ---
