package est

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// staleTemp is how old a temporary file in est/tokens must be to count as
// a crash's leftover: its writer (token create, an enrollment's release)
// renames it within milliseconds. Removing one whose writer is merely
// stalled only makes that writer fail, before its record changed.
const staleTemp = 10 * time.Second

// backdate is how far before the signing pki sets a certificate's
// notBefore (see pki's validity): with the token's days it gives, from the
// index's notAfter, when a certificate was signed.
const backdate = 24 * time.Hour

// Reconcile settles, under the store's lock, the tokens that enrollments
// held when the server died, as `ca check` does: claimed (the enrollment
// waited for the lock) or signing (it had the lock, and may have written
// its index line). A token whose certificate the index holds is used, its
// serial recorded; one without is active again (listed expired when past
// its expiry). It also removes the temporary files a killed token create
// or release left in est/tokens. It returns one line per token settled,
// none when there was nothing to do. A claimed record that cannot be read
// is left as it is, and not among the lines: Census counts it (ca check
// reports it there, once).
//
// Under the lock no enrollment is between its check and its index line, so
// the index is final. One that is waiting for the lock while Reconcile
// runs finds its token given back and is told to retry.
func (ts *Tokens) Reconcile(ctx context.Context, store *pki.Store) ([]string, error) {
	if store == nil {
		return nil, fmt.Errorf("reconcile tokens in %s: no PKI directory to settle them against", ts.Dir())
	}
	var lines []string
	err := store.Locked(ctx, func() error {
		var err error
		lines, err = ts.reconcile(store)
		return err
	})
	return lines, err
}

// held is a token record left claimed: its ID and state suffix.
type held struct{ id, suffix string }

// reconcile is Reconcile, under the lock.
func (ts *Tokens) reconcile(store *pki.Store) ([]string, error) {
	entries, err := os.ReadDir(ts.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settle tokens %s: %w", ts.dir, err)
	}
	var claimed []held
	// taken are the serials that used tokens recorded: not another's.
	taken := make(map[string]bool)
	for _, e := range entries {
		name := e.Name()
		if atomicfile.IsTemp(name) {
			ts.removeStale(e)
			continue
		}
		ext := filepath.Ext(name)
		id := strings.TrimSuffix(name, ext)
		if len(id) != sha256.Size*2 || !e.Type().IsRegular() {
			continue
		}
		switch ext {
		case suffixClaimed, suffixSigning:
			claimed = append(claimed, held{id, ext})
		case suffixUsed:
			if u, err := ts.read(id, suffixUsed); err == nil && u.Serial != "" {
				taken[u.Serial] = true
			}
		}
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	index, err := pki.ReadDatabase(store.DatabasePath())
	if err != nil {
		return nil, fmt.Errorf("settle claimed tokens: %w", err)
	}
	now := ts.now()
	var lines []string
	for _, h := range claimed {
		t, err := ts.read(h.id, h.suffix)
		if err != nil {
			// Left claimed, and so spent, until someone looks. Census
			// counts it with every other record that cannot be read,
			// which ca check reports: a line here would say it twice.
			continue
		}
		what := fmt.Sprintf("token %s (%s) was claimed by an enrollment the server did not finish", h.id[:12], t.Name)
		if serial := issuedWith(store, t, index, taken); serial != "" {
			taken[serial] = true
			if err := ts.markUsed(t, h.suffix, serial); err != nil {
				lines = append(lines, fmt.Sprintf("%s: certificate %s was issued; %v", what, serial, err))
				continue
			}
			lines = append(lines, fmt.Sprintf("%s: certificate %s was issued: used", what, serial))
			continue
		}
		if err := atomicfile.RenameFile(ts.path(h.id, h.suffix), ts.path(h.id, suffixActive)); err != nil {
			lines = append(lines, fmt.Sprintf("%s: no certificate was issued, but it cannot be given back: %v", what, err))
			continue
		}
		state := "active again"
		if !now.Before(t.Expires) {
			state = "expired"
		}
		lines = append(lines, fmt.Sprintf("%s: no certificate was issued: %s", what, state))
	}
	// Tokens given back must stay usable after a crash.
	if err := atomicfile.SyncDir(ts.dir); err != nil {
		return lines, fmt.Errorf("settle tokens %s: %w", ts.dir, err)
	}
	return lines, nil
}

// removeStale removes a temporary file older than staleTemp.
func (ts *Tokens) removeStale(e fs.DirEntry) {
	fi, err := e.Info()
	if err != nil || !fi.Mode().IsRegular() || time.Since(fi.ModTime()) < staleTemp {
		return
	}
	_ = os.Remove(filepath.Join(ts.dir, e.Name()))
}

// issuedWith returns the serial of the certificate t issued, as far as the
// index tells, or "" for none: a line with t's subject, not recorded by
// another used token, signed during t's life (from its notAfter and t's
// days, counted as pki counts them), whose certs/SERIAL.pem, when it can be
// read, has t's SANs. Another certificate of the same name, subject, SANs
// and validity signed in the same window would be taken for it: the token
// is then spent, the safe side.
func issuedWith(store *pki.Store, t Token, index []pki.Entry, taken map[string]bool) string {
	subject, err := dn.Parse(t.Subject)
	if err != nil {
		return "" // grant refuses such a token: it issued nothing
	}
	want := subject.OneLine()
	sans := t.SANs
	if sans.Validate() != nil {
		return "" // grant refuses such a token: it issued nothing
	}
	for _, e := range index {
		if taken[e.Serial] || e.Subject != want {
			continue
		}
		if !signedDuring(e, t) {
			continue
		}
		// The token grants its SANs or a part of them (grant).
		if cert, err := pki.ReadCertificate(store.SerialCertPath(e.Serial)); err == nil && !subsetSANs(certSANs(cert), sans) {
			continue
		}
		return e.Serial
	}
	return ""
}

// signedDuring reports whether the certificate of index line e was signed
// during t's life, its signing time worked out from its notAfter and t's
// days, counted as pki counts them.
func signedDuring(e pki.Entry, t Token) bool {
	signed := e.Expiry.Add(time.Second + backdate - time.Duration(t.Days)*24*time.Hour)
	return !signed.Before(t.Created) && !signed.After(t.Expires.Add(time.Minute))
}

// subsetSANs reports whether every name of a is one of b's, the case of
// DNS names aside.
func subsetSANs(a, b pki.SANs) bool {
	have := map[string]bool{}
	for _, n := range b.List() {
		have[strings.ToLower(n)] = true
	}
	for _, n := range a.List() {
		if !have[strings.ToLower(n)] {
			return false
		}
	}
	return true
}
