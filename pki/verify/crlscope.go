package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// A CRL signed by the certificate's issuer may still say nothing about
// the certificate: RFC 5280 5.2 forbids using a CRL with a critical
// extension the reader cannot process, and the issuingDistributionPoint
// extension (5.2.5) narrows a CRL to part of what its issuer issued. This
// file applies openssl's rules (x509_vfy.c: X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION,
// X509_V_ERR_DIFFERENT_CRL_SCOPE), so that verify does not call a
// certificate "not revoked" on the word of a CRL that does not cover it.

// The CRL extensions read here.
var (
	oidAuthorityKeyID    = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDistPoint  = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidCertificateIssuer = asn1.ObjectIdentifier{2, 5, 29, 29}
	oidCRLDistPoints     = asn1.ObjectIdentifier{2, 5, 29, 31}
)

// issuingDistPoint is what the CRL's issuingDistributionPoint says.
type issuingDistPoint struct {
	distPoint       []byte // the DistributionPointName, DER; nil when absent
	onlyUser        bool
	onlyCA          bool
	onlySomeReasons bool
	indirect        bool
	onlyAttr        bool
}

// crlScopeProblem says why crl, signed by cert's issuer, cannot vouch for
// cert, "" when it can. The critical extensions openssl processes are the
// authority key identifier, the delta CRL indicator and the issuing
// distribution point, and, in an entry, the certificate issuer.
func crlScopeProblem(cert *x509.Certificate, crl *x509.RevocationList) string {
	var idpExt []byte
	for _, ext := range crl.Extensions {
		switch {
		case ext.Id.Equal(oidIssuingDistPoint):
			idpExt = ext.Value
		case ext.Critical && !ext.Id.Equal(oidAuthorityKeyID) && !ext.Id.Equal(oidDeltaCRLIndicator):
			return fmt.Sprintf("CRL has a critical extension pkienroll cannot process (%s): RFC 5280 forbids relying on it", ext.Id)
		}
	}
	for _, e := range crl.RevokedCertificateEntries {
		for _, ext := range e.Extensions {
			if ext.Critical && !ext.Id.Equal(oidCertificateIssuer) {
				return fmt.Sprintf("CRL entry of serial %s has a critical extension pkienroll cannot process (%s): RFC 5280 forbids relying on the CRL",
					pki.FormatSerial(e.SerialNumber), ext.Id)
			}
		}
	}
	if idpExt == nil {
		return ""
	}
	idp, err := parseIssuingDistPoint(idpExt)
	if err != nil {
		return "CRL has a malformed issuingDistributionPoint"
	}
	isCA := cert.BasicConstraintsValid && cert.IsCA
	switch {
	case idp.onlyAttr:
		return "CRL covers only attribute certificates (issuingDistributionPoint), not this certificate"
	case idp.onlyCA && !isCA:
		return "CRL covers only CA certificates (issuingDistributionPoint), not this certificate"
	case idp.onlyUser && isCA:
		return "CRL covers only end-entity certificates (issuingDistributionPoint), not this CA certificate"
	case idp.onlySomeReasons:
		return "CRL covers only some revocation reasons (issuingDistributionPoint): give the CA's complete CRL"
	case idp.indirect:
		return "CRL is an indirect CRL (issuingDistributionPoint), which pkienroll does not read: give the CA's own CRL"
	case idp.distPoint != nil && !certNamesDistPoint(cert, crl.RawIssuer, idp.distPoint):
		return "CRL is the CRL of a distribution point (issuingDistributionPoint) that the certificate's CRL distribution points do not name"
	}
	return ""
}

// issuingDistPointASN1 is the issuingDistributionPoint extension (RFC 5280
// 5.2.5), decoded by encoding/asn1.
type issuingDistPointASN1 struct {
	DistributionPoint asn1.RawValue  `asn1:"optional,explicit,tag:0"`
	OnlyUser          bool           `asn1:"optional,tag:1"`
	OnlyCA            bool           `asn1:"optional,tag:2"`
	OnlySomeReasons   asn1.BitString `asn1:"optional,tag:3"`
	Indirect          bool           `asn1:"optional,tag:4"`
	OnlyAttr          bool           `asn1:"optional,tag:5"`
}

