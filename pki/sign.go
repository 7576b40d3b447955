package pki

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/safefile"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// DefaultDays is the validity of an issued certificate when none is asked
// for: 825 days, the most Apple platforms accept for a TLS server
// certificate, counted as they count it (see validity). The engine's
// pki-enroll-request.sh gives 1827, which Apple refuses.
const DefaultDays = appleMaxDays

// appleMaxDays is the longest validity Apple platforms accept for a TLS
// server certificate.
const appleMaxDays = 825

// SignRequest asks for the request requests/NAME.req to be signed into
// certs/NAME.cer. Zero fields take pkienroll's leaf profile.
type SignRequest struct {
	// Name of the request and certificate files (the scripts' --name).
	Name string
	// Subject replaces the request's subject when not nil.
	Subject dn.Name
	// Days of validity, within DefaultPolicy's bounds (2..36500),
	// notBefore through notAfter inclusive; zero means DefaultDays.
	Days int
	// KeyUsage replaces the policy's for the key's type
	// (digitalSignature, keyEncipherment for RSA; digitalSignature for EC).
	KeyUsage x509.KeyUsage
	// ExtKeyUsage replaces the default serverAuth, clientAuth.
	ExtKeyUsage []asn1.ObjectIdentifier
	// SANs replace the request's alternative names; when both are empty the
	// CN is used when it is a host name or an IP address.
	SANs SANs
	// AIAURL, when set, is written as the authorityInfoAccess caIssuers URI.
	AIAURL string
	// CSR is the request itself, DER or PEM, for a request held in memory
	// (one that came over the network); when set, requests/NAME.req is not
	// read.
	CSR []byte
	// Request is the request parsed and checked, as ParseRequest returns
	// it (the EST server reads one so): it is signed as it is, its
	// signature not checked again; its key is still held to the key
	// policy. When set, CSR and requests/NAME.req are not read.
	Request *x509.CertificateRequest
	// Precondition, when set, runs while the directory's lock is held,
	// before anything is signed; its error fails the batch, as returned,
	// with the directory unchanged. It is for state another signer may
	// change between a caller's check and the lock, such as "this is still
	// the current certificate of its name" for a renewal.
	Precondition func() error
	// StateDir, when set, is a directory outside the store where the
	// caller records, before signing or in Precondition, state that must
	// be durable before the certificate is, such as pki/est's token
	// records (a token must not be usable again once the index holds its
	// certificate). The commit flushes it with the store's own files,
	// before the index line, so the caller need not flush it first.
	StateDir string
}

// Issued describes a certificate that Sign wrote.
type Issued struct {
	// Name is the request's name.
	Name string
	// Serial is the certificate's serial in the index's form (uppercase hex).
	Serial string
	// Certificate is the issued certificate.
	Certificate *x509.Certificate
	// CertPath is certs/NAME.cer.
	CertPath string
	// SerialCertPath is certs/SERIAL.pem.
	SerialCertPath string
	// Backup is where the replaced certs/NAME.cer was kept, "" if none.
	Backup string
	// Warnings are things worth telling the user that do not stop signing,
	// such as a validity past the CA's own.
	Warnings []string
}

// Sign signs one request; see SignBatch.
func (s *Store) Sign(ctx context.Context, req SignRequest) (*Issued, error) {
	issued, err := s.SignBatch(ctx, []SignRequest{req})
	if len(issued) == 0 {
		return nil, err
	}
	return issued[0], err // err, if any, wraps ErrAfterCommit
}

