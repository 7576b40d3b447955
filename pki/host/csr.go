package host

import (
	"crypto"
	"crypto/x509"
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// CSR is a certificate signing request made for a service: the DER the
// engine signs, and the subject it names.
type CSR struct {
	// DER is the request, signed with the service's key.
	DER []byte
	// Subject is the request's subject: the CA's, with the service's name
	// as CN.
	Subject dn.Name
}

// NewCSR makes the service's request for key: the subject is the one the
// engine derives from its CA (dn.DeriveFrom), ca's subject with cn as CN,
// and sans are the alternative names (none asks for cn as a DNS name or IP
// address, as pki.CreateRequest does).
func NewCSR(key crypto.Signer, ca *x509.Certificate, cn string, sans pki.SANs) (*CSR, error) {
	subject, err := dn.DeriveFrom(ca, cn)
	if err != nil {
		return nil, fmt.Errorf("derive subject with CN %q from the CA certificate: %w", cn, err)
	}
	der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject, SANs: sans})
	if err != nil {
		return nil, err
	}
	return &CSR{DER: der, Subject: subject}, nil
}
