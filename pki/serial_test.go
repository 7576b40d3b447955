package pki_test

import (
	"math/big"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

func TestFormatSerial(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		hex  string // input, parsed as hexadecimal
		want string
	}{
		{"1", "01"},
		{"a", "0A"},
		{"ff", "FF"},
		{"100", "0100"},
		{"1000", "1000"},
		{"1001", "1001"},
		{"abcde", "0ABCDE"},
		{"deadbeefcafe", "DEADBEEFCAFE"},
		{"123456789abcdef0123456789abcdef012345678", "123456789ABCDEF0123456789ABCDEF012345678"},
	} {
		n, ok := new(big.Int).SetString(tc.hex, 16)
		if !ok {
			t.Fatalf("bad test input %q", tc.hex)
		}
		if got := pki.FormatSerial(n); got != tc.want {
			t.Errorf("FormatSerial(0x%s) = %q, want %q", tc.hex, got, tc.want)
		}
	}
}

// TestSignSerialFile: Sign reads serial.txt as openssl writes it (or as a
// person might) and writes it back in openssl's form.
func TestSignSerialFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file       string
		serial, nextFile string
	}{
		{"openssl's form", "1001\n", "1001", "1002\n"},
		{"lowercase", "10af\n", "10AF", "10B0\n"},
		{"odd digits", "fff\n", "0FFF", "1000\n"},
		{"one digit", "9", "09", "0A\n"},
		{"leading zeros", "000010\n", "10", "11\n"},
		{"blanks", "  1001 \r\n", "1001", "1002\n"},
		{"carry to more digits", "FFFF\n", "FFFF", "010000\n"},
		{"twenty bytes", "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE\n", "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE", "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteFile(t, s.SerialPath(), []byte(tc.file), 0o644)
			// Without the CA's line (serial 1000), which signing refuses
			// to go below (TestSignRefusesSerialBehindIndex).
			pkitest.WriteFile(t, s.DatabasePath(), nil, 0o644)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			issued, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := new(big.Int).SetString(tc.serial, 16)
			if issued.Serial != tc.serial || issued.Certificate.SerialNumber.Cmp(want) != 0 {
				t.Errorf("serial %s (%X), want %s", issued.Serial, issued.Certificate.SerialNumber, tc.serial)
			}
			if got := pkitest.ReadFile(t, s.SerialPath()); got != tc.nextFile {
				t.Errorf("serial.txt = %q, want %q", got, tc.nextFile)
			}
			if got := pkitest.PermOf(t, s.SerialPath()); got != 0o644 {
				t.Errorf("serial.txt mode %v", got)
			}
			assertSameFile(t, s.CertPath("proxy"), s.SerialCertPath(tc.serial))
			lines := storeDatabaseLines(t, s)
			if len(lines) != 1 || lines[0] != "V\t"+indexUTCTime(issued.Certificate.NotAfter)+"\t\t"+tc.serial+"\tunknown\t"+pkitest.EngineProxySubject+"\n" {
				t.Errorf("database.txt %q", lines)
			}
		})
	}
}