// SignBatch signs several requests under one hold of the directory's lock.
//
// Every request, name and option is checked, and every file staged, before
// anything in the directory changes: a failure up to then leaves it
// byte-identical. Then, in an order that keeps the store consistent if the
// process dies at any point, it advances serial.txt past the serials it
// uses (so no serial is ever issued twice), renames certs/SERIAL.pem into
// place, appends the index lines, and last replaces certs/NAME.cer (keeping
// a backup), so a certificate is handed out only once it is recorded.
//
// The index line is the commit point: once it is durable the certificate
// exists. An error before it returns no certificates and leaves none
// issued; an error after it (replacing certs/NAME.cer) wraps
// ErrAfterCommit, one per request it concerns, and comes with every
// certificate of the batch.
func (s *Store) SignBatch(ctx context.Context, reqs []SignRequest) ([]*Issued, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	jobs, err := s.prepare(reqs)
	if err != nil {
		return nil, err
	}
	return s.signJobs(ctx, jobs)
}

// signJobs signs prepared jobs under one hold of the lock, as SignBatch
// describes.
func (s *Store) signJobs(ctx context.Context, jobs []job) ([]*Issued, error) {
	ca, lock, err := s.lockCA(ctx)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := preconditions(jobs); err != nil {
		return nil, err
	}
	issued, next, err := s.issueAll(ca, jobs)
	if err != nil {
		return nil, err
	}
	if err := s.commit(jobs, issued, next); err != nil {
		var after afterCommit
		if errors.As(err, &after) {
			return issued, err
		}
		return nil, err
	}
	return issued, nil
}

// preconditions runs the jobs' preconditions, in order, and returns the
// first error. The caller holds the lock.
func preconditions(jobs []job) error {
	for _, j := range jobs {
		if j.req.Precondition != nil {
			if err := j.req.Precondition(); err != nil {
				return err
			}
		}
	}
	return nil
}

// issueAll signs the jobs with consecutive serials from serial.txt and
// returns the next serial; nothing is written. The caller holds the lock.
func (s *Store) issueAll(ca *ca, jobs []job) ([]*Issued, *big.Int, error) {
	first, err := readSerialFile(s.SerialPath())
	if err != nil {
		return nil, nil, err
	}
	return s.issueFrom(ca, jobs, first)
}

