//go:build openssl && cgo

package opensslsign_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/opensslsign"
	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
)

// newSigner wraps the shared test CA key, failing the test when OpenSSL
// is not there: a build with the tag is meant to exercise it.
func newSigner(t testing.TB) (*rsa.PrivateKey, crypto.Signer) {
	t.Helper()
	key := pkitest.SharedKey(t, pkitest.CAKey)
	requireLibcrypto(t)
	s, err := opensslsign.New(key)
	if err != nil {
		t.Fatalf("opensslsign.New: %v", err)
	}
	return key, s
}

// requireLibcrypto skips (fails under CI) where libcrypto does not load.
func requireLibcrypto(t testing.TB) {
	t.Helper()
	if st := opensslsign.Status(); strings.HasPrefix(st, "go (opensslsign:") {
		testenv.Missing(t, "OpenSSL's libcrypto does not load ("+st+"): install libssl3")
	}
}

func digestOf(h crypto.Hash, msg []byte) []byte {
	w := h.New()
	w.Write(msg)
	return w.Sum(nil)
}

// PKCS#1 v1.5 is deterministic: OpenSSL's signature must be the very bytes
// Go's crypto/rsa makes, and verify with Go.
func TestPKCS1v15SameAsGo(t *testing.T) {
	key, s := newSigner(t)
	if !key.PublicKey.Equal(s.Public()) {
		t.Fatal("Public() is not the key's public key")
	}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		d := digestOf(h, []byte("tbsCertificate"))
		got, err := s.Sign(rand.Reader, d, h)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		want, err := rsa.SignPKCS1v15(nil, key, h, d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: OpenSSL's signature differs from Go's", h)
		}
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, h, d, got); err != nil {
			t.Errorf("%s: Go does not verify OpenSSL's signature: %v", h, err)
		}
	}
}

func TestPSS(t *testing.T) {
	key, s := newSigner(t)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
		for _, salt := range []int{rsa.PSSSaltLengthEqualsHash, rsa.PSSSaltLengthAuto, 20} {
			d := digestOf(h, []byte("tbs"))
			opts := &rsa.PSSOptions{Hash: h, SaltLength: salt}
			sig, err := s.Sign(rand.Reader, d, opts)
			if err != nil {
				t.Fatalf("%s salt %d: %v", h, salt, err)
			}
			if err := rsa.VerifyPSS(&key.PublicKey, h, d, sig, opts); err != nil {
				t.Errorf("%s salt %d: Go does not verify: %v", h, salt, err)
			}
			// Auto on verify: the salt length is read from the signature.
			if err := rsa.VerifyPSS(&key.PublicKey, h, d, sig, &rsa.PSSOptions{Hash: h}); err != nil {
				t.Errorf("%s salt %d: Go does not verify with an auto salt: %v", h, salt, err)
			}
		}
	}
}

// Hashes OpenSSL is not asked to sign go to Go's signer, with the same result
// rsa.PrivateKey.Sign gives.
func TestOtherHashesUseGo(t *testing.T) {
	key, s := newSigner(t)
	sum := sha1.Sum([]byte("old"))
	for _, c := range []struct {
		name   string
		digest []byte
		opts   crypto.SignerOpts
	}{
		{"SHA-1", sum[:], crypto.SHA1},
		{"unhashed", []byte("raw input"), crypto.Hash(0)},
	} {
		got, err := s.Sign(rand.Reader, c.digest, c.opts)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want, err := key.Sign(rand.Reader, c.digest, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: signature differs from Go's", c.name)
		}
	}
}

func TestWrongDigestLength(t *testing.T) {
	_, s := newSigner(t)
	sum := sha512.Sum512([]byte("x"))
	if _, err := s.Sign(rand.Reader, sum[:], crypto.SHA256); err == nil {
		t.Fatal("a 64-byte digest signed as SHA-256")
	}
	if _, err := s.Sign(rand.Reader, sum[:20], &rsa.PSSOptions{Hash: crypto.SHA256}); err == nil {
		t.Fatal("a 20-byte digest signed as SHA-256 PSS")
	}
}

// Run with -race: one signer on many goroutines, every signature exact.
func TestConcurrentSign(t *testing.T) {
	key, s := newSigner(t)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				d := sha256.Sum256([]byte{byte(w), byte(i)})
				sig, err := s.Sign(rand.Reader, d[:], crypto.SHA256)
				if err == nil {
					err = rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, d[:], sig)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestKeysNotHandled(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opensslsign.New(ec); !errors.Is(err, opensslsign.ErrUnavailable) {
		t.Errorf("ECDSA key: %v, want ErrUnavailable", err)
	}
	//lint:ignore SA1019 a three-prime key is what New must refuse
	mp, err := rsa.GenerateMultiPrimeKey(rand.Reader, 3, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opensslsign.New(mp); !errors.Is(err, opensslsign.ErrUnavailable) {
		t.Errorf("3-prime key: %v, want ErrUnavailable", err)
	}
}

func TestEnvChoosesGo(t *testing.T) {
	key := pkitest.SharedKey(t, pkitest.CAKey)
	requireLibcrypto(t)
	for _, c := range []struct{ value, status string }{
		{"go", "go (PKIENROLL_SIGNER=go)"},
		{"fast\x1b", `go (PKIENROLL_SIGNER="fast?" is not go, openssl or auto)`},
	} {
		t.Setenv(opensslsign.EnvVar, c.value)
		if _, err := opensslsign.New(key); !errors.Is(err, opensslsign.ErrUnavailable) {
			t.Errorf("%s=%q: New gave %v, want ErrUnavailable", opensslsign.EnvVar, c.value, err)
		}
		if got := opensslsign.Status(); got != c.status {
			t.Errorf("%s=%q: Status %q, want %q", opensslsign.EnvVar, c.value, got, c.status)
		}
	}
	for _, v := range []string{"", "auto", "openssl"} {
		t.Setenv(opensslsign.EnvVar, v)
		if _, err := opensslsign.New(key); err != nil {
			t.Errorf("%s=%q: %v", opensslsign.EnvVar, v, err)
		}
		if got := opensslsign.Status(); !strings.HasPrefix(got, "openssl (OpenSSL ") {
			t.Errorf("%s=%q: Status %q, want openssl (OpenSSL …)", opensslsign.EnvVar, v, got)
		}
	}
	if !opensslsign.Built {
		t.Error("Built is false in an openssl build")
	}
}
