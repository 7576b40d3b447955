#!/bin/sh
# make-engine-pki.sh PKI_DIR
#
# Builds, with openssl alone, a PKI directory as an engine host has it after
# its package is installed, engine-setup has created the CA and one host has
# been deployed (docs/compat.md lists the facts this follows):
#
#   - directories as the package makes them: PKI_DIR, certs/ and requests/
#     0755, keys/ 0755, private/ 0750;
#   - the OpenSSL configuration files the scripts read: openssl.conf (the
#     `openssl ca` database and the policy_match policy), cacert.conf (the CA
#     extensions, section v3_ca) and cert.conf (sections v3_ca, v3_ca_san and
#     custom, with a caIssuers URL), written here in this project's words;
#   - the CA signed by `openssl ca -selfsign` from a request with an empty
#     subject, as pki-create-ca.sh does: serial 1000, its index line in
#     database.txt, certs/1000.pem, serial.txt at 1001, the authority key
#     identifier as keyid + issuer name + serial, the key 0640 in private/,
#     certs/ca.der (which the engine writes in PEM, as here);
#   - host1: a request with a full subject signed the way
#     pki-enroll-request.sh --san signs it (policy_match, -extfile cert.conf
#     -extensions v3_ca_san, a day of backdating, the text dump before the
#     PEM in certs/host1.cer), serial 1001;
#   - requests/proxy.req: a request with an empty subject (`-subj /`), as
#     pki-enroll-pkcs12.sh makes them, its key in keys/proxy.key (0600);
#   - requests/remote.req: a request whose subject is CN=/ (one UTF8String
#     "/"), as engine-setup's remote enrollment makes them, its key in
#     keys/remote.key (0600);
#   - with ENGINE_SECOND_CA=yes, the second CA as engine-setup makes it for
#     qemu (pki-create-ca.sh --ca-file=qemu-ca in the same directory): its
#     own qemu-cacert.conf and qemu-cert.conf, private/qemu-ca.pem, and
#     qemu-ca.pem self-signed by `openssl ca -selfsign` at the next serial of
#     the shared serial.txt (1002), with its index line, certs/1002.pem and
#     certs/qemu-ca.der (PEM); then host1-qemu signed by it
#     (pki-enroll-request.sh --ca-file=qemu-ca), serial 1003;
#   - with KEYTOOL=PATH (the real keytool), the Java trust store
#     .truststore (0644, password mypass) holding each CA under the alias
#     NAMEcert (cacert, qemu-cacert), imported as pki-create-ca.sh imports it.
#
# With ENGINE_OWNER=USER:GROUP (root only), the directory, certs/, private/,
# requests/, the CA key, serial.txt* and database.txt* get that owner, as the
# engine's service account owns them. The directory must not exist;
# $OPENSSL picks the binary.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 PKI_DIR" >&2
	exit 2
fi
dir=$1
openssl=${OPENSSL:-openssl}
subject="/C=US/O=Example Inc./CN=engine.example.com.81108"
aia="http://engine.example.com:80/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA"
umask 022

mkdir "$dir"
dir=$(cd "$dir" && pwd)
mkdir -m 0755 "$dir/certs" "$dir/keys" "$dir/requests"
mkdir -m 0750 "$dir/private"

cat >"$dir/openssl.conf" <<'EOF'
# The `openssl ca` settings of an engine PKI directory (test fixture). The
# scripts run openssl from the directory, so paths are relative.
unique_subject = no

[ ca ]
default_ca = fixture_ca

[ fixture_ca ]
database      = database.txt
serial        = serial.txt
new_certs_dir = certs
certificate   = ca.pem
private_key   = private/ca.pem
default_md    = sha256
default_days  = 365
preserve      = no
policy        = policy_match

[ policy_match ]
countryName            = optional
stateOrProvinceName    = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = optional
emailAddress           = optional
EOF

cat >"$dir/cacert.conf" <<'EOF'
# The engine CA's extensions (test fixture).
[ req ]
distinguished_name = no_dn
[ no_dn ]
[ v3_ca ]
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer:always
basicConstraints       = critical,CA:true
keyUsage               = critical,cRLSign,keyCertSign
EOF

{
	echo "# Leaf extensions of the engine's signing script (test fixture)."
	echo "[ req ]"
	echo "distinguished_name = no_dn"
	echo "[ no_dn ]"
	for section in v3_ca v3_ca_san custom; do
		echo "[ $section ]"
		echo "subjectKeyIdentifier   = hash"
		echo "authorityInfoAccess    = caIssuers;URI:$aia"
		echo "authorityKeyIdentifier = keyid:always,issuer:always"
		echo "basicConstraints       = CA:false"
		case $section in
		custom)
			echo 'keyUsage               = critical,${ENV::OVIRT_KU}'
			echo 'extendedKeyUsage       = ${ENV::OVIRT_EKU}'
			;;
		*)
			echo "keyUsage               = critical,digitalSignature,keyEncipherment"
			echo "extendedKeyUsage       = critical,serverAuth,clientAuth"
			;;
		esac
		if [ $section = v3_ca_san ]; then
			echo 'subjectAltName         = ${ENV::OVIRT_SAN}'
		fi
	done
} >"$dir/cert.conf"

