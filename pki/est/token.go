package est

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// TokenDir is where a PKI directory keeps its tokens, relative to it.
const TokenDir = "est/tokens"

// DefaultTokenTTL is how long a token stays usable when no TTL is given.
const DefaultTokenTTL = time.Hour

// tokenBytes is the token's entropy: 256 bits, 43 characters of base64url.
const tokenBytes = 32

// maxTokenFile bounds what is read as a token record.
const maxTokenFile = 16 << 10

// A token record is one file, <sha256 of the token, hex>.<state>; the state
// changes by rename, which is atomic, so two enrollments racing for one
// token cannot both claim it (see claim for the states an enrollment moves
// it through).
const (
	suffixActive  = ".json"
	suffixClaimed = ".claimed"
	suffixSigning = ".signing"
	suffixUsed    = ".used"
	suffixRevoked = ".revoked"
)

// TokenState is where a token is in its life.
type TokenState string

// The states of a token.
const (
	TokenActive  TokenState = "active"
	TokenExpired TokenState = "expired"
	// TokenClaimed is a token that an enrollment holds right now (waiting
	// for the store's lock, or signing under it), or held when the server
	// died, until `ca check` settles it (Reconcile); it cannot be used
	// again meanwhile.
	TokenClaimed TokenState = "claimed"
	TokenUsed    TokenState = "used"
	TokenRevoked TokenState = "revoked"
)

// TokenRequest describes a token to create: what it lets its bearer enroll.
type TokenRequest struct {
	// Name is the certificate's name in the store (certs/NAME.cer).
	Name string
	// Subject is the subject the certificate gets; its CN is the one a
	// request must ask for.
	Subject dn.Name
	// SANs the certificate gets; empty means the CN as a DNS name or IP
	// address. A request may ask for these and no others.
	SANs pki.SANs
	// Days of validity of the certificate, within pki.DefaultPolicy's
	// bounds; zero means its DefaultDays.
	Days int
	// TTL is how long the token can be used; zero means DefaultTokenTTL.
	TTL time.Duration
}

// Token is a token's record: everything but the token itself, which is
// never stored.
type Token struct {
	// ID is the hex SHA-256 of the token, the name of its file.
	ID string `json:"-"`
	// State is where the token is in its life (from its file's suffix).
	State TokenState `json:"-"`
	// Name is the certificate's name in the store.
	Name string `json:"name"`
	// Subject is the certificate's subject, in slash form.
	Subject string `json:"subject"`
	// SANs are the certificate's alternative names, kept in the record as
	// a list in openssl syntax (["DNS:proxy.example.com", ...]).
	SANs pki.SANs `json:"sans"`
	// Days is the certificate's validity.
	Days int `json:"days"`
	// Created and Expires bound the token's use.
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Serial is the certificate a used token issued, in the index's form,
	// when ca check settled the token from the index; the server does not
	// write it (a retry finds the certificate in the index), so it is
	// usually empty.
	Serial string `json:"serial,omitempty"`
}

// CN is the common name the token grants.
func (t Token) CN() string {
	n, err := dn.Parse(t.Subject)
	if err != nil {
		return ""
	}
	return n.CommonName()
}

// Tokens are the enrollment tokens of one PKI directory.
type Tokens struct {
	dir  string
	now  func() time.Time
	rand io.Reader
}

// OpenTokens returns the tokens kept in dir/est/tokens. The directory is
// made (mode 0700) when the first token is created.
func OpenTokens(pkiDir string) *Tokens {
	return &Tokens{dir: filepath.Join(pkiDir, TokenDir), now: time.Now, rand: rand.Reader}
}

// Dir is the directory of the token records.
func (ts *Tokens) Dir() string { return ts.dir }