// issueFrom signs the jobs with consecutive serials from first and
// returns the next serial; nothing is written. The caller holds the lock;
// first is serial.txt's, or the next serial of a batch signed in the same
// hold of the lock and not yet committed (SignQueue).
// A batch signs on every core: the signatures are most of its cost, and
// each job's serial is fixed by its place in the batch, so the result is the
// same as signing one by one.
func (s *Store) issueFrom(ca *ca, jobs []job, first *big.Int) ([]*Issued, *big.Int, error) {
	if err := checkSerialRange(s.SerialPath(), first, len(jobs)); err != nil {
		return nil, nil, err
	}
	// The scripts write cert.conf's caIssuers URL into every certificate;
	// so does a signer given none of its own.
	aia, err := s.configuredAIA()
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	now := s.opts.now()
	issued := make([]*Issued, len(jobs))
	errs := make([]error, len(jobs))
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range jobs {
		serial := new(big.Int).Add(first, big.NewInt(int64(i)))
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			issued[i], errs[i] = s.issue(ca, jobs[i], serial, now, aia)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return issued, new(big.Int).Add(first, big.NewInt(int64(len(jobs)))), nil
}

// job is a checked request ready to be signed.
type job struct {
	req        SignRequest
	csr        *x509.CertificateRequest
	rawSubject []byte
	subject    dn.Name
	days       int
	sans       SANs
	ku         x509.KeyUsage
	eku        []asn1.ObjectIdentifier
}

// prepare checks everything that does not need the lock.
func (s *Store) prepare(reqs []SignRequest) ([]job, error) {
	jobs := make([]job, len(reqs))
	seen := make(map[string]bool, len(reqs))
	for i, req := range reqs {
		if err := ValidateName(req.Name); err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		if seen[req.Name] {
			return nil, fmt.Errorf("sign %s: name given twice in one batch: %w", req.Name, ErrBadName)
		}
		seen[req.Name] = true
		j, err := s.prepareOne(req, req.CSR)
		if err != nil {
			return nil, fmt.Errorf("sign %s: %w", req.Name, err)
		}
		jobs[i] = j
	}
	return jobs, nil
}

// prepareOne checks one request. data is the request itself, or nil to
// read requests/NAME.req; errors name the file only when it was read.
func (s *Store) prepareOne(req SignRequest, data []byte) (job, error) {
	j := job{req: req, ku: req.KeyUsage, eku: req.ExtKeyUsage}
	var err error
	if j.days, err = checkDays(req.Days, DefaultDays); err != nil {
		return j, err
	}
	if req.AIAURL != "" {
		if u, err := url.Parse(req.AIAURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return j, fmt.Errorf("AIA URL %q is not an http(s) URL", req.AIAURL)
		}
	}
	src := "request (given in memory)"
	if req.Request == nil && data == nil {
		path := s.RequestPath(req.Name)
		src = "request " + path
		if data, err = readFileLimited(path, maxRequestSize, true); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				err = ErrNoRequest
			}
			return j, fmt.Errorf("read %s: %w", src, err)
		}
	}
	if j.csr = req.Request; j.csr != nil {
		// Parsed and checked by the caller (ParseRequest): the key
		// policy costs nothing, the signature would cost it again.
		if err := ValidatePublicKey(j.csr.PublicKey); err != nil {
			return j, fmt.Errorf("%s: %w", src, err)
		}
	} else if j.csr, err = parseRequest(data, req.Subject == nil); err != nil {
		// With a subject of the signer's, the request's own does not
		// matter (pki-enroll-pkcs12.sh makes requests with an empty one).
		return j, fmt.Errorf("read %s: %w", src, err)
	}
	j.rawSubject = j.csr.RawSubject
	if req.Subject != nil {
		if err := req.Subject.Validate(); err != nil {
			return j, err
		}
		if j.rawSubject, err = req.Subject.MarshalDER(); err != nil {
			return j, err
		}
		// The signer's subject, validated: decoding its encoding would
		// give it back.
		j.subject = req.Subject
	} else if j.subject, err = dn.ParseDER(j.rawSubject); err != nil {
		return j, fmt.Errorf("%s: %w", src, err)
	}
	if len(j.subject) == 0 {
		return j, fmt.Errorf("%s has an empty subject (openssl req -subj /) and no subject replaces it: %w", src, ErrNoSubject)
	}
	if err := refusePlaceholderSubject(j.subject, src); err != nil {
		return j, err
	}
	if req.Subject == nil {
		if err := j.subject.Validate(); err != nil {
			return j, fmt.Errorf("%s: %w", src, err)
		}
	}
	if err := checkSubjectNames(j.subject); err != nil {
		return j, fmt.Errorf("%s: %w", src, err)
	}
	j.sans = req.SANs
	if j.sans.Empty() {
		j.sans = sansOf(j.csr.DNSNames, j.csr.IPAddresses, j.csr.EmailAddresses, j.csr.URIs)
	}
	j.sans = certificateSANs(j.subject, j.sans)
	if err := j.sans.Validate(); err != nil {
		return j, fmt.Errorf("%s: %w", src, err)
	}
	if j.ku == 0 {
		j.ku = policy.LeafKeyUsage(j.csr.PublicKey)
	}
	if len(j.eku) == 0 {
		j.eku = policy.LeafExtKeyUsage
	}
	if err := checkLeafProfile(j.ku, j.eku, j.csr.PublicKey); err != nil {
		return j, fmt.Errorf("%s: %w", src, err)
	}
	return j, nil
}

