package inspect

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// This file turns parsed certificates, requests and CRLs, and their
// extensions, into the Info types of inspect.go.

func describeCertificate(c *x509.Certificate, now time.Time) *CertificateInfo {
	info := &CertificateInfo{
		Subject:            inspectedName(c.RawSubject, c.Subject),
		Issuer:             inspectedName(c.RawIssuer, c.Issuer),
		Serial:             c.SerialNumber,
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		TimeLeft:           c.NotAfter.Sub(now),
		PublicKey:          describePublicKey(c.PublicKey, c.RawSubjectPublicKeyInfo, c.PublicKeyAlgorithm.String()),
		SignatureAlgorithm: signatureAlgorithmName(c.SignatureAlgorithm),
		Extensions:         describeExtensions(c.Extensions, pki.SANs{DNSNames: c.DNSNames, IPAddresses: c.IPAddresses, EmailAddresses: c.EmailAddresses, URIs: c.URIs}),
		SHA256:             sha256Sum(c.Raw),
	}
	switch {
	case now.Before(c.NotBefore):
		info.Status = ValidityNotYetValid
	case now.After(c.NotAfter):
		info.Status = ValidityExpired
	default:
		info.Status = ValidityValid
	}
	info.SelfSigned = bytes.Equal(c.RawSubject, c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
	return info
}

func describeRequest(r *x509.CertificateRequest) *RequestInfo {
	info := &RequestInfo{
		Subject:            inspectedName(r.RawSubject, r.Subject),
		PublicKey:          describePublicKey(r.PublicKey, r.RawSubjectPublicKeyInfo, r.PublicKeyAlgorithm.String()),
		SignatureAlgorithm: signatureAlgorithmName(r.SignatureAlgorithm),
		Extensions:         describeExtensions(r.Extensions, pki.SANs{DNSNames: r.DNSNames, IPAddresses: r.IPAddresses, EmailAddresses: r.EmailAddresses, URIs: r.URIs}),
	}
	if r.SignatureAlgorithm == x509.UnknownSignatureAlgorithm {
		// One Go's x509 does not know (RSASSA-PSS with openssl's default
		// salt, say): named from the request itself, not as "0".
		info.SignatureAlgorithm = pki.RequestSignatureAlgorithm(r)
	}
	err := r.CheckSignature()
	var insecure x509.InsecureAlgorithmError
	switch {
	case err == nil:
		info.SignatureValid = true
	case errors.As(err, &insecure):
		info.SignatureNotChecked = "insecure algorithm"
	case errors.Is(err, x509.ErrUnsupportedAlgorithm):
		info.SignatureNotChecked = "algorithm not supported"
	}
	return info
}

var (
	oidCRLReason   = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidBasicConstr = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidSubjectKey  = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidAuthKey     = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
)

func describeCRL(crl *x509.RevocationList, now time.Time) *CRLInfo {
	info := &CRLInfo{
		Issuer:             inspectedName(crl.RawIssuer, crl.Issuer),
		ThisUpdate:         crl.ThisUpdate.UTC(),
		Number:             crl.Number,
		AuthorityKeyID:     crl.AuthorityKeyId,
		SignatureAlgorithm: signatureAlgorithmName(crl.SignatureAlgorithm),
		Revoked:            make([]RevokedInfo, 0, len(crl.RevokedCertificateEntries)),
		SHA256:             sha256Sum(crl.Raw),
	}
	if !crl.NextUpdate.IsZero() {
		info.NextUpdate = crl.NextUpdate.UTC()
		info.TimeLeft = crl.NextUpdate.Sub(now)
	}
	for _, e := range crl.RevokedCertificateEntries {
		r := RevokedInfo{Serial: e.SerialNumber, RevokedAt: e.RevocationTime.UTC()}
		// A zero ReasonCode is also what an entry without a reason gives.
		for _, ext := range e.Extensions {
			if ext.Id.Equal(oidCRLReason) {
				r.Reason = pki.CRLReasonName(e.ReasonCode)
			}
		}
		info.Revoked = append(info.Revoked, r)
	}
	return info
}

// inspectedName keeps the encoded order and values of a name; a name our parser
// refuses (an unusual string type) is still shown, from crypto/x509's view.
func inspectedName(raw []byte, parsed pkix.Name) dn.Name {
	if n, err := dn.ParseDER(raw); err == nil {
		return n
	}
	var n dn.Name
	for _, atv := range parsed.Names {
		n = append(n, dn.RDN{{Type: atv.Type, Value: fmt.Sprint(atv.Value)}})
	}
	return n
}

// extensionNames are openssl's short names of the extensions a proxy, a CA
// or a public TLS certificate carries.
var extensionNames = map[string]string{
	"2.5.29.14":               "subjectKeyIdentifier",
	"2.5.29.15":               "keyUsage",
	"2.5.29.17":               "subjectAltName",
	"2.5.29.18":               "issuerAltName",
	"2.5.29.19":               "basicConstraints",
	"2.5.29.20":               "crlNumber",
	"2.5.29.30":               "nameConstraints",
	"2.5.29.31":               "crlDistributionPoints",
	"2.5.29.32":               "certificatePolicies",
	"2.5.29.35":               "authorityKeyIdentifier",
	"2.5.29.37":               "extendedKeyUsage",
	"1.3.6.1.5.5.7.1.1":       "authorityInfoAccess",
	"1.3.6.1.5.5.7.1.24":      "tlsfeature",
	"1.3.6.1.4.1.11129.2.4.2": "ct_precert_scts",
	"1.3.6.1.4.1.11129.2.4.3": "ct_precert_poison",
	"2.16.840.1.113730.1.1":   "nsCertType",
	"2.16.840.1.113730.1.13":  "nsComment",
}

// describeExtensions decodes the usages and identifiers of a certificate
// or request with encoding/asn1: crypto/x509 decodes them for
// certificates but not for requests, and not their criticality.
func describeExtensions(exts []pkix.Extension, sans pki.SANs) ExtensionsInfo {
	info := ExtensionsInfo{SANs: sans, All: make([]ExtensionInfo, 0, len(exts))}
	for _, e := range exts {
		oid := e.Id.String()
		name := extensionNames[oid]
		if name == "" {
			name = oid
		}
		info.All = append(info.All, ExtensionInfo{OID: oid, Name: name, Critical: e.Critical})
		switch {
		case e.Id.Equal(oidKeyUsage):
			var bits asn1.BitString
			if _, err := asn1.Unmarshal(e.Value, &bits); err == nil {
				var ku x509.KeyUsage
				for i := 0; i < bits.BitLength; i++ {
					ku |= x509.KeyUsage(bits.At(i) << i)
				}
				info.KeyUsage = &UsageInfo{Usages: pki.KeyUsageNames(ku), Critical: e.Critical}
			}
		case e.Id.Equal(oidExtKeyUsage):
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(e.Value, &oids); err == nil {
				u := &UsageInfo{Usages: make([]string, 0, len(oids)), Critical: e.Critical}
				for _, o := range oids {
					u.Usages = append(u.Usages, pki.ExtKeyUsageName(o))
				}
				info.ExtKeyUsage = u
			}
		case e.Id.Equal(oidBasicConstr):
			var bc struct {
				CA         bool `asn1:"optional"`
				MaxPathLen int  `asn1:"optional,default:-1"`
			}
			if _, err := asn1.Unmarshal(e.Value, &bc); err == nil {
				info.BasicConstraints = &BasicConstraintsInfo{CA: bc.CA, MaxPathLen: bc.MaxPathLen, Critical: e.Critical}
			}
		case e.Id.Equal(oidSubjectKey):
			var id []byte
			if _, err := asn1.Unmarshal(e.Value, &id); err == nil {
				info.SubjectKeyID = id
			}
		case e.Id.Equal(oidAuthKey):
			var aki struct {
				ID []byte `asn1:"optional,tag:0"`
			}
			if _, err := asn1.Unmarshal(e.Value, &aki); err == nil && len(aki.ID) > 0 {
				info.AuthorityKeyID = aki.ID
			}
		}
	}
	return info
}

// signatureAlgorithmName is openssl's name for a signature algorithm, as
// `openssl x509 -text` prints it.
func signatureAlgorithmName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return "rsassaPss"
	case x509.ECDSAWithSHA1:
		return "ecdsa-with-SHA1"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.PureEd25519:
		return "ED25519"
	}
	return a.String()
}
