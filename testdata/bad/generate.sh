#!/bin/sh
# generate.sh — rebuilds the hostile-input corpus that
# cmd/pkienroll/hostile_test.go feeds to every command (README.md here lists
# each file, what it is, who reads it and the message expected) with openssl
# and printf, head, dd, od, grep. Run it from anywhere; $OPENSSL picks openssl.
#
# Deterministic where possible: the keys are generated only when missing and
# kept once committed, every certificate, request and CRL signed by an RSA key
# then comes out byte for byte the same (RSA PKCS#1 v1.5 signatures are
# deterministic, dates are given explicitly), and the "random" bytes come from
# AES-CTR under a fixed key. What openssl randomizes (the encrypted key's salt,
# the PKCS#12 bundles, the ECDSA signature of the P-224 request) is made only
# when missing, like the keys: delete a file to make it again.
#
# Files larger than a few KB are not committed: the test makes them at run
# time (a 70 KiB request, a 20 MiB file).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
openssl=${OPENSSL:-openssl}
umask 022
cd "$here"
export LC_ALL=C

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The secret marker: no error message may ever contain it.
marker=PKIENROLL-SECRET-MARKER-3f9c2e

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
x509_extensions  = v3_leaf

[ policy_anything ]
commonName             = supplied
countryName            = optional
organizationName       = optional

[ v3_leaf ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = serverAuth,clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_ca ]
basicConstraints       = critical,CA:true
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash

[ req ]
distinguished_name = req_dn
prompt             = no
string_mask        = utf8only

[ req_dn ]
CN = unused
CNF
cfg=$work/openssl.cnf

# cut_lines FILE N: the first N lines of FILE (a PEM cut short, no END line).
cut_lines() { head -n "$2" "$1"; }

