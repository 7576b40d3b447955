package pki_test

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"slices"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
)

func TestParseKeyUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		list string
		want x509.KeyUsage
	}{
		{"digitalSignature", x509.KeyUsageDigitalSignature},
		{"digitalSignature,keyEncipherment", x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment},
		{"critical, digitalSignature , keyEncipherment", x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment},
		{"DIGITALSIGNATURE,keyencipherment", x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment},
		{"nonRepudiation", x509.KeyUsageContentCommitment},
		{"dataEncipherment,keyAgreement", x509.KeyUsageDataEncipherment | x509.KeyUsageKeyAgreement},
		{"keyCertSign,cRLSign", x509.KeyUsageCertSign | x509.KeyUsageCRLSign},
		{"keyAgreement,encipherOnly,decipherOnly", x509.KeyUsageKeyAgreement | x509.KeyUsageEncipherOnly | x509.KeyUsageDecipherOnly},
		{"digitalSignature,digitalSignature", x509.KeyUsageDigitalSignature},
	} {
		got, err := pki.ParseKeyUsage(tc.list)
		if err != nil || got != tc.want {
			t.Errorf("ParseKeyUsage(%q) = %b, %v; want %b", tc.list, got, err, tc.want)
		}
	}
	for _, list := range []string{"", " ", ",", "critical", "serverAuth", "digitalSignature,bogus", "digital Signature", "1.2.3"} {
		if got, err := pki.ParseKeyUsage(list); !errors.Is(err, pki.ErrBadUsage) {
			t.Errorf("ParseKeyUsage(%q) = %b, %v; want ErrBadUsage", list, got, err)
		}
	}
}

func TestParseExtKeyUsage(t *testing.T) {
	t.Parallel()
	oid := func(s ...int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier(s) }
	server, client := oid(1, 3, 6, 1, 5, 5, 7, 3, 1), oid(1, 3, 6, 1, 5, 5, 7, 3, 2)
	for _, tc := range []struct {
		list string
		want []asn1.ObjectIdentifier
	}{
		{"serverAuth", []asn1.ObjectIdentifier{server}},
		{"serverAuth,clientAuth", []asn1.ObjectIdentifier{server, client}},
		{"clientAuth,serverAuth", []asn1.ObjectIdentifier{client, server}}, // order kept
		{"critical,SERVERAUTH, clientauth", []asn1.ObjectIdentifier{server, client}},
		{"codeSigning,emailProtection,timeStamping,OCSPSigning", []asn1.ObjectIdentifier{
			oid(1, 3, 6, 1, 5, 5, 7, 3, 3), oid(1, 3, 6, 1, 5, 5, 7, 3, 4), oid(1, 3, 6, 1, 5, 5, 7, 3, 8), oid(1, 3, 6, 1, 5, 5, 7, 3, 9)}},
		{"ipsecIKE,anyExtendedKeyUsage", []asn1.ObjectIdentifier{oid(1, 3, 6, 1, 5, 5, 7, 3, 17), oid(2, 5, 29, 37, 0)}},
		{"1.3.6.1.5.5.7.3.1", []asn1.ObjectIdentifier{server}},
		{"1.3.6.1.4.1.311.20.2.2,serverAuth", []asn1.ObjectIdentifier{oid(1, 3, 6, 1, 4, 1, 311, 20, 2, 2), server}},
	} {
		got, err := pki.ParseExtKeyUsage(tc.list)
		if err != nil || !slices.EqualFunc(got, tc.want, asn1.ObjectIdentifier.Equal) {
			t.Errorf("ParseExtKeyUsage(%q) = %v, %v; want %v", tc.list, got, err, tc.want)
		}
	}
	for _, list := range []string{"", ",", "critical", "digitalSignature", "serverAuth,bogus", "server Auth", "1.", "1..2", ".1.2", "1.2.x", "-1.2"} {
		if got, err := pki.ParseExtKeyUsage(list); !errors.Is(err, pki.ErrBadUsage) {
			t.Errorf("ParseExtKeyUsage(%q) = %v, %v; want ErrBadUsage", list, got, err)
		}
	}
}