// issue signs one job with serial; nothing is written yet. aia is the
// caIssuers URL when the job names none.
//
// The authority key identifier names the CA's key, its issuer and its
// serial, as the engine's templates write it; crypto/x509 would write the
// key identifier alone.
func (s *Store) issue(ca *ca, j job, serial *big.Int, now time.Time, aia string) (*Issued, error) {
	ski, err := subjectKeyID(j.csr.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", j.req.Name, err)
	}
	eku, err := criticalExtKeyUsage(j.eku)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", j.req.Name, err)
	}
	aki, err := authorityKeyIDOf(ca.cert)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", j.req.Name, err)
	}
	notBefore, notAfter := validity(now, j.days)
	tmpl := &x509.Certificate{
		SerialNumber:          new(big.Int).Set(serial),
		RawSubject:            j.rawSubject,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		BasicConstraintsValid: true,
		KeyUsage:              j.ku,
		SubjectKeyId:          ski,
		ExtraExtensions:       []pkix.Extension{eku, aki},
		SignatureAlgorithm:    signatureAlgorithm(ca.key.Public()),
	}
	if j.req.AIAURL != "" {
		aia = j.req.AIAURL
	}
	if aia != "" {
		tmpl.IssuingCertificateURL = []string{aia}
	}
	j.sans.apply(tmpl)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, j.csr.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", j.req.Name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("sign %s: parse issued certificate: %w", j.req.Name, err)
	}
	hexSerial := FormatSerial(serial)
	return &Issued{
		Name:           j.req.Name,
		Serial:         hexSerial,
		Certificate:    cert,
		CertPath:       s.CertPath(j.req.Name),
		SerialCertPath: s.SerialCertPath(hexSerial),
		Warnings:       warnings(ca.cert, cert, j),
	}, nil
}

// warnings are the profile's soft limits.
func warnings(caCert, cert *x509.Certificate, j job) []string {
	var w []string
	if cert.NotAfter.After(caCert.NotAfter) {
		w = append(w, fmt.Sprintf("certificate expires %s, after its CA (%s): clients will reject it from then",
			cert.NotAfter.Format("2006-01-02"), caCert.NotAfter.Format("2006-01-02")))
	}
	if days := spanDays(cert.NotBefore, cert.NotAfter); days > policy.WarnServerDays && hasExtKeyUsage(j.eku, extKeyUsageNames[0].oid) {
		w = append(w, fmt.Sprintf("server certificate valid %d days: Apple platforms refuse more than %d", days, policy.WarnServerDays))
	}
	return w
}

