package est

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
)

// claim is one enrollment's hold on its token, from the claim to the
// release. The token's record moves, each step a rename:
//
//	.json → .claimed      claim: of enrollments racing with one token, one wins
//	                      (flushed with the commit's first flush, before the index line)
//	.claimed → .signing   precondition, under the store's lock, just before signing
//	.signing → .used      release, once the index holds the certificate (ca check, settling, writes its serial in)
//	.claimed, .signing → .json   release, when no certificate was issued
//
// `token revoke` renames .json or .claimed to .revoked. Its rename and the
// precondition's race for .claimed, and exactly one wins: a token revoked
// while its enrollment waits for the lock does not issue, and one whose
// enrollment got the lock first is not reported revoked. The precondition
// runs in the same hold of the lock as the index append, so what it checks
// (the state, the expiry) still holds at the commit point.
type claim struct {
	ts *Tokens
	t  Token
	// at is the suffix of the record as this enrollment last left it; ""
	// once someone else (token revoke, ca check) has moved it.
	at string
}

// precondition is the enrollment's pki.SignRequest.Precondition: under the
// store's lock, the token must still be claimed by this enrollment and
// unexpired. It returns a refusal when not; the token is then released as
// it is (a revoked one stays revoked, an expired one is listed expired).
func (c *claim) precondition() error {
	id := c.t.ID
	if !c.ts.now().Before(c.t.Expires) {
		return tokenRefusal(fmt.Errorf("%w at %s", ErrTokenExpired, c.t.Expires.UTC().Format(time.RFC3339)))
	}
	if c.at == suffixSigning {
		// A batch that failed is signed again request by request; under
		// the lock only ca check moves a .signing record.
		if _, err := os.Lstat(c.ts.path(id, suffixSigning)); err != nil {
			c.at = ""
			return refuse(http.StatusServiceUnavailable, err, "the token was given back by ca check; retry")
		}
		return nil
	}
	err := atomicfile.RenameFile(c.ts.path(id, suffixClaimed), c.ts.path(id, suffixSigning))
	if errors.Is(err, fs.ErrNotExist) {
		c.at = ""
		if _, err := os.Lstat(c.ts.path(id, suffixActive)); err == nil {
			return refuse(http.StatusServiceUnavailable, nil, "the token was given back by ca check; retry")
		}
		return tokenRefusal(c.ts.whyGone(id))
	}
	if err != nil {
		return fmt.Errorf("sign with token %s: %w", id[:12], err)
	}
	// No flush here: the commit that follows flushes the token directory
	// (the sign request's StateDir) before the index line; a crash that
	// loses this rename before then issued nothing with the token.
	c.at = suffixSigning
	return nil
}

// release ends the claim: is is the certificate the enrollment issued, nil
// if none. A token that issued one is used; one that did not is usable
// again. A record someone else moved meanwhile (ca check, under the lock)
// is left as they left it.
func (c *claim) release(is *pki.Issued) error {
	if c.at == "" {
		return nil
	}
	if is != nil {
		return c.ts.markUsed(c.t, c.at, "")
	}
	err := atomicfile.RenameFile(c.ts.path(c.t.ID, c.at), c.ts.path(c.t.ID, suffixActive))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release token %s: %w", c.t.ID[:12], err)
	}
	// A token given back must stay usable after a crash.
	return atomicfile.SyncDir(c.ts.dir)
}

// markUsed records that t issued a certificate: its record moves from the
// state from to .used. With serial (ca check, settling a token), the record
// is then rewritten with it; the server passes none, since a retry finds
// the certificate in the index (again) and a synced rewrite would cost
// every enrollment.
func (ts *Tokens) markUsed(t Token, from, serial string) error {
	used := ts.path(t.ID, suffixUsed)
	err := atomicfile.RenameFile(ts.path(t.ID, from), used)
	if errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Lstat(used); err == nil {
			return nil // ca check settled it meanwhile
		}
	}
	if err != nil {
		return fmt.Errorf("release token %s: %w", t.ID[:12], err)
	}
	// The rename is not flushed: should a crash lose it, the token stays
	// claimed, which is spent all the same until ca check settles it.
	if serial == "" {
		return nil
	}
	// The record with the serial is written whole or not at all.
	t.Serial = serial
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("release token %s: %w", t.ID[:12], err)
	}
	if err := atomicfile.WriteFiles(atomicfile.Options{Force: true, NoBackup: true},
		atomicfile.OutputFile{Path: used, Data: append(data, '\n'), Mode: 0o600}); err != nil {
		return fmt.Errorf("release token %s: %w", t.ID[:12], err)
	}
	return nil
}