// Create makes a token and keeps its record, and returns the token, which
// exists nowhere else: the record holds only its hash.
func (ts *Tokens) Create(req TokenRequest) (string, Token, error) {
	if err := pki.ValidateName(req.Name); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	if req.Subject == nil || req.Subject.CommonName() == "" {
		return "", Token{}, fmt.Errorf("create token %s: the subject has no CN: %w", req.Name, dn.ErrInvalid)
	}
	// The names Sign checks when the token enrolls, checked now: a token
	// for a CN such as a_b.example.com could never be used.
	if err := pki.ValidateCertificateNames(req.Subject, req.SANs); err != nil {
		return "", Token{}, fmt.Errorf("create token %s: %w", req.Name, err)
	}
	// The bounds Sign applies when the token enrolls, checked now.
	p := pki.DefaultPolicy()
	days, err := p.Days(req.Days, p.DefaultDays)
	if err != nil {
		return "", Token{}, fmt.Errorf("create token %s: %w", req.Name, err)
	}
	ttl := req.TTL
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < 0 {
		return "", Token{}, fmt.Errorf("create token %s: ttl %s is negative", req.Name, ttl)
	}
	sans := req.SANs
	if sans.Empty() {
		sans = pki.SANsForCommonName(req.Subject.CommonName())
	}
	raw := make([]byte, tokenBytes)
	if _, err := io.ReadFull(ts.rand, raw); err != nil {
		return "", Token{}, fmt.Errorf("create token %s: %w", req.Name, err)
	}
	secret := base64.RawURLEncoding.EncodeToString(raw)
	now := ts.now().UTC().Truncate(time.Second)
	t := Token{
		ID:      tokenID(secret),
		State:   TokenActive,
		Name:    req.Name,
		Subject: req.Subject.String(),
		SANs:    sans,
		Days:    days,
		Created: now,
		Expires: now.Add(ttl),
	}
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return "", Token{}, fmt.Errorf("create token %s: %w", req.Name, err)
	}
	if err := ts.makeDir(); err != nil {
		return "", Token{}, err
	}
	path := ts.path(t.ID, suffixActive)
	if err := atomicfile.WriteFiles(atomicfile.Options{}, atomicfile.OutputFile{Path: path, Data: append(data, '\n'), Mode: 0o600}); err != nil {
		return "", Token{}, fmt.Errorf("create token %s: %w", req.Name, err)
	}
	return secret, t, nil
}

// makeDir makes est/ and est/tokens/ private to the owner.
func (ts *Tokens) makeDir() error {
	for _, d := range []string{filepath.Dir(ts.dir), ts.dir} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("make token directory %s: %w", d, safefile.UnwrapPathError(err))
		}
		fi, err := os.Lstat(d)
		if err != nil {
			return fmt.Errorf("make token directory %s: %w", d, safefile.UnwrapPathError(err))
		}
		if !fi.IsDir() {
			return fmt.Errorf("token directory %s is not a directory: %w", d, pki.ErrBadStore)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return fmt.Errorf("token directory %s is open to others (mode %04o; want 0700): %w", d, fi.Mode().Perm(), pki.ErrBadStore)
		}
	}
	return nil
}

// tokenID is the hex SHA-256 of a token.
func tokenID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether s looks like a token Create made, so that
// anything else is refused without touching the disk.
func wellFormed(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

func (ts *Tokens) path(id, suffix string) string { return filepath.Join(ts.dir, id+suffix) }

// read reads the record of id in the given state.
func (ts *Tokens) read(id, suffix string) (Token, error) {
	path := ts.path(id, suffix)
	data, err := safefile.ReadLimited(path, maxTokenFile, true)
	if errors.Is(err, fs.ErrNotExist) {
		return Token{}, err
	}
	if err != nil {
		return Token{}, fmt.Errorf("read token %s: %w", path, err)
	}
	var t Token
	if err := json.Unmarshal(data, &t); err != nil {
		return Token{}, fmt.Errorf("read token %s: %v: %w", path, err, pki.ErrBadStore)
	}
	t.ID = id
	return t, nil
}

// states maps a file suffix to the state it records.
var states = map[string]TokenState{
	suffixActive:  TokenActive,
	suffixClaimed: TokenClaimed,
	suffixSigning: TokenClaimed,
	suffixUsed:    TokenUsed,
	suffixRevoked: TokenRevoked,
}

// List returns every token record, oldest first; an active token past its
// expiry is listed as expired. A directory without tokens is an empty list.
// A record that cannot be read is the error.
func (ts *Tokens) List() ([]Token, error) {
	out, bad, err := ts.list()
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, bad[0].err
	}
	return out, nil
}

// TokenCensus is how many token records are in each state.
type TokenCensus struct {
	// ByState counts the records that could be read, an active token past
	// its expiry as expired.
	ByState map[TokenState]int
	// Unreadable counts the records that cannot be read (damaged: they
	// enroll nothing), and UnreadableErr says why the first one cannot.
	Unreadable    int
	UnreadableErr error
}