// commit writes what SignBatch issued. All files are staged, and the index
// opened, before the first rename, so a write error (full disk, read-only
// directory) up to then changes nothing. Once the index lines are durable
// the certificates exist: an error after that is an afterCommit.
//
// It flushes five times, whatever the size of the batch, each flush making
// durable what the next step relies on should the power fail:
//
//  1. the staged files' contents and each job's StateDir (a token's
//     state), together (atomicfile.Flush: one syncfs while the system
//     has little else to write, else an fsync each, issued at once);
//  2. serial.txt, renamed: the serials are consumed before any is used;
//  3. certs/SERIAL.pem, renamed: every index line will have its file;
//  4. database.txt, the lines appended: the commit point;
//  5. certs/NAME.cer, renamed (publish).
func (s *Store) commit(jobs []job, issued []*Issued, nextSerial *big.Int) (err error) {
	var staged []*atomicfile.Staged
	defer func() {
		for _, f := range staged {
			f.Abort()
		}
	}()
	// The files are written unflushed; the first flush syncs them all at
	// once, with the token state (docs/performance.md).
	stage := func(path string, data []byte) (*atomicfile.Staged, error) {
		f, err := atomicfile.StageLocked(path, data, modePublic, false)
		if err == nil {
			staged = append(staged, f)
		}
		return f, err
	}
	serialFile, err := stage(s.SerialPath(), []byte(FormatSerial(nextSerial)+"\n"))
	if err != nil {
		return err
	}
	serialCopies := make([]*atomicfile.Staged, len(issued))
	certs := make([]*atomicfile.Staged, len(issued))
	replaces := make([]bool, len(issued))
	for i, is := range issued {
		if _, err := os.Lstat(is.SerialCertPath); err == nil {
			return fmt.Errorf("sign %s: %s exists: serial %s was used already (serial.txt is behind): %w", is.Name, is.SerialCertPath, is.Serial, ErrBadStore)
		}
		if replaces[i], err = atomicfile.CheckReplace(is.CertPath, true); err != nil {
			return fmt.Errorf("sign %s: %w", is.Name, err)
		}
		pemData := EncodeCertificatePEM(is.Certificate.Raw)
		if serialCopies[i], err = stage(is.SerialCertPath, pemData); err != nil {
			return err
		}
		if certs[i], err = stage(is.CertPath, pemData); err != nil {
			return err
		}
	}
	db, err := os.OpenFile(s.DatabasePath(), os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if errors.Is(err, syscall.ELOOP) {
		return fmt.Errorf("open database %s: %w", s.DatabasePath(), ErrSymlink)
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", s.DatabasePath(), safefile.UnwrapPathError(err))
	}
	defer db.Close()
	last, err := lastIndexEntry(db)
	if err != nil {
		return err
	}
	if len(issued) > 0 {
		if err := checkPastIndex(s.SerialPath(), s.DatabasePath(), last, issued[0].Certificate.SerialNumber); err != nil {
			return err
		}
	}
	certDir := s.path(s.opts.certDir)
	if err := atomicfile.Flush(staged, stateDirs(jobs)); err != nil {
		return fmt.Errorf("sign: %w", err)
	}

	if err := serialFile.Commit(); err != nil {
		return err
	}
	entries := make([]Entry, len(issued))
	for i, is := range issued {
		if err := serialCopies[i].Rename(); err != nil {
			return err
		}
		entries[i] = Entry{
			Status:  StatusValid,
			Expiry:  is.Certificate.NotAfter,
			Serial:  is.Serial,
			File:    "unknown",
			Subject: jobs[i].subject.OneLine(),
		}
	}
	if err := atomicfile.SyncDir(certDir); err != nil {
		return fmt.Errorf("write %s: %w", certDir, err)
	}
	if err := appendEntries(db, entries, certDir); err != nil {
		return fmt.Errorf("append to database %s: %w", s.DatabasePath(), err)
	}
	// The commit point: the certificates exist. What follows hands them
	// out as certs/NAME.cer; a failure there is one name's, and the others
	// are still published.
	return s.publish(issued, certs, replaces, certDir)
}

// stateDirs are the jobs' StateDirs, which commit's first flush covers
// with the staged files.
func stateDirs(jobs []job) []string {
	var dirs []string
	for _, j := range jobs {
		if j.req.StateDir != "" {
			dirs = append(dirs, j.req.StateDir)
		}
	}
	return dirs
}

// publish replaces certs/NAME.cer with each certificate committed, after
// its backup, and returns an afterCommit naming each that failed.
func (s *Store) publish(issued []*Issued, certs []*atomicfile.Staged, replaces []bool, certDir string) error {
	now := s.opts.now()
	failed := make([]error, len(issued))
	for i, is := range issued {
		var err error
		if replaces[i] {
			is.Backup, err = atomicfile.LinkBackup(is.CertPath, now)
		}
		if err == nil {
			err = certs[i].Rename()
		}
		if err == nil {
			s.names.record(is.Name, is.Serial)
		}
		failed[i] = err
	}
	syncErr := atomicfile.SyncDir(certDir)
	if syncErr != nil {
		syncErr = fmt.Errorf("write %s: %w", certDir, syncErr)
	}
	var after afterCommit
	for i, is := range issued {
		if failed[i] == nil {
			failed[i] = syncErr
		}
		if failed[i] != nil {
			if after == nil {
				after = make(afterCommit, len(issued))
			}
			after[i] = fmt.Errorf("sign %s: certificate %s %w: %w", is.Name, is.Serial, ErrAfterCommit, failed[i])
		}
	}
	if after == nil {
		return nil
	}
	return after
}

// afterCommit holds the errors after the commit point of a batch, one per
// request (nil for one that went through), so that the queue can tell
// each caller its own.
type afterCommit []error

func (e afterCommit) Error() string { return errors.Join(e...).Error() }

// Unwrap returns the errors, for errors.Is and errors.As.
func (e afterCommit) Unwrap() []error {
	var errs []error
	for _, err := range e {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