yesterday=$(date --utc --date "now -1 days" +%y%m%d%H%M%SZ)
cd "$dir"
echo 1000 >serial.txt
: >database.txt

# The key is made 0640 before it has content, as the engine's script does.
: >private/ca.pem
chmod 0640 private/ca.pem
"$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private/ca.pem
"$openssl" req -batch -config cacert.conf -new -key private/ca.pem -subj / -out requests/ca.csr
"$openssl" ca -batch -config openssl.conf -extfile cacert.conf -extensions v3_ca \
	-in requests/ca.csr -notext -out ca.pem -keyfile private/ca.pem -selfsign \
	-subj "$subject" -utf8 -days 7300 -startdate "$yesterday" 2>/dev/null
"$openssl" x509 -in ca.pem -out certs/ca.der

"$openssl" req -new -newkey rsa:2048 -nodes -keyout keys/host1.key \
	-subj "/C=US/O=Example Inc./CN=host1.example.com" -out requests/host1.req 2>/dev/null
chmod 0600 keys/host1.key
# The script always sets all three, empty when not given.
OVIRT_KU= OVIRT_EKU= OVIRT_SAN=DNS:host1.example.com "$openssl" ca -batch -policy policy_match -config openssl.conf \
	-cert ca.pem -keyfile private/ca.pem -days 30 -in requests/host1.req -out certs/host1.cer \
	-startdate "$yesterday" -utf8 -extfile cert.conf -extensions v3_ca_san 2>/dev/null

"$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out keys/proxy.key
chmod 0600 keys/proxy.key
"$openssl" req -new -key keys/proxy.key -subj / -batch -out requests/proxy.req

"$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out keys/remote.key
chmod 0600 keys/remote.key
"$openssl" req -new -key keys/remote.key -subj '/CN=\/' -utf8 -batch -out requests/remote.req

if [ "${ENGINE_SECOND_CA:-}" = yes ]; then
	sed 's|resource=ca-certificate|resource=qemu-ca-certificate|' cacert.conf >qemu-cacert.conf
	sed 's|resource=ca-certificate|resource=qemu-ca-certificate|' cert.conf >qemu-cert.conf
	: >private/qemu-ca.pem
	chmod 0640 private/qemu-ca.pem
	"$openssl" genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out private/qemu-ca.pem
	"$openssl" req -batch -config qemu-cacert.conf -new -key private/qemu-ca.pem -subj / -out requests/qemu-ca.csr
	"$openssl" ca -batch -config openssl.conf -extfile qemu-cacert.conf -extensions v3_ca \
		-in requests/qemu-ca.csr -notext -out qemu-ca.pem -keyfile private/qemu-ca.pem -selfsign \
		-subj "/C=US/O=Example Inc./OU=qemu/CN=engine.example.com.81109" -utf8 -days 7300 \
		-startdate "$yesterday" 2>/dev/null
	"$openssl" x509 -in qemu-ca.pem -out certs/qemu-ca.der

	"$openssl" req -new -newkey rsa:2048 -nodes -keyout keys/host1-qemu.key \
		-subj "/C=US/O=Example Inc./CN=host1.example.com" -out requests/host1-qemu.req 2>/dev/null
	chmod 0600 keys/host1-qemu.key
	OVIRT_KU= OVIRT_EKU= OVIRT_SAN=DNS:host1.example.com "$openssl" ca -batch -policy policy_match -config openssl.conf \
		-cert qemu-ca.pem -keyfile private/qemu-ca.pem -days 30 -in requests/host1-qemu.req -out certs/host1-qemu.cer \
		-startdate "$yesterday" -utf8 -extfile qemu-cert.conf -extensions v3_ca_san 2>/dev/null
fi

keytool=${KEYTOOL:-}
if [ -n "$keytool" ]; then
	for ca in ca qemu-ca; do
		[ -f "$ca.pem" ] || continue
		"$keytool" -importcert -noprompt -trustcacerts -alias "${ca}cert" -file "$ca.pem" \
			-keystore .truststore -storepass mypass >/dev/null 2>&1
	done
	chmod a+r .truststore
fi

if [ -n "${ENGINE_OWNER:-}" ]; then
	chown "$ENGINE_OWNER" . certs private requests private/ca.pem serial.txt* database.txt*
fi
