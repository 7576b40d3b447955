package inspect_test

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/inspect"
)

func ExampleResult_WriteText() {
	in, err := inspect.File("../../testdata/inspect/proxy-legacy-encrypted.key", inspect.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	in.WriteText(os.Stdout)
	// Output:
	// Private key (PEM "RSA PRIVATE KEY")
	//   Type:                RSA
	//   Format:              PKCS#1
	//   Encrypted:           yes, AES-256-CBC
}

// TestWriteTextStatus checks the validity line around each boundary of
// the units it rounds to.
func TestWriteTextStatus(t *testing.T) {
	notBefore := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	notAfter := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		now  time.Time
		want string
	}{
		{notBefore.Add(-36 * time.Hour), "not yet valid, starts in 36 hours"},
		{notBefore, "valid, expires in 366 days"},
		{notAfter.Add(-48 * time.Hour), "valid, expires in 2 days"},
		{notAfter.Add(-47 * time.Hour), "valid, expires in 47 hours"},
		{notAfter.Add(-119 * time.Second), "valid, expires in 119 seconds"},
		{notAfter.Add(-time.Second), "valid, expires in 1 second"},
		{notAfter, "valid, expires in 0 seconds"},
		{notAfter.Add(2 * time.Minute), "expired 2 minutes ago"},
	}
	for _, tc := range tests {
		status := inspect.ValidityValid
		switch {
		case tc.now.Before(notBefore):
			status = inspect.ValidityNotYetValid
		case tc.now.After(notAfter):
			status = inspect.ValidityExpired
		}
		o := inspect.Object{Kind: inspect.KindCertificate, Certificate: &inspect.CertificateInfo{
			Serial: big.NewInt(0x1000), NotBefore: notBefore, NotAfter: notAfter,
			TimeLeft: notAfter.Sub(tc.now), Status: status,
		}}
		var b bytes.Buffer
		if err := o.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if want := "  Status:              " + tc.want + "\n"; !strings.Contains(b.String(), want) {
			t.Errorf("at %s: no line %q in\n%s", tc.now, want, b.String())
		}
	}
}

// TestWriteTextCertificate checks the lines openssl users compare with
// what openssl prints: hex with colons, openssl's usage names, critical
// first as in an extension file.
func TestWriteTextCertificate(t *testing.T) {
	in := inspectFixture(t, "chain.pem")
	var b bytes.Buffer
	if err := in.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	c := in.Objects[0].Certificate
	for _, want := range []string{
		"Certificate (PEM \"CERTIFICATE\")\n  Subject:             /C=US/O=Example Inc./CN=proxy.example.com\n",
		"  Serial:              1001\n",
		"  Key usage:           critical, digitalSignature, keyEncipherment\n",
		"  Extended key usage:  critical, serverAuth, clientAuth\n",
		"  Basic constraints:   CA:FALSE\n",
		"  Basic constraints:   critical, CA:TRUE\n",
		"  Subject alt names:   DNS:proxy.example.com, IP:192.0.2.10\n",
		"  Other extensions:    authorityInfoAccess\n",
		"  SHA-256 fingerprint: " + colonHex(c.SHA256) + "\n\nCertificate",
		"  Subject key ID:      " + colonHex(c.Extensions.SubjectKeyID) + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text has no %q:\n%s", want, text)
		}
	}
}

// failingWriter fails every write, as a closed pipe does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("broken pipe") }

func TestWriteTextReportsWriteError(t *testing.T) {
	if err := inspectFixture(t, "chain.pem").WriteText(failingWriter{}); err == nil {
		t.Error("no error from a failing writer")
	}
}
