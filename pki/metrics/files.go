package metrics

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/pkienroll/pkienroll/internal/safefile"
)

// maxFileSize bounds what is read of one file: an engine's CRL is a few KB,
// a bundle of certificates tens of KB.
const maxFileSize = 16 << 20

// ErrNothingFound reports a file that holds neither a certificate nor a
// CRL.
var ErrNothingFound = errors.New("no certificate or CRL")

// desc is a family's name and help.
type desc struct {
	name, help string
}

var (
	notAfterDesc  = desc{"x509_cert_not_after", "Unix timestamp of the certificate's NotAfter."}
	notBeforeDesc = desc{"x509_cert_not_before", "Unix timestamp of the certificate's NotBefore."}
	expiredDesc   = desc{"x509_cert_expired", "1 if the certificate is expired, 0 otherwise."}
	isCADesc      = desc{"pkienroll_cert_ca", "1 if the certificate is a CA's (basicConstraints CA:TRUE), 0 otherwise."}
	readErrorDesc = desc{"x509_read_errors", "Number of files that could not be read or parsed at this scrape."}

	crlNextDesc   = desc{"x509_crl_next_update", "Unix timestamp of the CRL's nextUpdate."}
	crlThisDesc   = desc{"x509_crl_this_update", "Unix timestamp of the CRL's thisUpdate."}
	crlNumberDesc = desc{"x509_crl_number", "Value of the CRL's cRLNumber extension; 0 if absent."}
	crlStaleDesc  = desc{"x509_crl_stale", "1 if the current time is past the CRL's nextUpdate, 0 otherwise."}
)

// gauges gathers the series of gauge families, each family listed at
// least once (with no series, Gather leaves it out).
type gauges struct {
	order []desc
	by    map[string][]Metric
}

func newGauges(ds ...desc) *gauges {
	return &gauges{order: ds, by: map[string][]Metric{}}
}

func (g *gauges) add(d desc, ls []Label, v float64) {
	g.by[d.name] = append(g.by[d.name], Metric{Labels: ls, Value: v})
}

func (g *gauges) families() []Family {
	out := make([]Family, 0, len(g.order))
	for _, d := range g.order {
		out = append(out, Family{Name: d.name, Help: d.help, Type: Gauge, Metrics: g.by[d.name]})
	}
	return out
}

// Option tunes a Files collector.
type Option func(*options)

type options struct {
	now     func() time.Time
	onError func(error)
	certDir string
}

// WithNow replaces time.Now for x509_cert_expired and x509_crl_stale, for
// tests; nil keeps time.Now.
func WithNow(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithCertDir sets the directory of issued certificates, as
// pki.WithCertDir does for the store (an absolute path, or one relative to
// the PKI directory); the default is "certs".
func WithCertDir(dir string) Option { return func(o *options) { o.certDir = dir } }

// WithErrors sets the function told about each file that could not be read
// at a scrape (x509_read_errors counts them); the error names the file.
// nil tells nobody.
func WithErrors(f func(error)) Option {
	return func(o *options) {
		if f != nil {
			o.onError = f
		}
	}
}

// Files collects the certificates and CRLs of a PKI directory and of
// files named besides, read afresh at every scrape.
//
// Of the directory it reads the files at its top named *.pem, *.cer,
// *.crt or *.crl (the CA certificates ca.pem and its peers, a CRL
// published there) and every certs/*.cer, whoever issued it (the engine's
// scripts or pkienroll). It never reads private/, keys/ or requests/.
// certs/*.pem are left out: they are the copies under serial numbers that
// `openssl ca` keeps of the .cer files. A file at the top that holds
// neither a certificate nor a CRL is passed over; one of certs/ or one
// named is a read error.
//
// Make one with NewFiles; the zero Files is not usable.
type Files struct {
	dir   string
	files []string
	opts  options
}

// NewFiles returns the collector of the PKI directory dir ("" for none)
// and of files.
func NewFiles(dir string, files []string, opts ...Option) *Files {
	o := options{now: time.Now, onError: func(error) {}, certDir: "certs"}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return &Files{dir: dir, files: files, opts: o}
}

// source is a file to read, and whether it must hold something.
type source struct {
	path     string
	required bool
}

// Collect reads the files and returns their metrics. A file that cannot
// be read is told to the WithErrors function and counted in
// x509_read_errors, not returned: the error is always nil.
func (f *Files) Collect() ([]Family, error) {
	g := newGauges(notAfterDesc, notBeforeDesc, expiredDesc, isCADesc, readErrorDesc,
		crlNextDesc, crlThisDesc, crlNumberDesc, crlStaleDesc)
	now := f.opts.now()
	errs := 0
	fail := func(err error) {
		errs++
		f.opts.onError(err)
	}
	sources, err := f.sources()
	if err != nil {
		fail(err)
	}
	seen := map[string]bool{}
	owners := seriesOwners{}
	for _, s := range sources {
		// One file, one set of series, however the directory and a named
		// file spell it (a relative --pki-dir, an absolute FILE).
		key := s.path
		if abs, err := filepath.Abs(s.path); err == nil {
			key = abs
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		certs, crls, err := readFile(s.path)
		if err == nil && s.required && len(certs) == 0 && len(crls) == 0 {
			err = fmt.Errorf("read %s: %w", s.path, ErrNothingFound)
		}
		if err != nil {
			if !s.required && errors.Is(err, ErrNothingFound) {
				continue
			}
			fail(err)
			continue
		}
		for i, c := range certs {
			v := labels(certLabels, certValues(s.path, c))
			if fresh, err := owners.claim("certificate", v, s.path, i+1, c.Raw); err != nil {
				fail(err)
			} else if fresh {
				collectCert(g, v, c, now)
			}
		}
		for i, c := range crls {
			v := labels(crlLabels, crlValues(s.path, c))
			if fresh, err := owners.claim("CRL", v, s.path, i+1, c.Raw); err != nil {
				fail(err)
			} else if fresh {
				collectCRL(g, v, c, now)
			}
		}
	}
	g.add(readErrorDesc, nil, float64(errs))
	return g.families(), nil
}

// sources lists the files to read: the directory's, sorted, then the
// named ones. A directory that cannot be listed is an error, after which
// the named files are still read.
func (f *Files) sources() ([]source, error) {
	var out []source
	var errs []error
	if f.dir != "" {
		for _, sub := range []struct {
			dir      string
			exts     []string
			required bool
		}{
			{f.dir, []string{".pem", ".cer", ".crt", ".crl"}, false},
			{f.certDir(), []string{".cer"}, true},
		} {
			entries, err := os.ReadDir(sub.dir)
			if err != nil {
				// A directory without certs/ has issued nothing yet.
				if sub.dir == f.dir || !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, fmt.Errorf("list %s: %w", sub.dir, err))
				}
				continue
			}
			for _, e := range entries {
				ext := filepath.Ext(e.Name())
				if e.IsDir() || !contains(sub.exts, ext) {
					continue
				}
				out = append(out, source{filepath.Join(sub.dir, e.Name()), sub.required})
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].path < out[j].path })
	}
	for _, p := range f.files {
		out = append(out, source{p, true})
	}
	return out, errors.Join(errs...)
}

