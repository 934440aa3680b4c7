#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Generate the test PKI into DIR with the openssl CLI (EC P-256, fast):
#   ca.pem/ca.key            the cluster CA
#   server.pem/server.key    127.0.0.1, ::1, localhost, kubernetes.default.svc
#   other-ca.pem/other-ca.key  a CA that signed nothing (verification failures)
#   alice.pem/alice.key      CN=alice, O=system:masters
#   bob.pem/bob.key          CN=bob, O=devs
#   rogue.pem/rogue.key      CN=alice, O=system:masters, signed by other-ca
set -eu

dir=${1:?usage: certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
}

# ca NAME CN
ca() {
	key "$1"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -sha256 \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem" 2>/dev/null
}

# leaf NAME SUBJECT CA EXTFILE-CONTENT
leaf() {
	key "$1"
	openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
	printf '%s\n' "$4" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial \
		-days 3650 -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

client_ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

ca ca "fake-kubernetes-ca"
ca other-ca "unrelated-ca"
leaf server "/CN=kube-apiserver" ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes.default.svc"
leaf alice "/O=system:masters/CN=alice" ca "$client_ext"
leaf bob "/O=devs/CN=bob" ca "$client_ext"
leaf rogue "/O=system:masters/CN=alice" other-ca "$client_ext"
rm -f ./*.srl
