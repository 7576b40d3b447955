#!/bin/sh
# generate.sh — rebuilds the fixtures of `pkienroll inspect` (pki/inspect*_test.go,
# cmd/pkienroll/inspect_test.go) with openssl alone. Run it from anywhere;
# $OPENSSL picks the binary (OpenSSL 3.0 or later: -crl_lastupdate).
#
# Every input is fixed so the inspect golden files stay valid: all dates are
# given explicitly (the tests pin "now" to 2025-06-01T12:00:00Z), serials come
# from a serial file, and the keys are generated only when missing, so they
# are kept once committed. With the same keys, everything signed by the RSA
# CA comes out byte for byte the same (RSA PKCS#1 v1.5 signatures are
# deterministic). Only the encrypted keys (random salt and IV) change from run
# to run, and inspect shows nothing of those bytes but the cipher.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
openssl=${OPENSSL:-openssl}
umask 022
cd "$here"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Keys: made once, then kept (delete them to start over, then run
# `go test ./cmd/pkienroll -run Inspect -update`).
[ -f ca.key ] || "$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key
# proxy.key is PKCS#1 ("RSA PRIVATE KEY"), as OpenSSL 1.x wrote keys.
if [ ! -f proxy.key ]; then
	"$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/proxy.key"
	"$openssl" rsa -in "$work/proxy.key" -traditional -out proxy.key 2>/dev/null
fi
# ecparam writes an "EC PARAMETERS" block before the SEC 1 "EC PRIVATE KEY".
[ -f ec.key ] || "$openssl" ecparam -name prime256v1 -genkey -out ec.key
[ -f ed25519.key ] || "$openssl" genpkey -algorithm ED25519 -out ed25519.key

# Derived key files.
"$openssl" pkey -in proxy.key -out proxy-pkcs8.key
"$openssl" pkey -in ec.key -pubout -out ec.pub
"$openssl" pkey -in proxy.key -outform DER -out proxy.key.der
"$openssl" pkcs8 -topk8 -v2 aes-256-cbc -in proxy.key -passout pass:fixture -out proxy-pkcs8-encrypted.key
"$openssl" rsa -in proxy.key -aes256 -traditional -passout pass:fixture -out proxy-legacy-encrypted.key 2>/dev/null

cat >"$work/openssl.cnf" <<CNF
[ ca ]
default_ca = CA_default

[ CA_default ]
dir              = $work
database         = \$dir/index.txt
serial           = \$dir/serial.txt
crlnumber        = \$dir/crlnumber.txt
new_certs_dir    = \$dir
certificate      = $here/ca.pem
private_key      = $here/ca.key
default_md       = sha256
policy           = policy_anything
unique_subject   = no
copy_extensions  = none
email_in_dn      = yes

[ policy_anything ]
countryName            = optional
organizationName       = optional
commonName             = supplied

[ v3_ca ]
basicConstraints       = critical,CA:true
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_proxy ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = critical,serverAuth,clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer:always
subjectAltName         = DNS:proxy.example.com,IP:192.0.2.10
authorityInfoAccess    = caIssuers;URI:http://engine.example.com/ca.pem

[ v3_ec ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = DNS:ec.example.com

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ req ]
distinguished_name = req_dn
prompt             = no

[ req_dn ]
CN = unused: every request here is made with -subj
CNF

cnf=$work/openssl.cnf
: >"$work/index.txt"
echo "unique_subject = no" >"$work/index.txt.attr"
echo 1000 >"$work/serial.txt"
echo 1000 >"$work/crlnumber.txt"

# The CA: self-signed by `openssl ca` so that its dates are fixed too.
"$openssl" req -new -config "$cnf" -key ca.key -subj "/C=US/O=Example Inc./CN=engine.example.com.81108" -out "$work/ca.req"
"$openssl" ca -batch -notext -preserveDN -config "$cnf" -selfsign -keyfile ca.key -extensions v3_ca \
	-startdate 20240101000000Z -enddate 20440101000000Z -in "$work/ca.req" -out ca.pem 2>/dev/null

# The proxy's request asks for extensions (which a signer does not copy).
"$openssl" req -new -config "$cnf" -key proxy.key -subj "/C=US/O=Example Inc./CN=proxy.example.com" \
	-addext "subjectAltName=DNS:proxy.example.com,IP:192.0.2.10" \
	-addext "keyUsage=critical,digitalSignature,keyEncipherment" \
	-addext "extendedKeyUsage=serverAuth,clientAuth" \
	-addext "basicConstraints=CA:FALSE" \
	-out proxy.req
"$openssl" req -in proxy.req -outform DER -out proxy.req.der

# The proxy's certificate (serial 1001), valid at the pinned "now".
"$openssl" ca -batch -notext -preserveDN -config "$cnf" -extensions v3_proxy \
	-startdate 20240101000000Z -enddate 20290101000000Z -in proxy.req -out proxy.cer 2>/dev/null
"$openssl" x509 -in proxy.cer -outform DER -out proxy.cer.der
cat proxy.cer ca.pem >chain.pem

# An EC certificate (serial 1002) that expired before the pinned "now".
"$openssl" req -new -config "$cnf" -key ec.key -subj "/C=US/O=Example Inc./CN=ec.example.com" -out "$work/ec.req"
"$openssl" ca -batch -notext -preserveDN -config "$cnf" -extensions v3_ec \
	-startdate 20230101000000Z -enddate 20240601000000Z -in "$work/ec.req" -out ec.cer 2>/dev/null

# A CRL revoking 1002 for keyCompromise and 1003 without a reason: the
# index lines are written directly, as `openssl ca -revoke` would stamp the
# current time.
printf 'R\t20240601000000Z\t250115093000Z,keyCompromise\t1002\tunknown\t/C=US/O=Example Inc./CN=ec.example.com\n' >"$work/index.txt"
printf 'R\t20290101000000Z\t250301000000Z\t1003\tunknown\t/C=US/O=Example Inc./CN=old.example.com\n' >>"$work/index.txt"
"$openssl" ca -batch -gencrl -config "$cnf" -crlexts crl_ext \
	-crl_lastupdate 20250501000000Z -crl_nextupdate 20250630000000Z -out ca.crl 2>/dev/null
"$openssl" crl -in ca.crl -outform DER -out ca.crl.der