func (f *Files) certDir() string {
	if filepath.IsAbs(f.opts.certDir) {
		return f.opts.certDir
	}
	return filepath.Join(f.dir, f.opts.certDir)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// readFile reads the certificates and CRLs of path: every CERTIFICATE and
// X509 CRL block of a PEM file (other blocks, such as a key, are passed
// over unread), or one DER certificate or CRL. A file with neither is
// ErrNothingFound.
func readFile(path string) ([]*x509.Certificate, []*x509.RevocationList, error) {
	data, err := safefile.ReadLimited(path, maxFileSize, false)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	var certs []*x509.Certificate
	var crls []*x509.RevocationList
	if !bytes.Contains(data, []byte("-----BEGIN ")) {
		if c, err := x509.ParseCertificate(data); err == nil {
			return []*x509.Certificate{c}, nil, nil
		}
		if c, err := x509.ParseRevocationList(data); err == nil {
			return nil, []*x509.RevocationList{c}, nil
		}
		return nil, nil, fmt.Errorf("read %s: %w", path, ErrNothingFound)
	}
	for rest := data; ; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("read %s: certificate %d: malformed", path, len(certs)+1)
			}
			certs = append(certs, c)
		case "X509 CRL":
			c, err := x509.ParseRevocationList(block.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("read %s: CRL %d: malformed", path, len(crls)+1)
			}
			crls = append(crls, c)
		}
	}
	if len(certs) == 0 && len(crls) == 0 {
		return nil, nil, fmt.Errorf("read %s: %w", path, ErrNothingFound)
	}
	return certs, crls, nil
}

// seriesOwners maps the labels of each series collected (with the kind
// of thing they are the labels of) to what gave them.
type seriesOwners map[string]seriesOwner

// seriesOwner is the file a series was read from, and the SHA-256 of its
// certificate's or CRL's DER (not the DER itself, which the scrape would
// then hold for every certificate until it ends).
type seriesOwner struct {
	path string
	sum  [sha256.Size]byte
}

// claim reports whether ls, the labels of the n-th certificate or CRL
// (kind) of path, are those of a series not collected yet, and records
// them. The same certificate or CRL listed twice in one file (a bundle
// that repeats it) is one series, kept once. Anything else with the labels
// of a series collected already (another certificate of the same serial,
// issuer and subject in the file, or two files whose names escape to the
// same label, a\xFF.cer and one with the byte 0xFF) is an error, and left
// out: the text format cannot hold two series of the same labels, and
// Gather would refuse the scrape, every other file with it.
func (o seriesOwners) claim(kind string, ls []Label, path string, n int, raw []byte) (bool, error) {
	key := kind + labelText(ls)
	sum := sha256.Sum256(raw)
	have, ok := o[key]
	if !ok {
		o[key] = seriesOwner{path: path, sum: sum}
		return true, nil
	}
	if have.path == path && have.sum == sum {
		return false, nil
	}
	return false, fmt.Errorf("read %s: %s %d: left out: another one, in %s, has the same labels", path, kind, n, have.path)
}

// collectCert adds the series of c, whose labels are v.
func collectCert(g *gauges, v []Label, c *x509.Certificate, now time.Time) {
	gauge := func(d desc, x float64) { g.add(d, v, x) }
	gauge(notAfterDesc, float64(c.NotAfter.Unix()))
	gauge(notBeforeDesc, float64(c.NotBefore.Unix()))
	gauge(expiredDesc, boolValue(now.After(c.NotAfter)))
	gauge(isCADesc, boolValue(c.BasicConstraintsValid && c.IsCA))
}

// collectCRL adds the series of c, whose labels are v.
func collectCRL(g *gauges, v []Label, c *x509.RevocationList, now time.Time) {
	gauge := func(d desc, x float64) { g.add(d, v, x) }
	gauge(crlNextDesc, float64(c.NextUpdate.Unix()))
	gauge(crlThisDesc, float64(c.ThisUpdate.Unix()))
	var number float64
	if c.Number != nil {
		number, _ = new(big.Float).SetInt(c.Number).Float64()
	}
	gauge(crlNumberDesc, number)
	gauge(crlStaleDesc, boolValue(!c.NextUpdate.IsZero() && now.After(c.NextUpdate)))
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
