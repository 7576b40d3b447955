package pki_test

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/pki"
)

// Fuzz targets for every parser of outside input that FuzzParse (package dn),
// FuzzParseRequest and FuzzInspect leave out. Each must never panic, fail
// with one line wrapping the package's sentinel, and accept only what the
// rest of the package can use. Seeds are in testdata/fuzz/FuzzX; `make fuzz`
// runs each target for $(FUZZTIME).

// badCorpus is the hostile-input corpus of the command's tests, whose files
// seed the binary parsers.
const badCorpus = "../testdata/bad"

// addCorpusFiles adds corpus files as seeds.
func addCorpusFiles(f *testing.F, names ...string) {
	f.Helper()
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(badCorpus, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// checkOneLine fails the test unless err is one line wrapping want.
func checkOneLine(t *testing.T, err error, want ...error) {
	t.Helper()
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Fatalf("error is not one line: %q", err)
	}
	for _, w := range want {
		if errors.Is(err, w) {
			return
		}
	}
	t.Fatalf("error %q wraps none of %v", err, want)
}

// FuzzParseSANs: what ParseSANs accepts prints in openssl syntax as a list
// that ParseSANs reads back to the same names.
func FuzzParseSANs(f *testing.F) {
	for _, s := range []string{"DNS:proxy.example.com,IP:192.0.2.10", "email:a@example.com, URI:https://x.example.com/p?q#f",
		"dns:*.example.com,ip:2001:db8::1", "DNS:", "IP:fe80::1%eth0", "URI:urn:uuid:1234", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		sans, err := pki.ParseSANs(list)
		if err != nil {
			checkOneLine(t, err, pki.ErrBadSAN)
			return
		}
		text := sans.String()
		back, err := pki.ParseSANs(text)
		if err != nil {
			t.Fatalf("ParseSANs(%q) printed %q, which does not parse: %v", list, text, err)
		}
		if back.String() != text {
			t.Fatalf("ParseSANs(%q) printed %q, read back as %q", list, text, back.String())
		}
	})
}

// allKeyUsages are the bits ParseKeyUsage may set.
const allKeyUsages = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment |
	x509.KeyUsageDataEncipherment | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign | x509.KeyUsageCRLSign |
	x509.KeyUsageEncipherOnly | x509.KeyUsageDecipherOnly

// FuzzParseKeyUsage: an accepted list sets at least one known bit and
// nothing else.
func FuzzParseKeyUsage(f *testing.F) {
	for _, s := range []string{"digitalSignature,keyEncipherment", "critical, keyCertSign, cRLSign", "DIGITALSIGNATURE", ",,", "bogus"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		ku, err := pki.ParseKeyUsage(list)
		if err != nil {
			checkOneLine(t, err, pki.ErrBadUsage)
			return
		}
		if ku == 0 || ku&^allKeyUsages != 0 {
			t.Fatalf("ParseKeyUsage(%q) = %b", list, ku)
		}
	})
}

// FuzzParseExtKeyUsage: an accepted list is not empty and encodes, as
// signing must encode it after it has taken the lock.
func FuzzParseExtKeyUsage(f *testing.F) {
	for _, s := range []string{"serverAuth,clientAuth", "critical,1.3.6.1.5.5.7.3.1", "2.999.1", "1.40", "0.1.2", "1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		oids, err := pki.ParseExtKeyUsage(list)
		if err != nil {
			checkOneLine(t, err, pki.ErrBadUsage)
			return
		}
		if len(oids) == 0 {
			t.Fatalf("ParseExtKeyUsage(%q) accepted an empty list", list)
		}
		if _, err := asn1.Marshal(oids); err != nil {
			t.Fatalf("ParseExtKeyUsage(%q) = %v, which does not encode: %v", list, oids, err)
		}
	})
}

