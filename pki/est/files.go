package est

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/host"
	"github.com/pkienroll/pkienroll/pki/verify"
)

// Files are where a proxy keeps what it enrolled: its private key (PEM,
// without passphrase, mode 0600), its certificate (PEM) and the CA
// certificate (PEM) it was verified under, and the account they are given
// to (Owner, none when nil). They are the proxy host's files of pki/host.
type Files = host.Files

// EnrollRequest is a first enrollment into files.
type EnrollRequest struct {
	// Token is the one-time token `pkienroll token create` printed.
	Token string
	// CN is the certificate's common name; the subject is the CA's with
	// this CN, as the engine derives it.
	CN string
	// SANs are asked for; empty asks for the CN as a DNS name or IP
	// address. The certificate must name exactly these: a token that
	// grants more names gives them only to a request that asks for them.
	SANs pki.SANs
	// Files are written, all or none, once the certificate is verified.
	Files Files
	// Force replaces existing files, keeping each as FILE.YYYYMMDDHHMMSS;
	// without it an existing file is an error (pki.ErrExists) found
	// before anything is sent.
	Force bool
	// NewKey makes the key; nil means pki.GenerateKey(pki.DefaultKeyBits).
	NewKey host.KeyGen
}

// EnrollFiles makes a key and a request for req.CN, with the subject
// derived from the CA the client trusts, enrolls it with req.Token, checks
// that the certificate verifies under that CA for TLS server use and is
// what was asked for (see Enroll), and then writes key, certificate and CA
// certificate, all staged before the first is renamed into place. On any
// error nothing is written.
func (c *Client) EnrollFiles(ctx context.Context, req EnrollRequest) (*x509.Certificate, error) {
	f := req.Files
	if f.Key == "" || f.Cert == "" || f.CA == "" {
		return nil, errors.New("enroll: the key, certificate and CA files must all be named")
	}
	opts := host.Options{Force: req.Force}
	if err := f.Owner.CheckGive(); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	if err := host.CheckWritable(opts, f.Key, f.Cert, f.CA); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	key, _, err := f.LoadOrMakeKey(false, req.NewKey)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	csr, err := host.NewCSR(key, c.CA, req.CN, req.SANs)
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	cert, err := c.Enroll(ctx, req.Token, csr.DER)
	if err != nil {
		return nil, err
	}
	if err := c.verifyIssued(cert, key); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	if err := f.Install(host.Bundle{Key: key, Cert: cert, CA: c.CA}, opts); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	return cert, nil
}

// verifyIssued checks a certificate the server sent before it is written,
// beyond what Enroll and Reenroll checked against the request (checkIssued:
// subject, names, key, validity): it verifies under the trusted CA as
// openssl verifies it, for TLS server use, and is for key.
func (c *Client) verifyIssued(cert *x509.Certificate, key crypto.Signer) error {
	// As `pkienroll verify` checks it: chain (with openssl's rules), dates,
	// key pair, serverAuth.
	if err := verify.Certificate(cert, verify.Options{CAs: []*x509.Certificate{c.CA}, Key: key}).Err(); err != nil {
		return fmt.Errorf("the issued certificate is not fit: %w", err)
	}
	return nil
}

// NewClient is a client of server (https://host:port) that trusts ca, for
// a proxy that enrolled already and kept the CA certificate. A nil ca is
// an error.
func NewClient(server string, ca *x509.Certificate) (*Client, error) {
	base, err := serverBase(server)
	if err != nil {
		return nil, fmt.Errorf("est: %w", err)
	}
	if ca == nil {
		return nil, fmt.Errorf("est: client of %s: no CA certificate to trust", base)
	}
	return newClient(base, ca), nil
}

// RenewRequest is a renewal of files enrolled before.
type RenewRequest struct {
	// Files are the current key and certificate, replaced by the renewed
	// ones (each kept as FILE.YYYYMMDDHHMMSS first). CA is not written.
	Files Files
	// Before is how long ahead of notAfter the certificate is due; zero
	// means when a third of its validity is left (RenewAt).
	Before time.Duration
	// Always renews even when the certificate is not due.
	Always bool
	// NewKey, when not nil, makes a new key for the renewed certificate;
	// nil keeps the current key.
	NewKey host.KeyGen
	// Now is the time the certificate is judged at; zero means time.Now().
	Now time.Time
}

