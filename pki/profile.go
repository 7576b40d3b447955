package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
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

var (
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidAnyExtendedKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
)

// serverAuthClientAuth are the extended key usages of a TLS server that
// can also authenticate as a client, as the engine's proxies are.
var serverAuthClientAuth = []asn1.ObjectIdentifier{extKeyUsageNames[0].oid, extKeyUsageNames[1].oid}

// ParseKeyUsage reads a comma-separated list of openssl key usage names
// (digitalSignature,keyEncipherment). Names are matched case-insensitively;
// an optional leading "critical" is accepted and ignored, as key usage is
// always critical here.
func ParseKeyUsage(list string) (x509.KeyUsage, error) {
	var ku x509.KeyUsage
	items, err := splitList("key usage", list)
	if err != nil {
		return 0, err
	}
	for _, item := range items {
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
	items, err := splitList("extended key usage", list)
	if err != nil {
		return nil, err
	}
	for _, item := range items {
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

// splitList splits a comma-separated list. An empty item ("a,,b", "a,")
// is an error, not skipped: it is usually a variable that was not set.
func splitList(what, list string) ([]string, error) {
	var items []string
	for i, item := range strings.Split(list, ",") {
		if item = strings.TrimSpace(item); item == "" {
			return nil, fmt.Errorf("%s list %q: item %d is empty: %w", what, list, i+1, ErrBadUsage)
		}
		items = append(items, item)
	}
	return items, nil
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

// checkLeafProfile refuses the key usages and extended key usages RFC 5280
// and RFC 8813 forbid in a leaf certificate for a key of pub's type.
func checkLeafProfile(ku x509.KeyUsage, eku []asn1.ObjectIdentifier, pub crypto.PublicKey) error {
	_, isEC := pub.(*ecdsa.PublicKey)
	_, isRSA := pub.(*rsa.PublicKey)
	switch {
	case ku&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0:
		return fmt.Errorf("key usage keyCertSign and cRLSign are for CA certificates (RFC 5280 4.2.1.3), not a leaf: %w", ErrBadUsage)
	case ku&(x509.KeyUsageEncipherOnly|x509.KeyUsageDecipherOnly) != 0 && ku&x509.KeyUsageKeyAgreement == 0:
		return fmt.Errorf("key usage encipherOnly and decipherOnly mean something only with keyAgreement (RFC 5280 4.2.1.3): %w", ErrBadUsage)
	case isEC && ku&(x509.KeyUsageKeyEncipherment|x509.KeyUsageDataEncipherment) != 0:
		return fmt.Errorf("key usage keyEncipherment and dataEncipherment are not for an EC key (RFC 8813): use digitalSignature or keyAgreement: %w", ErrBadUsage)
	case isRSA && ku&x509.KeyUsageKeyAgreement != 0:
		return fmt.Errorf("key usage keyAgreement is not for an RSA key (RFC 4055): %w", ErrBadUsage)
	case hasExtKeyUsage(eku, oidAnyExtendedKeyUsage):
		return fmt.Errorf("extended key usage anyExtendedKeyUsage is refused: the extension is critical, and a certificate for any purpose defeats it (RFC 5280 4.2.1.12): %w", ErrBadUsage)
	}
	return nil
}
