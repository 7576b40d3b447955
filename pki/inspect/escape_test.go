package inspect_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki/inspect"
)

// hostileText holds what a hostile certificate or request carries to the
// terminal: clear screen, an OSC title ended by BEL, a C1 CSI.
const hostileText = "a\x1b[2Jb\x1b]0;pwned\x07c\u009b2Jd"

// hostileName is a subject with hostileText in its CN, and a T61String
// (read as Latin-1, so 0x9B is the C1 control CSI) with ESC in its O.
func hostileName(t *testing.T) []byte {
	t.Helper()
	rdns := pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: asn1.RawValue{Tag: asn1.TagT61String, Bytes: []byte("o\xff\xfe\x9b\x1b[2J")}}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: hostileText}},
	}
	der, err := asn1.Marshal(rdns)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// assertNoControls fails when text holds a control character other than
// the newlines that end its lines, or bytes that are not UTF-8.
func assertNoControls(t *testing.T, text string) {
	t.Helper()
	if !utf8.ValidString(text) {
		t.Fatalf("invalid UTF-8 in\n%q", text)
	}
	for i, r := range text {
		if r != '\n' && unicode.IsControl(r) {
			t.Fatalf("offset %d is control %U in\n%q", i, r, text)
		}
	}
}

// TestWriteTextEscapesControls: the text of inspect escapes every control
// character a certificate or a request brings (subject, issuer, SANs),
// and the JSON keeps the exact values.
func TestWriteTextEscapesControls(t *testing.T) {
	key := pkitest.SharedKey(t, pkitest.RequestKey)
	tmpl := &x509.Certificate{
		SerialNumber:   big.NewInt(0x1001),
		RawSubject:     hostileName(t),
		NotBefore:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:       time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:       []string{"evil\x1b[2J.example", "bell\x07.example"},
		EmailAddresses: []string{"a\x1b]2;t\x07@x.example"},
	}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		RawSubject: hostileName(t), DNSNames: []string{"evil\x1b[2J.example"},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})...)
	in, err := inspect.Bytes(data, inspect.Options{Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := in.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	assertNoControls(t, text)
	for _, want := range []string{
		`CN=a\x1B[2Jb\x1B]0;pwned\x07c\xC2\x9B2Jd`,
		`DNS:evil\x1B[2J.example`,
		`DNS:bell\x07.example`,
		`/O=oÿþ\xC2\x9B\x1B[2J/`,
		`email:a\x1B]2;t\x07@x.example`,
	} {
		if strings.Count(text, want) < 1 {
			t.Errorf("text lacks %s:\n%s", want, text)
		}
	}

	js, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`evil\u001b[2J.example`, `bell\u0007.example`, `\u001b]0;pwned\u0007`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("JSON does not keep the exact value %s:\n%s", want, js)
		}
	}
}
