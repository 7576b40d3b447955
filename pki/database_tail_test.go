package pki_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestSignRefusesUnterminatedNonLine: a last line without its newline
// that is neither an index line nor the beginning of one (what a crash in
// the middle of an append leaves) is not cut off: signing refuses, naming
// database.txt, with the directory byte-identical, and ReadDatabase and
// `ca check` report the same. An index whose lines end in CR alone is one
// such line: cutting it would lose every record.
func TestSignRefusesUnterminatedNonLine(t *testing.T) {
	t.Parallel()
	const whole = "V\t311128051453Z\t\t0FFF\tunknown\t/CN=earlier.example.com\n"
	crOnly := strings.ReplaceAll(whole+strings.Replace(whole, "0FFF", "0FFE", 1), "\n", "\r")
	for _, tc := range []struct{ name, data string }{
		{"lines ending in CR alone", crOnly},
		{"CR-only lines after whole ones", whole + crOnly},
		{"text", whole + "garbage"},
		{"a line with a bad date", whole + "V\tnot a date\t\t1001\tunknown\t/CN=x"},
		{"seven fields", whole + strings.TrimSuffix(whole, "\n") + "\textra"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pkitest.NewStore(t)
			pkitest.WriteFile(t, s.DatabasePath(), []byte(tc.data), 0o644)
			pkitest.WriteRequest(t, s, "proxy", pkitest.EngineProxySubject)
			before := pkitest.Snapshot(t, s.Dir())
			_, err := s.Sign(t.Context(), pki.SignRequest{Name: "proxy"})
			if !errors.Is(err, pki.ErrBadStore) || !strings.Contains(err.Error(), s.DatabasePath()) {
				t.Errorf("Sign: %v, want ErrBadStore naming %s", err, s.DatabasePath())
			}
			pkitest.AssertUnchanged(t, s.Dir(), before)
			if _, err := pki.ReadDatabase(s.DatabasePath()); !errors.Is(err, pki.ErrBadStore) {
				t.Errorf("ReadDatabase: %v, want ErrBadStore", err)
			}
			problems, err := s.Check(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) == 0 || !strings.Contains(strings.Join(problems, "\n"), s.DatabasePath()) {
				t.Errorf("Check: %q, want database.txt reported", problems)
			}
			if got := pkitest.ReadFile(t, s.DatabasePath()); got != tc.data {
				t.Errorf("database.txt changed:\n%q", got)
			}
		})
	}
}