// FuzzParseKey reads keys with and without a passphrase: an accepted key
// is strong, and encodes and decodes back to the same key.
func FuzzParseKey(f *testing.F) {
	for _, name := range []string{"leaf.key", "key-encrypted.pem", "p224.key", "rsa1024.key", "key-truncated.pem", "ec-params-only.pem"} {
		data, err := os.ReadFile(filepath.Join(badCorpus, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, []byte(nil))
		f.Add(data, []byte("hostile-corpus-pass"))
	}
	f.Fuzz(func(t *testing.T, data, passphrase []byte) {
		key, err := pki.ParseKey(data, passphrase)
		if err != nil {
			checkOneLine(t, err, pki.ErrNotKey, pki.ErrPassphrase, pki.ErrWeakKey)
			return
		}
		if err := pki.ValidatePublicKey(key.Public()); err != nil {
			t.Fatalf("accepted a weak key: %v", err)
		}
		pemData, err := pki.EncodeKey(key, pki.KeyEncoding{})
		if err != nil {
			t.Fatalf("accepted a key that does not encode: %v", err)
		}
		back, err := pki.ParseKey(pemData, nil)
		if err != nil {
			t.Fatalf("re-encoded key does not parse: %v", err)
		}
		if !pki.KeyMatches(back.Public(), key) {
			t.Fatal("re-encoded key is another key")
		}
	})
}

// FuzzParseEntry: an index line that parses prints (Entry.String) as a line
// that parses to the same entry.
func FuzzParseEntry(f *testing.F) {
	for _, s := range []string{
		"V\t350101000000Z\t\t1000\tunknown\t/C=US/O=Example Inc./CN=proxy.example.com",
		"R\t20510101000000Z\t250601120000Z,keyCompromise\t0A1B\tunknown\t/CN=x",
		"E\t990101000000Z\t\t01\tcert.pem\t/CN=old",
		"V\t350101000000Z\t\t1000\t\t/CN=no file name",
		"R\t350101000000Z\t00010101000000Z,keyCompromise\t10\tunknown\t/CN=revoked at the zero time",
		"X\t350101000000Z\t\t1000\tunknown\t/CN=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, err := pki.ParseEntry(line)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		text := e.String()
		back, err := pki.ParseEntry(text)
		if err != nil {
			t.Fatalf("ParseEntry(%q) printed %q, which does not parse: %v", line, text, err)
		}
		if !sameEntry(back, e) {
			t.Fatalf("ParseEntry(%q) = %+v printed %q, read back as %+v", line, e, text, back)
		}
	})
}

// sameEntry compares entries, times by instant.
func sameEntry(a, b pki.Entry) bool {
	return a.Status == b.Status && a.Expiry.Equal(b.Expiry) && a.Revoked.Equal(b.Revoked) && a.Reason == b.Reason &&
		a.Serial == b.Serial && a.File == b.File && a.Subject == b.Subject
}

// FuzzParseCRL: anything that is not a CRL is ErrNotCRL, in one line.
func FuzzParseCRL(f *testing.F) {
	addCorpusFiles(f, "ca.crl", "crl-truncated.pem", "crl-tampered.pem", "ca.pem")
	f.Fuzz(func(t *testing.T, data []byte) {
		crl, err := pki.ParseCRL(data)
		if err != nil {
			checkOneLine(t, err, pki.ErrNotCRL)
			return
		}
		if crl == nil || len(crl.Raw) == 0 {
			t.Fatal("accepted a CRL without content")
		}
	})
}

// FuzzParseCertificates: an accepted bundle holds at least one certificate
// and no nil; anything else is ErrNotCertificate, in one line.
func FuzzParseCertificates(f *testing.F) {
	addCorpusFiles(f, "ca.pem", "leaf.cer", "cert-trailing.der", "pkcs7.pem", "cert-no-end.pem")
	f.Add([]byte("-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := pki.ParseCertificates(data)
		if err != nil {
			checkOneLine(t, err, pki.ErrNotCertificate)
			return
		}
		if len(certs) == 0 {
			t.Fatal("accepted no certificate")
		}
		for i, c := range certs {
			if c == nil || len(c.Raw) == 0 {
				t.Fatalf("certificate %d is empty", i+1)
			}
		}
	})
}

// FuzzDecodePKCS12: an accepted bundle's certificate belongs to its key;
// every failure is one line wrapping one of the bundle's sentinels.
func FuzzDecodePKCS12(f *testing.F) {
	for _, name := range []string{"bundle.p12", "p12-no-key.p12", "p12-truncated.p12"} {
		data, err := os.ReadFile(filepath.Join(badCorpus, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "hostile-corpus-pass")
		f.Add(data, "wrong")
	}
	f.Add([]byte{0x30, 0x80}, "")
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		b, err := pki.DecodePKCS12(data, password)
		if err != nil {
			checkOneLine(t, err, pki.ErrNotPKCS12, pki.ErrPassword, pki.ErrNoKey, pki.ErrNotCertificate,
				pki.ErrWeakKey, pki.ErrKeyMismatch)
			return
		}
		if b.Key == nil || b.Certificate == nil {
			t.Fatal("accepted a bundle without key or certificate")
		}
		if !pki.KeyMatches(b.Certificate.PublicKey, b.Key) {
			t.Fatal("the bundle's certificate is not its key's")
		}
	})
}

// TestStoreFieldErrorsShowNoContent: a serial or index field longer than
// any valid one is measured in the error, never shown (the hostile-input
// test found serial.txt echoed whole, 1 KiB of whatever it held).
func TestStoreFieldErrorsShowNoContent(t *testing.T) {
	long := strings.Repeat("SECRET", 100)
	for _, line := range []string{
		long + "\t350101000000Z\t\t1000\tunknown\t/CN=x",
		"V\t" + long + "\t\t1000\tunknown\t/CN=x",
		"R\t350101000000Z\t" + long + "\t1000\tunknown\t/CN=x",
		"V\t350101000000Z\t\t" + long + "\tunknown\t/CN=x",
	} {
		_, err := pki.ParseEntry(line)
		if err == nil {
			t.Fatalf("ParseEntry accepted a %d-byte field", len(long))
		}
		if strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "(600 bytes)") {
			t.Errorf("ParseEntry: %v", err)
		}
	}
}
