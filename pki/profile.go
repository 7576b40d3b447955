package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"

	"github.com/pkienroll/pkienroll/pki/dn"
)

// keyUsageNames are openssl's names for the key usage bits.
var keyUsageNames = []struct {
	name  string
	usage x509.KeyUsage
}{
	{"digitalSignature", x509.KeyUsageDigitalSignature},
	{"nonRepudiation", x509.KeyUsageContentCommitment},
	{"keyEncipherment", x509.KeyUsageKeyEncipherment},
	{"dataEncipherment", x509.KeyUsageDataEncipherment},
	{"keyAgreement", x509.KeyUsageKeyAgreement},
	{"keyCertSign", x509.KeyUsageCertSign},
	{"cRLSign", x509.KeyUsageCRLSign},
	{"encipherOnly", x509.KeyUsageEncipherOnly},
	{"decipherOnly", x509.KeyUsageDecipherOnly},
}

// extKeyUsageNames are openssl's short names for extended key usages.
var extKeyUsageNames = []struct {
	name string
	oid  asn1.ObjectIdentifier
}{
	{"serverAuth", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}},
	{"clientAuth", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}},
	{"codeSigning", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}},
	{"emailProtection", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}},
	{"ipsecEndSystem", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 5}},
	{"ipsecTunnel", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 6}},
	{"ipsecUser", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 7}},
	{"timeStamping", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}},
	{"OCSPSigning", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}},
	{"ipsecIKE", asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 17}},
	{"anyExtendedKeyUsage", asn1.ObjectIdentifier{2, 5, 29, 37, 0}},
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// Default usages of a leaf certificate: a TLS server that can
// also authenticate as a client, as the engine's proxies do.
var (
	defaultLeafKeyUsage    = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	defaultLeafExtKeyUsage = []asn1.ObjectIdentifier{extKeyUsageNames[0].oid, extKeyUsageNames[1].oid}
)

// ParseKeyUsage reads a comma-separated list of openssl key usage names
// (digitalSignature,keyEncipherment). Names are matched case-insensitively;
// an optional leading "critical" is accepted and ignored, as key usage is
// always critical here.
func ParseKeyUsage(list string) (x509.KeyUsage, error) {
	var ku x509.KeyUsage
	for _, item := range splitList(list) {
		if strings.EqualFold(item, "critical") {
			continue
		}
		found := false
		for _, n := range keyUsageNames {
			if strings.EqualFold(item, n.name) {
				ku |= n.usage
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("key usage %q is not one of openssl's names (digitalSignature, keyEncipherment, ...): %w", item, ErrBadUsage)
		}
	}
	if ku == 0 {
		return 0, fmt.Errorf("key usage list %q is empty: %w", list, ErrBadUsage)
	}
	return ku, nil
}

// ParseExtKeyUsage reads a comma-separated list of openssl extended key
// usage names (serverAuth,clientAuth) or dotted OIDs (1.3.6.1.5.5.7.3.1).
func ParseExtKeyUsage(list string) ([]asn1.ObjectIdentifier, error) {
	var oids []asn1.ObjectIdentifier
	for _, item := range splitList(list) {
		if strings.EqualFold(item, "critical") {
			continue
		}
		oid, err := extKeyUsageOID(item)
		if err != nil {
			return nil, err
		}
		oids = append(oids, oid)
	}
	if len(oids) == 0 {
		return nil, fmt.Errorf("extended key usage list %q is empty: %w", list, ErrBadUsage)
	}
	return oids, nil
}

func extKeyUsageOID(item string) (asn1.ObjectIdentifier, error) {
	for _, n := range extKeyUsageNames {
		if strings.EqualFold(item, n.name) {
			return n.oid, nil
		}
	}
	if oid, ok := dn.ParseOID(item); ok {
		return oid, nil
	}
	return nil, fmt.Errorf("extended key usage %q is neither an openssl name (serverAuth, clientAuth, ...) nor a dotted OID: %w", item, ErrBadUsage)
}

func splitList(list string) []string {
	var items []string
	for _, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// criticalExtKeyUsage builds the extended key usage extension marked
// critical, as the engine's templates write it. crypto/x509 only writes a
// non-critical one, so the list goes in ExtraExtensions, which replaces it.
func criticalExtKeyUsage(oids []asn1.ObjectIdentifier) (pkix.Extension, error) {
	value, err := asn1.Marshal(oids)
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("encode extended key usage: %w", err)
	}
	return pkix.Extension{Id: oidExtKeyUsage, Critical: true, Value: value}, nil
}

// hasExtKeyUsage reports whether oids contains want.
func hasExtKeyUsage(oids []asn1.ObjectIdentifier, want asn1.ObjectIdentifier) bool {
	for _, o := range oids {
		if o.Equal(want) {
			return true
		}
	}
	return false
}

// KeyUsageNames are openssl's names of the bits of ku (digitalSignature,
// keyEncipherment, ...), in the order of the encoding.
func KeyUsageNames(ku x509.KeyUsage) []string {
	names := []string{}
	for _, n := range keyUsageNames {
		if ku&n.usage != 0 {
			names = append(names, n.name)
		}
	}
	return names
}

// ExtKeyUsageName is openssl's short name for an extended key usage
// (serverAuth, clientAuth, ...), else its dotted OID.
func ExtKeyUsageName(oid asn1.ObjectIdentifier) string {
	for _, n := range extKeyUsageNames {
		if n.oid.Equal(oid) {
			return n.name
		}
	}
	return oid.String()
}
