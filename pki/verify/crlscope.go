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

// parseIssuingDistPoint reads the issuingDistributionPoint extension:
//
//	SEQUENCE { distributionPoint [0] EXPLICIT DistributionPointName OPTIONAL,
//	           onlyContainsUserCerts [1] BOOLEAN DEFAULT FALSE,
//	           onlyContainsCACerts [2] BOOLEAN DEFAULT FALSE,
//	           onlySomeReasons [3] ReasonFlags OPTIONAL,
//	           indirectCRL [4] BOOLEAN DEFAULT FALSE,
//	           onlyContainsAttributeCerts [5] BOOLEAN DEFAULT FALSE }
func parseIssuingDistPoint(der []byte) (issuingDistPoint, error) {
	var idp issuingDistPoint
	fields, err := sequenceElements(der)
	if err != nil {
		return idp, err
	}
	for _, f := range fields {
		if f.Class != asn1.ClassContextSpecific {
			return idp, fmt.Errorf("unexpected element of class %d", f.Class)
		}
		if f.Tag == 0 {
			inner, err := elements(f.Bytes)
			if err != nil || len(inner) != 1 {
				return idp, fmt.Errorf("malformed distributionPoint")
			}
			idp.distPoint = inner[0].FullBytes
			continue
		}
		if f.Tag == 3 {
			idp.onlySomeReasons = true
			continue
		}
		if len(f.Bytes) != 1 {
			return idp, fmt.Errorf("malformed BOOLEAN [%d]", f.Tag)
		}
		set := f.Bytes[0] != 0
		switch f.Tag {
		case 1:
			idp.onlyUser = set
		case 2:
			idp.onlyCA = set
		case 4:
			idp.indirect = set
		case 5:
			idp.onlyAttr = set
		default:
			return idp, fmt.Errorf("unknown element [%d]", f.Tag)
		}
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
		points, err := sequenceElements(ext.Value)
		if err != nil {
			return false
		}
		for _, p := range points {
			name, issuers, err := parseDistPoint(p.FullBytes)
			if err != nil {
				return false
			}
			if issuers != nil && !namesDirectory(issuers, crlIssuer) {
				continue
			}
			if name == nil || sameDistPointName(name, idpName) {
				return true
			}
		}
	}
	return false
}

// parseDistPoint reads a DistributionPoint of the CRL distribution points
// extension: its DistributionPointName and its cRLIssuer's general names,
// each nil when absent.
//
//	SEQUENCE { distributionPoint [0] EXPLICIT DistributionPointName OPTIONAL,
//	           reasons [1] ReasonFlags OPTIONAL,
//	           cRLIssuer [2] IMPLICIT GeneralNames OPTIONAL }
func parseDistPoint(der []byte) (name []byte, issuers []asn1.RawValue, err error) {
	fields, err := sequenceElements(der)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range fields {
		switch {
		case f.Class != asn1.ClassContextSpecific:
			return nil, nil, fmt.Errorf("unexpected element of class %d", f.Class)
		case f.Tag == 0:
			inner, err := elements(f.Bytes)
			if err != nil || len(inner) != 1 {
				return nil, nil, fmt.Errorf("malformed distributionPoint")
			}
			name = inner[0].FullBytes
		case f.Tag == 2:
			if issuers, err = elements(f.Bytes); err != nil {
				return nil, nil, err
			}
		}
	}
	return name, issuers, nil
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

// sequenceElements returns the elements of the DER SEQUENCE der.
func sequenceElements(der []byte) ([]asn1.RawValue, error) {
	var seq asn1.RawValue
	rest, err := asn1.Unmarshal(der, &seq)
	switch {
	case err != nil:
		return nil, err
	case len(rest) != 0:
		return nil, fmt.Errorf("trailing data after the SEQUENCE")
	case seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound:
		return nil, fmt.Errorf("not a SEQUENCE")
	}
	return elements(seq.Bytes)
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
