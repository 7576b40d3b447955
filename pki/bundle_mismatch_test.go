package pki_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// renewWithoutBundle replaces certs/NAME.cer with a certificate for
// another key, as an EST renewal does: signed from a request in memory,
// keys/ and requests/ untouched.
func renewWithoutBundle(t *testing.T, s *pki.Store, name string) {
	t.Helper()
	der, err := pki.CreateRequest(pkitest.SharedKey(t, pkitest.OtherKey), pki.RequestTemplate{Subject: pkitest.Name(t, pkitest.EngineProxySubject)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(t.Context(), pki.SignRequest{Name: name, CSR: der}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckReportsBundleOfAnotherKey: a name enrolled as a PKCS#12 bundle
// and then renewed with another key (over EST) leaves keys/NAME.p12 with
// a key that is not the certificate's; `ca check` says so, whether the
// bundle opens with the engine's password (its key is compared) or not
// (the request written with it is). A consistent enrollment is clean.
func TestCheckReportsBundleOfAnotherKey(t *testing.T) {
	for _, password := range []string{"mypass", "pw"} {
		t.Run(password, func(t *testing.T) {
			s := enrollStore(t, pkitest.NewStore(t))
			req := enrollRequest(t)
			req.Password = password
			if _, err := s.Enroll(t.Context(), req); err != nil {
				t.Fatal(err)
			}
			if problems, err := s.Check(t.Context()); err != nil || len(problems) > 0 {
				t.Fatalf("Check after enrolling: %q, %v", problems, err)
			}
			renewWithoutBundle(t, s, "proxy")
			problems, err := s.Check(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 || !strings.Contains(problems[0], s.PKCS12Path("proxy")) ||
				!strings.Contains(problems[0], "another key than "+s.CertPath("proxy")) {
				t.Errorf("Check: %q, want keys/proxy.p12 reported as another key than certs/proxy.cer", problems)
			}
		})
	}
}

// TestEnrollKeepKeyRefusesBundleOfAnotherKey: enroll --keep-key with a
// bundle whose key is no longer certs/NAME.cer's would replace the
// current certificate (the proxy's, renewed over EST) with one for the
// bundle's old key: it is refused, the directory unchanged.
func TestEnrollKeepKeyRefusesBundleOfAnotherKey(t *testing.T) {
	s := enrollStore(t, pkitest.NewStore(t))
	if _, err := s.Enroll(t.Context(), enrollRequest(t)); err != nil {
		t.Fatal(err)
	}
	renewWithoutBundle(t, s, "proxy")
	before := pkitest.Snapshot(t, s.Dir())
	req := enrollRequest(t)
	req.KeepKey = true
	_, err := s.Enroll(t.Context(), req)
	if !errors.Is(err, pki.ErrKeyMismatch) || !strings.Contains(err.Error(), s.PKCS12Path("proxy")) || !strings.Contains(err.Error(), s.CertPath("proxy")) {
		t.Errorf("Enroll --keep-key: %v, want ErrKeyMismatch naming keys/proxy.p12 and certs/proxy.cer", err)
	}
	pkitest.AssertUnchanged(t, s.Dir(), before)
}
