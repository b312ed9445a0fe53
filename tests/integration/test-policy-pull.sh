#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# HTTPS policy pull, end to end on real parts: a web server that demands a
# client certificate (mutual TLS) serves a signed bundle from one network
# namespace; the policy source in another namespace pulls it, verifies the
# Ed25519 signature against the pinned key, keeps it as the last good policy,
# revalidates with If-None-Match (304), refuses a tampered bundle while keeping
# the last good one across restarts, gets nowhere without a client
# certificate, and takes the next signed version.
set -u
. "$(dirname "$0")/lib-fleet.sh"

require_root
require_tools ip openssl tar /usr/bin/python3 sha256sum
pull=${PHIGUARD_BUILD_ROOT}/tests/integration/policy-pull
[ -x "$pull" ] || skip "policy-pull driver not built (libcurl missing)"

w=$(mktemp -d /tmp/phiguard-pull.XXXXXX)
srv=pgsrv$$
cli=pgcli$$
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
	ip netns del "$cli" 2>/dev/null
	rm -rf "$w"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step "namespaces, certificates, signing key"
ip netns add "$srv" && ip netns add "$cli" || fail "cannot create namespaces"
ip link add pg$$a netns "$srv" type veth peer name pg$$b netns "$cli" || fail "veth"
ip -n "$srv" addr add 10.200.77.1/24 dev pg$$a && ip -n "$srv" link set pg$$a up && ip -n "$srv" link set lo up
ip -n "$cli" addr add 10.200.77.2/24 dev pg$$b && ip -n "$cli" link set pg$$b up && ip -n "$cli" link set lo up
cd "$w" || fail "cd"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
		-keyout ca.key -out ca.pem
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=policy.test \
		-keyout server.key -out server.csr
	printf 'subjectAltName=IP:10.200.77.1,DNS:policy.test\n' >server.ext
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile server.ext -out server.pem
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=ward7-ws042 \
		-keyout client.key -out client.csr
	openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem
	openssl genpkey -algorithm ED25519 -out sign.key
	openssl pkey -in sign.key -pubout -out sign.pub
} >openssl.log 2>&1 || { cat openssl.log; fail "openssl setup"; }
mkdir -p www build state
ok "two namespaces, a test CA, server and client certificates, an Ed25519 signing key"

# make_bundle VERSION [tamper]
make_bundle() {
	printf 'version: "%s"\nrules: []\n' "$1" >build/estate.yaml
	openssl pkeyutl -sign -inkey sign.key -rawin -in build/estate.yaml -out build/estate.yaml.sig ||
		fail "signing"
	[ "${2:-}" = tamper ] && printf '# allow everything\n' >>build/estate.yaml
	tar -C build -cf www/estate.bundle.new estate.yaml estate.yaml.sig && mv www/estate.bundle.new www/estate.bundle
	sha256sum build/estate.yaml | cut -d' ' -f1
}
# run_pull [extra args]: one start of the policy source in the client namespace
run_pull() {
	ip netns exec "$cli" "$pull" --state "$w/state" --url https://10.200.77.1:8443/estate.bundle \
		--key-file "$w/sign.pub" --ca "$w/ca.pem" --cert "$w/client.pem" --key "$w/client.key" "$@"
}
field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p"; }

step "server"
: >requests.log
ip netns exec "$srv" /usr/bin/python3 "$PHIGUARD_SOURCE_ROOT/tests/integration/policy-server.py" \
	10.200.77.1 8443 www server.pem server.key ca.pem requests.log >server.out 2>&1 &
server_pid=$!
for _ in $(seq 50); do grep -q listening server.out && break; sleep 0.1; done
grep -q listening server.out || { cat server.out; fail "policy server did not start"; }
ok "HTTPS server requiring client certificates on 10.200.77.1:8443"

step "first pull: signed v1"
sha1=$(make_bundle 2026.11.1)
out=$(run_pull --commit)
echo "# $out"
[ "$(echo "$out" | field result)" = candidate ] || fail "v1 not offered: $out"
[ "$(echo "$out" | field signed)" = true ] || fail "v1 not marked signed"
[ "$(echo "$out" | field sha256)" = "$sha1" ] || fail "v1 hash differs from the file served"
ok "signed v1 pulled over mutual TLS and verified"
[ "$(tail -n 1 requests.log | field status)" = 200 ] || fail "server did not answer 200"
tail -n 1 requests.log | grep -q ward7-ws042 || fail "server did not see the client certificate"
ok "server saw the host's client certificate"
cmp -s state/policy/current.yaml build/estate.yaml || fail "last good policy not kept on disk"
[ "$(stat -c %a state/policy)" = 700 ] || fail "state directory not 0700"
ok "v1 kept as the last good policy (state/policy/current.yaml, 0700)"

step "revalidation"
out=$(run_pull)
[ "$(echo "$out" | field result)" = nothing ] || fail "unchanged bundle offered again: $out"
[ "$(tail -n 1 requests.log | field status)" = 304 ] || fail "no 304: $(tail -n 1 requests.log)"
tail -n 1 requests.log | grep -q '"if_none_match": "\\"' || fail "no If-None-Match sent"
ok "restart + pull: If-None-Match sent, 304, nothing new"

step "tampered bundle"
make_bundle 2026.11.2 tamper >/dev/null
out=$(run_pull)
echo "# $out"
[ "$(echo "$out" | field result)" = refused ] || fail "tampered bundle not refused: $out"
[ "$(echo "$out" | field refusal)" = bad-signature ] || fail "refusal reason: $out"
ok "tampered bundle refused: bad-signature"
out=$(run_pull --last-good)
[ "$(echo "$out" | field sha256)" = "$sha1" ] || fail "last good policy changed: $out"
ok "last good policy is still v1 after a restart"
out=$(run_pull)
[ "$(echo "$out" | field result)" = nothing ] || fail "tampered bundle reported twice: $out"
ok "the same tampered bundle is not reported again"

step "no client certificate"
n_before=$(wc -l <requests.log)
out=$(ip netns exec "$cli" "$pull" --state "$w/state" --url https://10.200.77.1:8443/estate.bundle \
	--key-file "$w/sign.pub" --ca "$w/ca.pem")
[ "$(echo "$out" | field result)" = error ] || fail "pull without a client certificate succeeded: $out"
[ "$(wc -l <requests.log)" = "$n_before" ] || fail "server served a request without a client certificate"
ok "without a client certificate the server refuses the handshake"

step "next signed version"
sha3=$(make_bundle 2026.11.3)
out=$(run_pull --commit)
[ "$(echo "$out" | field result)" = candidate ] && [ "$(echo "$out" | field sha256)" = "$sha3" ] ||
	fail "v3 not taken: $out"
out=$(run_pull --last-good)
[ "$(echo "$out" | field sha256)" = "$sha3" ] || fail "last good is not v3: $out"
ok "signed v3 taken and kept as the last good policy"
done_testing