// Census counts the token records by state. Unlike List, a record that
// cannot be read does not fail it: it is counted apart, so that one
// damaged record hides none of the others (metrics read it at each
// scrape). A directory that cannot be listed is the error.
func (ts *Tokens) Census() (TokenCensus, error) {
	out, bad, err := ts.list()
	if err != nil {
		return TokenCensus{}, err
	}
	c := TokenCensus{ByState: map[TokenState]int{}, Unreadable: len(bad)}
	for _, t := range out {
		c.ByState[t.State]++
	}
	if len(bad) > 0 {
		c.UnreadableErr = bad[0].err
	}
	return c, nil
}

// unreadable is a token record that cannot be read: its ID and state,
// from its file's name, and why.
type unreadable struct {
	id    string
	state TokenState
	err   error
}

// list is List, with the records that cannot be read (bad) apart from the
// others; err is a directory that cannot be listed.
func (ts *Tokens) list() (out []Token, bad []unreadable, err error) {
	entries, err := os.ReadDir(ts.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("list tokens %s: %w", ts.dir, safefile.UnwrapPathError(err))
	}
	now := ts.now()
	listed := make(map[string]bool, len(entries))
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		_, ok := states[ext]
		id := strings.TrimSuffix(e.Name(), ext)
		if !ok || len(id) != sha256.Size*2 || !e.Type().IsRegular() || listed[id] {
			continue
		}
		t, err := ts.read(id, ext)
		if errors.Is(err, fs.ErrNotExist) { // changed state as we listed
			t, ext, err = ts.readMoved(id)
			if errors.Is(err, fs.ErrNotExist) { // removed (ca check's clean-up)
				continue
			}
		}
		listed[id] = true
		if err != nil {
			bad = append(bad, unreadable{id: id, state: states[ext], err: err})
			continue
		}
		t.State = states[ext]
		if t.State == TokenActive && !now.Before(t.Expires) {
			t.State = TokenExpired
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, bad, nil
}

// readMoved reads the record of id, which moved to another state while
// the directory was listed (an enrollment claiming it, signing, done), and
// returns it with its suffix. The states are looked at in the order a
// record moves through them, a few times over, as whyGone does, so that a
// token that exists is listed (and revoked by name) even as it moves.
func (ts *Tokens) readMoved(id string) (Token, string, error) {
	for range 3 {
		for _, s := range []string{suffixClaimed, suffixSigning, suffixUsed, suffixRevoked, suffixActive} {
			t, err := ts.read(id, s)
			if !errors.Is(err, fs.ErrNotExist) {
				return t, s, err
			}
		}
	}
	return Token{}, "", fs.ErrNotExist
}

// Revoke takes back every token that is not used yet and whose name, or
// whose ID prefix (at least 8 hex digits), is match: it can no longer
// enroll. It returns what it revoked; nothing matching is pki.ErrNotFound.
//
// A token whose enrollment waits for the store's lock is revoked, and that
// enrollment is refused when it gets the lock. One whose enrollment has got
// it is being signed: it is not revoked (ErrTokenSigning), since its
// certificate may be in the index already; it ends used, or active again
// if the signing fails, and can then be revoked.
//
// A record that cannot be read (a hand-edited or damaged file) does not
// stop the others from being revoked: it grants no enrollment, the server
// failing to read it as well, and is revoked when its ID matches; its
// name is not known, so a name never matches it.
func (ts *Tokens) Revoke(match string) ([]Token, error) {
	all, bad, err := ts.list()
	if err != nil {
		return nil, err
	}
	for _, b := range bad {
		all = append(all, Token{ID: b.id, State: b.state})
	}
	var done []Token
	var signing []string
	for _, t := range all {
		byID := len(match) >= 8 && strings.HasPrefix(t.ID, strings.ToLower(match))
		if (t.Name != match || t.Name == "") && !byID {
			continue
		}
		if t.State == TokenUsed || t.State == TokenRevoked {
			continue
		}
		err := ts.revoke(t.ID)
		switch {
		case errors.Is(err, ErrTokenSigning):
			signing = append(signing, t.ID[:12])
			continue
		case errors.Is(err, fs.ErrNotExist): // used or revoked meanwhile
			continue
		case err != nil:
			return done, fmt.Errorf("revoke token %s: %w", t.ID[:12], err)
		}
		t.State = TokenRevoked
		done = append(done, t)
	}
	if len(done) > 0 {
		if err := atomicfile.SyncDir(ts.dir); err != nil {
			return done, fmt.Errorf("revoke tokens in %s: %w", ts.dir, err)
		}
	}
	if len(signing) > 0 {
		return done, fmt.Errorf("revoke token %s: not revoked: %w now; it ends used, or active again if that fails (then revoke it again)", strings.Join(signing, ", "), ErrTokenSigning)
	}
	var ids []string
	for _, b := range bad {
		if b.state != TokenUsed && b.state != TokenRevoked {
			ids = append(ids, b.id[:12])
		}
	}
	if len(done) == 0 && len(ids) > 0 {
		if len(ids) > 5 {
			ids = append(ids[:5], fmt.Sprintf("%d more", len(ids)-5))
		}
		return nil, fmt.Errorf("revoke token %q: no unused token has that name or ID, but the records of %s cannot be read (revoke them by ID): %w",
			match, strings.Join(ids, ", "), pki.ErrNotFound)
	}
	if len(done) == 0 {
		return nil, fmt.Errorf("revoke token %q: no unused token has that name or ID: %w", match, pki.ErrNotFound)
	}
	return done, nil
}

// revoke renames the record of id to .revoked from a state that may still
// enroll: active, or claimed by an enrollment that waits for the lock. The
// rename from .claimed races with the one to .signing (claim.precondition)
// under the lock; exactly one wins. A token that moves between the states
// as revoke looks (an enrollment's claim, a failed signing's release) is
// looked for again.
func (ts *Tokens) revoke(id string) error {
	for range 3 {
		for _, from := range []string{suffixActive, suffixClaimed} {
			err := atomicfile.RenameFile(ts.path(id, from), ts.path(id, suffixRevoked))
			if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		if _, err := os.Lstat(ts.path(id, suffixSigning)); err == nil {
			return ErrTokenSigning
		}
	}
	return fs.ErrNotExist
}

// lookup finds the record of secret and says why it cannot enroll, if it
// cannot; it changes nothing.
func (ts *Tokens) lookup(secret string) (Token, error) {
	if !wellFormed(secret) {
		return Token{}, ErrUnknownToken
	}
	id := tokenID(secret)
	t, err := ts.read(id, suffixActive)
	if err == nil {
		t.State = TokenActive
		if !ts.now().Before(t.Expires) {
			return t, fmt.Errorf("%w at %s", ErrTokenExpired, t.Expires.UTC().Format(time.RFC3339))
		}
		return t, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return t, err
	}
	// A used token answers a retry from its record (Serial).
	if u, err := ts.read(id, suffixUsed); err == nil {
		u.State = TokenUsed
		return u, ErrTokenUsed
	}
	return Token{ID: id}, ts.whyGone(id)
}

// whyGone says why the token id has no active record.
func (ts *Tokens) whyGone(id string) error {
	// The record may move on while it is looked for (.claimed → .signing →
	// .used, or back to .json when a signing fails): the states are looked
	// at in the order a record moves through them, and the look is made
	// again when it finds none, so that a token that exists is never
	// called unknown. One found back at .json was held a moment ago.
	for range 3 {
		for _, s := range []string{suffixClaimed, suffixSigning, suffixUsed, suffixActive} {
			if _, err := os.Lstat(ts.path(id, s)); err == nil {
				return ErrTokenUsed
			}
		}
		if _, err := os.Lstat(ts.path(id, suffixRevoked)); err == nil {
			return ErrTokenRevoked
		}
	}
	return ErrUnknownToken
}

// claim takes the token for one enrollment, atomically: of several
// enrollments racing with one token, one gets it and the others get
// ErrTokenUsed. The enrollment signs with the claim's precondition and
// then releases it with the outcome.
//
// The rename is not flushed here: the enrollment signs with the token
// directory as its pki.SignRequest.StateDir, so the commit flushes the
// token's state (claimed, then signing) before the index line, in the
// flush that also covers the certificate's files. Should a crash lose the
// rename before that, no certificate was issued with the token, and it is
// rightly active again.
func (ts *Tokens) claim(t Token) (*claim, error) {
	err := atomicfile.RenameFile(ts.path(t.ID, suffixActive), ts.path(t.ID, suffixClaimed))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ts.whyGone(t.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("claim token %s: %w", t.ID[:12], err)
	}
	return &claim{ts: ts, t: t, at: suffixClaimed}, nil
}