# flip_at IN OUT OFFSET: copies the file IN to OUT with the byte at OFFSET
# changed (incremented).
flip_at() {
	off=$3
	cp "$1" "$2"
	orig=$(dd if="$1" bs=1 skip="$off" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
	new=$(( (orig + 1) % 256 ))
	printf "$(printf '\\%03o' "$new")" | dd of="$2" bs=1 seek="$off" conv=notrunc 2>/dev/null
}

# flip_byte IN OUT N: flip_at, N bytes before the end (inside the signature).
flip_byte() { flip_at "$1" "$2" $(($(wc -c <"$1") - $3)); }

# pem TYPE DERFILE: wraps DERFILE in a PEM block of TYPE.
pem() {
	printf -- '-----BEGIN %s-----\n' "$1"
	"$openssl" base64 -in "$2"
	printf -- '-----END %s-----\n' "$1"
}

# Keys: made once, then kept.
[ -f ca.key ] || "$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key
[ -f leaf.key ] || "$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf.key
[ -f rsa1024.key ] || "$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa1024.key
[ -f p224.key ] || "$openssl" genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-224 -out p224.key
[ -f ed25519.key ] || "$openssl" genpkey -quiet -algorithm ED25519 -out ed25519.key
[ -f dsa.key ] || {
	"$openssl" genpkey -quiet -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out "$work/dsa.param"
	"$openssl" genpkey -quiet -paramfile "$work/dsa.param" -out dsa.key
}

# --- Anything at all -------------------------------------------------------
: >empty.pem
printf '\n  \t\n\n' >whitespace.pem
"$openssl" enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
	-in /dev/zero 2>/dev/null | head -c 1024 >random.bin
head -c 256 /dev/zero >nul-bytes.bin
printf 'This is a plain text file, not a certificate.\nIt holds a secret that must never be printed: %s\nEnd of file.\n' "$marker" >text.txt
printf '%s\n' "$marker" >secret.txt
# A DER SEQUENCE header that promises 65535 bytes and holds 8.
printf '\060\202\377\377\001\002\003\004\005\006\007\010' >der-overlong.der
# BER indefinite lengths nested 64 deep: DER forbids them.
i=0; : >"$work/nest"; while [ $i -lt 64 ]; do printf '\060\200' >>"$work/nest"; i=$((i + 1)); done
cp "$work/nest" der-indefinite.der

# --- Certificates ------------------------------------------------------------
printf '4000\n' >"$work/serial.txt"
printf '1000\n' >"$work/crlnumber.txt"
: >"$work/index.txt"
# Self-signed through `openssl ca` for its fixed dates (`req -x509` has none in 3.0).
"$openssl" req -new -config "$cfg" -key ca.key -subj "/C=US/O=Hostile Corpus/CN=hostile-ca.example.com" -out "$work/ca.csr"
"$openssl" ca -batch -notext -preserveDN -selfsign -config "$cfg" -keyfile ca.key -extensions v3_ca \
	-startdate 20250101000000Z -enddate 20450101000000Z -in "$work/ca.csr" -out ca.pem 2>/dev/null
"$openssl" x509 -in ca.pem -outform DER -out "$work/ca.der"
"$openssl" req -new -config "$cfg" -key leaf.key -subj "/C=US/O=Hostile Corpus/CN=proxy.example.com" -out good.req
"$openssl" ca -batch -notext -preserveDN -config "$cfg" -startdate 20250101000000Z -enddate 20350101000000Z \
	-in good.req -out leaf.cer 2>/dev/null
"$openssl" x509 -in leaf.cer -outform DER -out "$work/leaf.der"

cut_lines ca.pem 8 >cert-truncated.pem
sed '$d' ca.pem >cert-no-end.pem
printf -- '-----BEGIN CERTIFICATE-----\nThis is not base64 at all !!! @@@ ###\n-----END CERTIFICATE-----\n' >cert-bad-base64.pem
pem CERTIFICATE random.bin >cert-bad-der.pem
head -c 300 "$work/ca.der" >cert-truncated.der
{ cat "$work/ca.der"; printf 'trailing garbage'; } >cert-trailing.der
flip_byte "$work/leaf.der" "$work/leaf-tampered.der" 20
pem CERTIFICATE "$work/leaf-tampered.der" >cert-tampered.pem
"$openssl" crl2pkcs7 -nocrl -certfile ca.pem -out pkcs7.pem
"$openssl" pkey -in leaf.key -pubout -out public-key.pem

# --- Requests ------------------------------------------------------------------
"$openssl" req -new -config "$cfg" -key leaf.key -subj "/C=US/O=Hostile Corpus/CN=proxy.example.com" \
	-outform DER -out "$work/good.der"
cut_lines good.req 6 >req-truncated.pem
printf -- '-----BEGIN CERTIFICATE REQUEST-----\n%%%%%% not base64 %%%%%%\n-----END CERTIFICATE REQUEST-----\n' >req-bad-base64.pem
pem "CERTIFICATE REQUEST" "$work/ca.der" >req-cert-inside.pem
flip_byte "$work/good.der" "$work/req-sig.der" 10
pem "CERTIFICATE REQUEST" "$work/req-sig.der" >req-tampered-signature.req
# The CN is in the signed part: change one letter of it in the DER.
at=$(grep -obUa 'proxy.example' "$work/good.der" | head -n 1 | cut -d: -f1)
flip_at "$work/good.der" "$work/req-subj.der" $((at + 8))
pem "CERTIFICATE REQUEST" "$work/req-subj.der" >req-tampered-subject.req
{ cat "$work/good.der"; printf 'trailing garbage'; } >req-trailing.der
"$openssl" req -new -config "$cfg" -key rsa1024.key -subj "/CN=proxy.example.com" -out req-rsa1024.req
[ -f req-p224.req ] || "$openssl" req -new -config "$cfg" -key p224.key -subj "/CN=proxy.example.com" -out req-p224.req
"$openssl" req -new -config "$cfg" -key ed25519.key -subj "/CN=proxy.example.com" -out req-ed25519.req
# A request that asks for CA rights: signing must still issue CA:FALSE.
"$openssl" req -new -config "$cfg" -key leaf.key -subj "/C=US/O=Hostile Corpus/CN=proxy.example.com" \
	-addext "basicConstraints=critical,CA:TRUE,pathlen:5" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "nameConstraints=critical,permitted;DNS:example.com" -out req-ca-rights.req
# A control character (U+0001) inside the CN.
"$openssl" req -new -config "$cfg" -key leaf.key -utf8 -subj "/CN=proxy$(printf '\001')evil.example.com" \
	-out req-control-char.req
# No subject at all.
"$openssl" req -new -config "$cfg" -key leaf.key -subj "/" -out req-empty-subject.req 2>/dev/null

# --- Requests with hostile names ----------------------------------------------------
# The subject alternative name goes in as raw DER (openssl's "DER:" form), so
# that NUL, ESC, OSC, spaces and names openssl or Go would not write reach the
# request as an attacker would send them. One GeneralName each.

# der_len N: the DER length octets of N, in hex.
der_len() {
	if [ "$1" -lt 128 ]; then printf '%02x' "$1"
	elif [ "$1" -lt 256 ]; then printf '81%02x' "$1"
	else printf '82%04x' "$1"; fi
}

# req_san FILE TAG FORMAT [ARGS]: a request of leaf.key for the corpus
# subject whose SAN is one GeneralName of context tag TAG (82 dNSName,
# 81 rfc822Name, 86 URI) holding printf FORMAT ARGS, byte for byte.
req_san() {
	out=$1 tag=$2
	shift 2
	# shellcheck disable=SC2059 # the format is the point
	printf "$@" >"$work/name.bin"
	n=$(wc -c <"$work/name.bin")
	value=$(od -An -v -tx1 "$work/name.bin" | tr -d ' \n')
	gn="$tag$(der_len "$n")$value"
	seq="30$(der_len $((${#gn} / 2)))$gn"
	"$openssl" req -new -config "$cfg" -key leaf.key -subj "/C=US/O=Hostile Corpus/CN=proxy.example.com" \
		-addext "subjectAltName=DER:$seq" -out "$out"
}

req_san req-san-bare-wildcard.req 82 '*'
req_san req-san-nul.req 82 'www.bank.example\000.evil.example'
req_san req-san-space.req 82 'proxy example.com'
req_san req-san-esc.req 82 '\033[2Jproxy.example.com'
req_san req-san-osc.req 82 '\033]0;pwned\007proxy.example.com'
req_san req-san-empty-label.req 82 'proxy..example.com'
req_san req-san-multi-wildcard.req 82 '*.*.example.com'
req_san req-san-tld-wildcard.req 82 '*.com'
req_san req-san-trailing-dot.req 82 'proxy.example.com.'
req_san req-san-underscore.req 82 'proxy_1.example.com'
req_san req-san-long-label.req 82 '%s.example.com' \
	"$(i=0; while [ $i -lt 300 ]; do printf a; i=$((i + 1)); done)"
req_san req-san-email-bad.req 81 'ops@exa mple.com'
req_san req-san-uri-relative.req 86 '/ovirt-engine'
req_san req-san-uri-control.req 86 'https://proxy.example.com/\033[2J'

# Subject attacks: a lowercase country, a wildcard CN without any SAN, an
# emailAddress that is no address. (An emailAddress without the SAN is
# signed, with the address added to the SAN: TestHostileRequestEmailInSubject.)
"$openssl" req -new -config "$cfg" -key leaf.key -subj "/C=us/O=Hostile Corpus/CN=proxy.example.com" \
	-out req-subject-country-lowercase.req
"$openssl" req -new -config "$cfg" -key leaf.key -subj "/C=US/O=Hostile Corpus/CN=*" -out req-subject-cn-wildcard.req
"$openssl" req -new -config "$cfg" -key leaf.key -subj "/C=US/O=Hostile Corpus/CN=proxy.example.com./" \
	-out req-subject-cn-trailing-dot.req
"$openssl" req -new -config "$cfg" -key leaf.key \
	-subj "/C=US/O=Hostile Corpus/CN=proxy.example.com/emailAddress=not-an-address" -out req-subject-email-bad.req
"$openssl" req -new -config "$cfg" -key leaf.key \
	-subj "/C=US/O=Hostile Corpus/CN=proxy.example.com/emailAddress=ops@example.com" -out req-subject-email-no-san.req

# --- Keys ------------------------------------------------------------------------
"$openssl" pkey -in leaf.key -outform DER -out "$work/leaf.key.der"
cut_lines leaf.key 10 >key-truncated.pem
printf -- '-----BEGIN PRIVATE KEY-----\n*** not base64 ***\n-----END PRIVATE KEY-----\n' >key-bad-base64.pem
pem "PRIVATE KEY" random.bin >key-malformed.pem
pem "RSA PRIVATE KEY" random.bin >key-malformed-pkcs1.pem
[ -f key-encrypted.pem ] || "$openssl" pkcs8 -topk8 -v2 aes-256-cbc -in leaf.key -passout pass:hostile-corpus-pass -out key-encrypted.pem
"$openssl" ecparam -name prime256v1 -out ec-params-only.pem

# --- CRLs ----------------------------------------------------------------------------
"$openssl" ca -gencrl -config "$cfg" -crl_lastupdate 20250101000000Z -crl_nextupdate 20350101000000Z \
	-out ca.crl 2>/dev/null
"$openssl" crl -in ca.crl -outform DER -out "$work/ca.crl.der"
cut_lines ca.crl 4 >crl-truncated.pem
printf -- '-----BEGIN X509 CRL-----\n!!not base64!!\n-----END X509 CRL-----\n' >crl-bad-base64.pem
flip_byte "$work/ca.crl.der" "$work/crl-sig.der" 10
pem "X509 CRL" "$work/crl-sig.der" >crl-tampered.pem

# --- Passphrase and password files ------------------------------------------------------
printf '\nthe passphrase is on the second line\n' >passphrase-first-line-empty.txt
printf 'this-is-not-the-passphrase\n' >passphrase-wrong.txt
printf 'hostile-corpus-pass\n' >bundle-password.txt

# --- PKI directory files (serial.txt, database.txt) -----------------------------------------
printf '10G0\n' >serial-not-hex.txt
printf '00\n' >serial-zero.txt
printf '%s\n' 1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF12 >serial-too-long.txt
printf -- '-1000\n' >serial-negative.txt
# 40 F's: 20 octets of value need a 21st for DER's sign bit (RFC 5280 allows 20).
printf '%s\n' FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF >serial-21-octets.txt
# The largest 20-octet serial: it can be issued, but serial.txt would then pass 20 octets.
printf '%s\n' 7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF >serial-20-octets-last.txt
tab=$(printf '\t')
printf 'X%s350101000000Z%s%s1000%sunknown%s/CN=proxy.example.com\n' "$tab" "$tab" "$tab" "$tab" "$tab" >database-bad-status.txt
printf 'V%s350101000000Z%s1000%sunknown%s/CN=proxy.example.com\n' "$tab" "$tab" "$tab" "$tab" >database-five-fields.txt
printf 'V%s35-01-01%s%s1000%sunknown%s/CN=proxy.example.com\n' "$tab" "$tab" "$tab" "$tab" "$tab" >database-bad-expiry.txt
printf 'V%s350101000000Z%s%sXYZ!%sunknown%s/CN=proxy.example.com\n' "$tab" "$tab" "$tab" "$tab" "$tab" >database-bad-serial.txt
printf 'V 350101000000Z  1000 unknown /CN=proxy.example.com\n' >database-spaces.txt
printf 'R%s350101000000Z%snot-a-date,keyCompromise%s1000%sunknown%s/CN=proxy.example.com\n' "$tab" "$tab" "$tab" "$tab" "$tab" >database-bad-revocation.txt
# A status field of 1.5 KB holding the secret marker: an error may measure it, not show it.
{ i=0; while [ $i -lt 50 ]; do printf '%s' "$marker"; i=$((i + 1)); done
  printf '\t350101000000Z\t\t1000\tunknown\t/CN=proxy.example.com\n'; } >database-long-field.txt

# --- PKCS#12 bundles ---------------------------------------------------------------------------
[ -f bundle.p12 ] || "$openssl" pkcs12 -export -inkey leaf.key -in leaf.cer -certfile ca.pem \
	-passout pass:hostile-corpus-pass -out bundle.p12
head -c 200 bundle.p12 >p12-truncated.p12
[ -f p12-no-key.p12 ] || "$openssl" pkcs12 -export -nokeys -in leaf.cer -passout pass:hostile-corpus-pass -out p12-no-key.p12