// RenewResult says what RenewFiles did.
type RenewResult struct {
	// Renewed is true when the files were replaced.
	Renewed bool
	// Certificate is the certificate now in Files.Cert.
	Certificate *x509.Certificate
	// RenewAt is when Certificate is due.
	RenewAt time.Time
	// Kept, when not empty, is the file of the renewal an earlier run
	// could not install, installed now (KeptPaths).
	Kept string
}

// RenewFiles renews the certificate in req.Files when it is due (or
// req.Always): it re-enrolls (simplereenroll) with the current certificate
// and key as TLS client credentials, asking for the same subject and SANs,
// checks the new certificate as EnrollFiles does (the same subject byte
// for byte, and not ending before the current one), and replaces the
// certificate (and, with NewKey, the key) atomically, each backed up.
// When it is not due, nothing is sent. Every file it would write is
// checked before anything is sent (checkRenewOutputs). On any error the
// files are as they were. A renewal the server issued that cannot be
// installed is kept as CERT.renewed (KeptPaths) and the error says so; the
// next RenewFiles installs it first, due or not, without asking the
// server, which holds it as the current certificate.
func (c *Client) RenewFiles(ctx context.Context, req RenewRequest) (*RenewResult, error) {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	f := req.Files
	if err := f.Owner.CheckGive(); err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	cur, err := pki.ReadCertificate(f.Cert)
	if err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	key, err := pki.ReadKey(f.Key, nil)
	if err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	if !pki.KeyMatches(cur.PublicKey, key) {
		return nil, fmt.Errorf("renew: %s is not the key of %s: %w", f.Key, f.Cert, pki.ErrKeyMismatch)
	}
	kept, err := c.kept(f, cur, key)
	if err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	if kept != nil {
		if err := installKept(f, kept, now); err != nil {
			return nil, fmt.Errorf("renew: %w", err)
		}
		path, _ := KeptPaths(f)
		return &RenewResult{Renewed: true, Certificate: kept.Cert, RenewAt: RenewAt(kept.Cert, req.Before), Kept: path}, nil
	}
	res := &RenewResult{Certificate: cur, RenewAt: RenewAt(cur, req.Before)}
	if !req.Always && !Due(cur, req.Before, now) {
		return res, nil
	}
	if err := checkRenewOutputs(f, req.NewKey != nil); err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	subject, err := dn.ParseDER(cur.RawSubject)
	if err != nil {
		return nil, fmt.Errorf("renew: %s: %w", f.Cert, err)
	}
	sans := certSANs(cur)
	next := key
	if req.NewKey != nil {
		if next, err = req.NewKey(); err != nil {
			return nil, fmt.Errorf("renew: make key: %w", err)
		}
	}
	csr, err := pki.CreateRequest(next, pki.RequestTemplate{Subject: subject, SANs: sans, NoDefaultSAN: true})
	if err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	// Reenroll checks the subject byte for byte, the names, the key.
	cert, err := c.Reenroll(ctx, tls.Certificate{Certificate: [][]byte{cur.Raw}, PrivateKey: key, Leaf: cur}, csr)
	if err != nil {
		return nil, err
	}
	if err := c.verifyIssued(cert, next); err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	renewed := host.Bundle{Cert: cert}
	if req.NewKey != nil {
		// Both are staged and synced before either is renamed; only a
		// crash between the two renames leaves a new key beside the old
		// certificate, with both old files kept as backups.
		renewed.Key = next
	}
	// The CA certificate is the one trusted already: it is not written.
	if err := (host.Files{Key: f.Key, Cert: f.Cert, Owner: f.Owner}).Install(renewed, host.Options{Force: true, Now: now}); err != nil {
		return nil, fmt.Errorf("renew: %w", keep(f, renewed, err))
	}
	return &RenewResult{Renewed: true, Certificate: cert, RenewAt: RenewAt(cert, req.Before)}, nil
}

// certSANs are the alternative names of c.
func certSANs(c *x509.Certificate) pki.SANs {
	return pki.SANs{DNSNames: c.DNSNames, IPAddresses: c.IPAddresses, EmailAddresses: c.EmailAddresses, URIs: c.URIs}
}
