#!/usr/bin/env bash
# openssl-sign-flow.sh PKI_DIR NAME DAYS
#
# What the engine's pki-enroll-request.sh does to sign one request, for the
# side-by-side timings of `make bench`: take the lock on ca.pem, read the CA
# subject with `openssl x509`, sign with `openssl ca` and the leaf extension
# section, make the certificate world-readable. PKI_DIR must hold an
# openssl.conf made from testdata/engine/openssl.cnf.
set -eu
dir=$1 name=$2 days=$3
(
	flock -e -w 20 9
	openssl x509 -in "$dir/ca.pem" -noout -subject >/dev/null
	openssl ca -batch -notext -preserveDN -config "$dir/openssl.conf" -extensions v3_leaf \
		-in "$dir/requests/$name.req" -out "$dir/certs/$name.cer" -days "$days" \
		-startdate "$(date -u -d '-1 day' +%y%m%d%H%M%SZ)" 2>/dev/null
	chmod a+r "$dir/certs/$name.cer"
) 9<"$dir/ca.pem"
