package metrics

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"path/filepath"

	"github.com/pkienroll/pkienroll/internal/printable"
)

// dnFields are the name attributes the exporter puts in its subject_* and
// issuer_* labels, in its order.
var dnFields = []string{"C", "ST", "L", "O", "OU", "CN"}

func dnValue(n pkix.Name, field string) string {
	first := func(s []string) string {
		if len(s) == 0 {
			return ""
		}
		return s[0]
	}
	switch field {
	case "C":
		return first(n.Country)
	case "ST":
		return first(n.Province)
	case "L":
		return first(n.Locality)
	case "O":
		return first(n.Organization)
	case "OU":
		return first(n.OrganizationalUnit)
	}
	return n.CommonName
}

// certLabels are the label names of the x509_cert_* metrics: the
// exporter's for a file source. Its Kubernetes labels are left out; a
// label that is empty is no label to Prometheus anyway. The issuer_* and
// subject_* ones follow dnFields.
var certLabels = []string{"filename", "filepath", "serial_number",
	"issuer_C", "issuer_ST", "issuer_L", "issuer_O", "issuer_OU", "issuer_CN",
	"subject_C", "subject_ST", "subject_L", "subject_O", "subject_OU", "subject_CN"}

// certValues are the values of certLabels for cert, found in path. The
// serial number is decimal, as the exporter writes it.
//
// Every value is printable.Escape'd: a label value must be UTF-8 (a path
// need not be), and one with control characters would reach a terminal
// or a log raw.
func certValues(path string, cert *x509.Certificate) []string {
	v := []string{filepath.Base(path), path, ""}
	if cert.SerialNumber != nil {
		v[2] = cert.SerialNumber.String()
	}
	for _, f := range dnFields {
		v = append(v, dnValue(cert.Issuer, f))
	}
	for _, f := range dnFields {
		v = append(v, dnValue(cert.Subject, f))
	}
	return escape(v)
}

func escape(v []string) []string {
	for i := range v {
		v[i] = printable.Escape(v[i])
	}
	return v
}

// crlLabels are the label names of the x509_crl_* metrics, the issuer_*
// ones following dnFields.
var crlLabels = []string{"filename", "filepath", "crl_number",
	"issuer_C", "issuer_ST", "issuer_L", "issuer_O", "issuer_OU", "issuer_CN"}

// crlValues are the values of crlLabels for crl, found in path, escaped
// as certValues.
func crlValues(path string, crl *x509.RevocationList) []string {
	v := []string{filepath.Base(path), path, ""}
	if crl.Number != nil {
		v[2] = crl.Number.String()
	}
	for _, f := range dnFields {
		v = append(v, dnValue(crl.Issuer, f))
	}
	return escape(v)
}
