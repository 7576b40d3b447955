package pki_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// TestSignConcurrent: signers with their own Store values (as separate
// processes would be) take turns on the lock: every one succeeds, serials
// are unique and consecutive, and the index gets one whole line each.
func TestSignConcurrent(t *testing.T) {
	t.Parallel()
	const n = 8
	s := pkitest.NewStore(t)
	for i := range n {
		pkitest.WriteRequest(t, s, fmt.Sprintf("proxy%d", i), fmt.Sprintf("/C=US/O=Example Inc./CN=proxy%d.example.com", i))
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	issued := make([]*pki.Issued, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			store, err := pki.OpenStore(s.Dir())
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			issued[i], errs[i] = store.Sign(t.Context(), pki.SignRequest{Name: fmt.Sprintf("proxy%d", i)})
		})
	}
	close(start)
	wg.Wait()

	var serials []string
	for i, err := range errs {
		if err != nil {
			t.Fatalf("signer %d: %v", i, err)
		}
		serials = append(serials, issued[i].Serial)
		assertSameFile(t, s.CertPath(issued[i].Name), s.SerialCertPath(issued[i].Serial))
	}
	slices.Sort(serials)
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("%X", 0x1001+i))
	}
	if !slices.Equal(serials, want) {
		t.Errorf("serials %v, want %v", serials, want)
	}
	if got, want := pkitest.ReadFile(t, s.SerialPath()), fmt.Sprintf("%X\n", 0x1001+n); got != want {
		t.Errorf("serial.txt = %q, want %q", got, want)
	}

	lines := storeDatabaseLines(t, s)
	if len(lines) != n {
		t.Fatalf("%d database lines, want %d:\n%s", len(lines), n, strings.Join(lines, ""))
	}
	bySerial := make(map[string]*pki.Issued)
	for _, is := range issued {
		bySerial[is.Serial] = is
	}
	for i, line := range lines {
		e, err := pki.ParseEntry(strings.TrimSuffix(line, "\n"))
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		is := bySerial[e.Serial]
		if is == nil {
			t.Fatalf("line %d: serial %s was not issued", i+1, e.Serial)
		}
		delete(bySerial, e.Serial)
		if want := fmt.Sprintf("/C=US/O=Example Inc./CN=%s.example.com", is.Name); e.Subject != want {
			t.Errorf("line %d: subject %s, want %s", i+1, e.Subject, want)
		}
		// The index is appended in lock order, so serials ascend.
		if want := fmt.Sprintf("%X", 0x1001+i); e.Serial != want {
			t.Errorf("line %d: serial %s, want %s", i+1, e.Serial, want)
		}
	}
	pkitest.AssertNoTempFiles(t, s.Dir())
}
