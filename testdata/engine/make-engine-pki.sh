#!/bin/sh
# make-engine-pki.sh PKI_DIR
#
# Builds, with openssl alone, a PKI directory as the engine's pki-create-ca.sh
# and pki-enroll-request.sh leave it (DESIGN.md, "The PKI directory"): a CA
# made by `openssl req -x509`, serial.txt at 1000, an empty database.txt and
# its .attr, then one certificate, proxy1, signed by `openssl ca` (serial 1000).
# The directory must not exist; $OPENSSL picks the binary. The tests run it
# to check that pkienroll carries on in a directory openssl wrote.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 PKI_DIR" >&2
	exit 2
fi
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
openssl=${OPENSSL:-openssl}
umask 022

mkdir "$dir"
dir=$(cd "$dir" && pwd)
mkdir -m 0700 "$dir/private" "$dir/keys"
mkdir "$dir/certs" "$dir/requests"
sed "s|@PKI_DIR@|$dir|g" "$here/openssl.cnf" >"$dir/openssl.conf"

# genpkey rather than req -newkey: OpenSSL 3.0's req has no -quiet.
"$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/private/ca.pem"
chmod 0600 "$dir/private/ca.pem"
"$openssl" req -x509 -new -config "$dir/openssl.conf" -extensions v3_ca \
	-key "$dir/private/ca.pem" -out "$dir/ca.pem" \
	-subj "/C=US/O=Example Inc./CN=engine.example.com.81108" -days 7300 -sha256
"$openssl" x509 -in "$dir/ca.pem" -outform DER -out "$dir/certs/ca.der"
echo 1000 >"$dir/serial.txt"
: >"$dir/database.txt"
echo "unique_subject = no" >"$dir/database.txt.attr"

"$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/keys/proxy1.key"
chmod 0600 "$dir/keys/proxy1.key"
"$openssl" req -new -key "$dir/keys/proxy1.key" \
	-subj "/C=US/O=Example Inc./CN=proxy1.example.com" -out "$dir/requests/proxy1.req"
"$openssl" ca -batch -notext -preserveDN -config "$dir/openssl.conf" -extensions v3_leaf \
	-in "$dir/requests/proxy1.req" -out "$dir/certs/proxy1.cer"
