package pki

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
)

// maxConfSize bounds the OpenSSL configuration files read from the store.
const maxConfSize = 64 << 10

// The engine's scripts read three OpenSSL configuration files from the PKI
// directory: openssl.conf (the `openssl ca` database, serial and policy),
// cacert.conf (the CA's extensions, section v3_ca) and cert.conf (the leaf
// extensions: v3_ca by default, v3_ca_san with --san, custom with --ku or
// --eku, the last two taking OVIRT_SAN, OVIRT_KU and OVIRT_EKU from the
// environment). InitStore writes the ones that are missing, in pkienroll's
// words, with the profile docs/compat.md describes, so that the scripts can
// sign into a directory pkienroll made.

// opensslConf is openssl.conf: paths are relative, as the scripts run
// openssl from the PKI directory. The policy keeps every attribute
// optional; the scripts' policy_match section name is the one they pass.
const opensslConf = `# openssl.conf of an engine PKI directory, written by pkienroll ca init.
# The engine's scripts run "openssl ca -config openssl.conf" from this
# directory, so the paths are relative to it.
unique_subject = no

[ ca ]
default_ca = engine_ca

[ engine_ca ]
database      = database.txt
serial        = serial.txt
new_certs_dir = certs
certificate   = ca.pem
private_key   = private/ca.pem
default_md    = sha256
default_days  = 1827
default_crl_days = 30
preserve      = no
unique_subject = no
policy        = policy_match

# Every attribute may be given; openssl ca keeps these, in this order.
[ policy_match ]
countryName            = optional
stateOrProvinceName    = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = optional
emailAddress           = optional
`

// caCertConf is cacert.conf: the CA profile (pki-create-ca.sh signs the CA
// with -extensions v3_ca).
const caCertConf = `# cacert.conf, written by pkienroll ca init: the engine CA's extensions.
[ req ]
distinguished_name = empty_dn
x509_extensions    = v3_ca

[ empty_dn ]

[ v3_ca ]
basicConstraints       = critical,CA:true
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer:always
`

// certConf is cert.conf; %[1]s is the authorityInfoAccess line or nothing.
const certConf = `# cert.conf, written by pkienroll ca init: the extensions of the
# certificates pki-enroll-request.sh signs. v3_ca is the default, v3_ca_san
# adds the --san list, custom takes --ku and --eku and adds no SAN.
[ req ]
distinguished_name = empty_dn
x509_extensions    = v3_ca

[ empty_dn ]

[ v3_ca ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = critical,serverAuth,clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer:always
%[1]s
[ v3_ca_san ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,keyEncipherment
extendedKeyUsage       = critical,serverAuth,clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer:always
subjectAltName         = ${ENV::OVIRT_SAN}
%[1]s
[ custom ]
basicConstraints       = CA:false
keyUsage               = critical,${ENV::OVIRT_KU}
extendedKeyUsage       = ${ENV::OVIRT_EKU}
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always,issuer:always
%[1]s`

// aiaKey is the configuration key of the caIssuers URL.
const aiaKey = "authorityInfoAccess"

// renderCertConf is cert.conf with aia as the caIssuers URL, or none.
func renderCertConf(aia string) []byte {
	line := ""
	if aia != "" {
		line = aiaKey + " = caIssuers;URI:" + aia + "\n"
	}
	return fmt.Appendf(nil, certConf, line)
}

// confNames are the configuration files of the CA named caName, as the
// scripts name them: cert.conf and cacert.conf for the engine CA "ca",
// PREFIX-cert.conf and PREFIX-cacert.conf for PREFIX-ca (qemu-ca); none
// for other names, which the scripts do not know.
func confNames(caName string) (cert, caCert string, ok bool) {
	if caName == "ca" {
		return "cert.conf", "cacert.conf", true
	}
	if prefix, found := strings.CutSuffix(caName, "-ca"); found && prefix != "" {
		return prefix + "-cert.conf", prefix + "-cacert.conf", true
	}
	return "", "", false
}

// configuredAIA is the caIssuers URL of the store's cert.conf (its v3_ca
// section, which the scripts use by default), "" when there is no cert.conf
// or it names none. A URL that is not http(s) is an error naming the file:
// the scripts would write it into every certificate.
func (s *Store) configuredAIA() (string, error) {
	name, _, ok := confNames(s.opts.caName)
	if !ok {
		return "", nil
	}
	path := s.path(name)
	data, err := readFileLimited(path, maxConfSize, true)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	aia := confAIA(data)
	if aia == "" {
		return "", nil
	}
	if err := checkAIAURL(aia); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return aia, nil
}

// confAIA finds `authorityInfoAccess = caIssuers;URI:URL` in the v3_ca
// section of an OpenSSL configuration.
func confAIA(data []byte) string {
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.TrimSpace(line[1 : len(line)-1])
			continue
		}
		key, value, found := strings.Cut(line, "=")
		if !found || section != "v3_ca" || strings.TrimSpace(key) != aiaKey {
			continue
		}
		for _, item := range strings.Split(value, ",") {
			method, uri, found := strings.Cut(strings.TrimSpace(item), ";")
			if found && strings.TrimSpace(method) == "caIssuers" {
				if u, ok := strings.CutPrefix(strings.TrimSpace(uri), "URI:"); ok {
					return u
				}
			}
		}
	}
	return ""
}

// checkAIAURL accepts an absolute http or https URL.
func checkAIAURL(aia string) error {
	if u, err := url.Parse(aia); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("AIA URL %q is not an http(s) URL", aia)
	}
	return nil
}
