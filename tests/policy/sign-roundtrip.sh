#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Signing round trip (TAP): keygen, sign, verify; a flipped byte in the policy
# or in the signature, or the wrong key, is refused with a clear message.
set -u
: "${PHIGUARD:?}"
: "${PHIGUARD_SOURCE_ROOT:?}"
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 2

check() { # description, wanted exit code, wanted text (grep -F), command...
	desc=$1 want_rc=$2 want_text=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want_rc" ] && printf '%s' "$out" | grep -qF -- "$want_text"; then
		echo "ok $n - $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n - $desc"
		echo "# exit $rc (want $want_rc), want text '$want_text'"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

# flip the lowest bit of the byte at offset $2 of file $1
flip() {
	v=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((v ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

cp "$PHIGUARD_SOURCE_ROOT/policy/default.yaml" policy.yaml
check "keygen" 0 "public key" "$PHIGUARD" policy keygen signer.pem
check "keygen never overwrites a key" 2 "File exists" "$PHIGUARD" policy keygen signer.pem
check "sign" 0 "signed" "$PHIGUARD" policy sign --key signer.pem policy.yaml
check "verify" 0 "signature OK" "$PHIGUARD" policy verify --pubkey signer.pub.pem policy.yaml
check "a signed policy verifies with the public key only" 0 "signature OK" \
	"$PHIGUARD" policy verify --pubkey signer.pub.pem --signature policy.yaml.sig policy.yaml

cp policy.yaml changed.yaml
cp policy.yaml.sig changed.yaml.sig
flip changed.yaml 200
check "a flipped byte in the policy is refused" 1 "signature check failed" \
	"$PHIGUARD" policy verify --pubkey signer.pub.pem changed.yaml

# A flipped bit in the signature itself (decoded, flipped, encoded again).
cp policy.yaml resigned.yaml
base64 -d policy.yaml.sig >sig.raw
flip sig.raw 10
base64 -w0 sig.raw >resigned.yaml.sig
check "a flipped byte in the signature is refused" 1 "signature check failed" \
	"$PHIGUARD" policy verify --pubkey signer.pub.pem resigned.yaml

# A flipped byte in the signature file's text: refused either way.
cp policy.yaml retyped.yaml
cp policy.yaml.sig retyped.yaml.sig
flip retyped.yaml.sig 10
check "a flipped byte in the signature file is refused" 1 "signature" \
	"$PHIGUARD" policy verify --pubkey signer.pub.pem retyped.yaml

cp policy.yaml.sig damaged.sig
printf 'not a signature\n' >damaged.sig
check "a damaged signature file is named" 1 "not a policy signature" \
	"$PHIGUARD" policy verify --pubkey signer.pub.pem --signature damaged.sig policy.yaml

"$PHIGUARD" policy keygen other.pem >/dev/null 2>&1
check "another key is refused" 1 "not trusted" \
	"$PHIGUARD" policy verify --pubkey other.pub.pem policy.yaml
check "either of two trusted keys will do" 0 "signature OK" \
	"$PHIGUARD" policy verify --pubkey other.pub.pem --pubkey signer.pub.pem policy.yaml
check "a private key is not a public key" 2 "not a PEM public key" \
	"$PHIGUARD" policy verify --pubkey signer.pem policy.yaml

printf 'version: "1"\nrules: [{name: a, action: deny}]\n' >broken.yaml
check "sign refuses a policy that does not load" 1 "broken.yaml:2:" \
	"$PHIGUARD" policy sign --key signer.pem broken.yaml
check "missing signature is an error" 2 "cannot open" \
	"$PHIGUARD" policy verify --pubkey signer.pub.pem broken.yaml

echo "1..$n"
[ "$failed" -eq 0 ]