// parseIssuingDistPoint reads the issuingDistributionPoint extension.
func parseIssuingDistPoint(der []byte) (issuingDistPoint, error) {
	var v issuingDistPointASN1
	if rest, err := asn1.Unmarshal(der, &v); err != nil {
		return issuingDistPoint{}, err
	} else if len(rest) != 0 {
		return issuingDistPoint{}, fmt.Errorf("trailing data after issuingDistributionPoint")
	}
	idp := issuingDistPoint{onlyUser: v.OnlyUser, onlyCA: v.OnlyCA, onlySomeReasons: v.OnlySomeReasons.BitLength > 0,
		indirect: v.Indirect, onlyAttr: v.OnlyAttr}
	if len(v.DistributionPoint.FullBytes) > 0 {
		// The RawValue of an explicit field is the [0] around the
		// DistributionPointName; its content is the name.
		idp.distPoint = v.DistributionPoint.Bytes
	}
	return idp, nil
}

// certNamesDistPoint reports whether one of cert's CRL distribution points
// is the one a CRL of crlIssuer names (idpName, a DistributionPointName):
// as openssl's crl_crldp_check, a distribution point whose cRLIssuer, when
// it has one, names the CRL's issuer, and whose name, when it has one,
// shares a general name with idpName.
func certNamesDistPoint(cert *x509.Certificate, crlIssuer, idpName []byte) bool {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(oidCRLDistPoints) {
			continue
		}
		var points []distPointASN1
		if rest, err := asn1.Unmarshal(ext.Value, &points); err != nil || len(rest) != 0 {
			return false
		}
		for _, p := range points {
			if len(p.CRLIssuer.FullBytes) > 0 {
				issuers, err := elements(p.CRLIssuer.Bytes)
				if err != nil {
					return false
				}
				if !namesDirectory(issuers, crlIssuer) {
					continue
				}
			}
			// The RawValue of an explicit field is the [0] around the
			// DistributionPointName; its content is the name.
			if len(p.Name.FullBytes) == 0 || sameDistPointName(p.Name.Bytes, idpName) {
				return true
			}
		}
	}
	return false
}

// distPointASN1 is a DistributionPoint of the CRL distribution points
// extension (RFC 5280 4.2.1.13), decoded by encoding/asn1.
type distPointASN1 struct {
	Name      asn1.RawValue  `asn1:"optional,explicit,tag:0"`
	Reasons   asn1.BitString `asn1:"optional,tag:1"`
	CRLIssuer asn1.RawValue  `asn1:"optional,tag:2"`
}

// sameDistPointName compares two DistributionPointNames: two fullNames
// match when they share a general name, as openssl's idp_check_dp;
// anything else only when the encodings are equal.
func sameDistPointName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ra, rb asn1.RawValue
	if _, err := asn1.Unmarshal(a, &ra); err != nil {
		return false
	}
	if _, err := asn1.Unmarshal(b, &rb); err != nil {
		return false
	}
	if ra.Class != asn1.ClassContextSpecific || rb.Class != asn1.ClassContextSpecific || ra.Tag != 0 || rb.Tag != 0 {
		return false
	}
	na, errA := elements(ra.Bytes)
	nb, errB := elements(rb.Bytes)
	if errA != nil || errB != nil {
		return false
	}
	for _, x := range na {
		for _, y := range nb {
			if bytes.Equal(x.FullBytes, y.FullBytes) {
				return true
			}
		}
	}
	return false
}

// namesDirectory reports whether one of names is the directoryName name.
func namesDirectory(names []asn1.RawValue, name []byte) bool {
	for _, n := range names {
		// directoryName [4] is EXPLICIT: it holds the Name.
		if n.Class == asn1.ClassContextSpecific && n.Tag == 4 && bytes.Equal(n.Bytes, name) {
			return true
		}
	}
	return false
}

// elements splits der, the content of a constructed element, into its
// elements.
func elements(der []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(der) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(der, &v)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		der = rest
	}
	return out, nil
}
