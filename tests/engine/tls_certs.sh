#!/bin/sh
# tests/engine/tls_certs.sh DIR - throw-away certificates for test_tls: a
# TLS proxy in front of the engine and clients that trust it or not.
#
# Makes, under DIR (which must exist):
#   ca.pem                        the CA the proxy trusts and that signed it
#   server.pem server-key.pem     the proxy: CN and subjectAltName 127.0.0.1
#   good/                         ca.pem (the CA), cert.pem + key.pem signed by it
#   wrong-ca/                     ca.pem of an unrelated CA, the good client pair:
#                                 the client cannot verify the proxy
#   foreign-client/               ca.pem (the CA), cert.pem + key.pem signed by
#                                 the unrelated CA: the proxy refuses the client
#   empty/                        no files: DOCKER_CERT_PATH at the wrong place
# Each client directory holds the file names docker reads from
# DOCKER_CERT_PATH.  Keys are EC P-256 (fast to make), valid for one day.
set -eu

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
        echo "usage: $0 DIR (an existing directory)" >&2
        exit 2
fi
cd "$1"
umask 077

# A self-contained configuration: the host's openssl.cnf adds nothing.
cat >openssl.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
EOF

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# ca NAME: NAME.pem and NAME-key.pem, self-signed.
ca()
{
        key "$1-key.pem"
        openssl req -config openssl.cnf -new -x509 -days 1 -key "$1-key.pem" \
                -subj "/CN=berth test $1" -extensions ca -out "$1.pem"
}

# leaf NAME CA SECTION SUBJECT: NAME.pem and NAME-key.pem signed by CA.
leaf()
{
        key "$1-key.pem"
        openssl req -config openssl.cnf -new -key "$1-key.pem" -subj "$4" -out "$1.csr"
        openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2-key.pem" \
                -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 1 \
                -extfile openssl.cnf -extensions "$3" -out "$1.pem" 2>/dev/null
        rm -f "$1.csr"
}

ca ca
ca other-ca
leaf server ca server /CN=127.0.0.1
leaf client ca client "/CN=berth test client"
leaf foreign other-ca client "/CN=berth test foreign client"

mkdir good wrong-ca foreign-client empty
cp ca.pem good/ca.pem
cp client.pem good/cert.pem
cp client-key.pem good/key.pem
cp other-ca.pem wrong-ca/ca.pem
cp client.pem wrong-ca/cert.pem
cp client-key.pem wrong-ca/key.pem
cp ca.pem foreign-client/ca.pem
cp foreign.pem foreign-client/cert.pem
cp foreign-key.pem foreign-client/key.pem
