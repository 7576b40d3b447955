package proxy

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/verify"
)

// CheckWebsocketFiles reads the proxy's key, certificate and engine
// certificate of files, and the CA certificates of caFile, and checks what
// browsers and the proxy need of them, with verify.Certificate: the key
// (without passphrase: the service starts unattended) matches the
// certificate, which chains to the CA, is valid at now (the present when zero),
// names host and may serve TLS; and the engine's certificate is signed by
// the CA, valid, and can be the engine's (VerifyEngineLeaf without a host,
// as websocket-proxy engine-cert --from checks it; and not the proxy's own
// certificate). All that fails is reported in one error that wraps
// ErrUnfitCertificate (and pki.ErrKeyMismatch when the key is the problem).
func CheckWebsocketFiles(files WebsocketFiles, caFile, host string, now time.Time) error {
	host, err := CheckWebsocketHost(host)
	if err != nil {
		return err
	}
	cas, err := pki.ReadCertificates(caFile)
	if err != nil {
		return err
	}
	cert, err := pki.ReadCertificate(files.Cert)
	if err != nil {
		return err
	}
	key, err := pki.ReadKey(files.Key, nil)
	if err != nil {
		return fmt.Errorf("%w (the websocket proxy needs a key without passphrase)", err)
	}
	engine, err := pki.ReadCertificate(files.EngineCert)
	if err != nil {
		return err
	}
	if err := checkServerFiles(files.Cert, files.Key, caFile, cert, key, cas, host, now); err != nil {
		return err
	}
	if err := VerifyEngineCertificate(engine, cas, now); err != nil {
		return fmt.Errorf("engine certificate %s: %w", files.EngineCert, err)
	}
	// As engine-cert takes it from a file: not a CA's, and not the
	// proxy's own, whose key signs no console ticket.
	if err := VerifyEngineLeaf(engine, ""); err != nil {
		return fmt.Errorf("engine certificate %s: %w", files.EngineCert, err)
	}
	if bytes.Equal(engine.Raw, cert.Raw) {
		return fmt.Errorf("engine certificate %s: %w", files.EngineCert,
			&unfitError{msg: "it is the websocket proxy's own certificate " + files.Cert + ", not the engine's"})
	}
	return nil
}

// VerifyEngineCertificate checks that the engine's certificate is signed
// by one of cas and valid at now (the present when zero): the proxy takes the
// signatures of console tickets made with its key as the engine's word.
// The error wraps ErrUnfitCertificate.
func VerifyEngineCertificate(cert *x509.Certificate, cas []*x509.Certificate, now time.Time) error {
	var failed []string
	for _, r := range verify.Certificate(cert, verify.Options{CAs: cas, Now: now}).Failed() {
		if r.Check == verify.Chain || r.Check == verify.Validity {
			failed = append(failed, string(r.Check)+": "+r.Detail)
		}
	}
	if failed == nil {
		return nil
	}
	return &unfitError{msg: strings.Join(failed, "; ")}
}
