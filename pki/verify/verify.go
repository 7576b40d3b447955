package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// Check names one of the checks Certificate makes.
type Check string

// The checks Certificate makes, in the order it reports them.
const (
	Chain      Check = "chain"
	Validity   Check = "validity"
	Key        Check = "key"
	Host       Check = "host"
	Revocation Check = "revocation"
	Usage      Check = "usage"
)

// Options says what Certificate checks a certificate against.
// Only CAs is required; the key, host and CRL checks run when their field
// is set.
type Options struct {
	// CAs are the certificates of the CA file, roots and intermediates in
	// any order. The self-signed ones are the trust anchors, the others can
	// only link the certificate to them, as with `openssl verify -CAfile`;
	// a file without a self-signed certificate (an issuing CA handed out
	// alone) is trusted as it is, as with -partial_chain.
	CAs []*x509.Certificate
	// Key, when set, must be the private key of the certificate.
	Key crypto.Signer
	// Host, when set, must be named by a DNS or IP subject alternative name,
	// by the rules of x509.Certificate.VerifyHostname: a wildcard stands for
	// exactly one leftmost label, an IP address matches only an IP SAN, and
	// the common name is ignored.
	Host string
	// CRL, when set, must be signed by the certificate's issuer, be current
	// at Now, and not list the certificate's serial.
	CRL *x509.RevocationList
	// Now is the time to check at; zero means the time of the call.
	Now time.Time
}

// Result is the outcome of one check.
type Result struct {
	// Check is which check: Chain, Validity, ...
	Check Check
	// OK reports whether the check passed.
	OK bool
	// Detail says why, in one line of printable text: "signed by /C=US/...",
	// "expired on 2026-01-02".
	Detail string
}

// String returns the result as the CLI prints it: "ok   chain: signed by
// /C=US/O=Example Inc./CN=..." or "FAILED validity: expired on 2026-01-02".
func (r Result) String() string {
	if r.OK {
		return "ok   " + string(r.Check) + ": " + r.Detail
	}
	return "FAILED " + string(r.Check) + ": " + r.Detail
}

// Certificate checks what a TLS server's certificate needs, and
// returns one result per check: chain, validity, key, host, revocation,
// usage, those without their option left out. Each check is judged on its
// own, so an expired certificate from another CA fails both chain and
// validity: the chain is judged at a moment the certificate itself is
// valid, and its CAs must also be valid at opts.Now.
//
// The usage check wants what a TLS server needs: serverAuth or
// anyExtendedKeyUsage in the extended key usage, or no such extension.
//
// A nil cert fails the chain check alone; nil entries of opts.CAs are
// passed over.
func Certificate(cert *x509.Certificate, opts Options) Results {
	at := opts.Now
	if at.IsZero() {
		at = time.Now()
	}
	if cert == nil {
		return Results{failResult(Chain, "no certificate to verify")}
	}
	if slices.Contains(opts.CAs, nil) {
		opts.CAs = slices.DeleteFunc(slices.Clone(opts.CAs), func(c *x509.Certificate) bool { return c == nil })
	}
	chain, issuer := checkChainTo(cert, opts.CAs, at)
	results := Results{chain, checkValidAt(cert, at)}
	if opts.Key != nil {
		results = append(results, checkKeyPair(cert, opts.Key))
	}
	if opts.Host != "" {
		results = append(results, checkHostName(cert, opts.Host))
	}
	if opts.CRL != nil {
		results = append(results, checkNotRevoked(cert, issuer, opts.CRL, at))
	}
	results = append(results, checkServerUsage(cert))
	for i := range results {
		// Details quote names from the files; a control character in a
		// hostile subject must not reach the terminal.
		results[i].Detail = printable.Escape(results[i].Detail)
	}
	return results
}

func okResult(check Check, format string, args ...any) Result {
	return Result{Check: check, OK: true, Detail: fmt.Sprintf(format, args...)}
}

func failResult(check Check, format string, args ...any) Result {
	return Result{Check: check, Detail: fmt.Sprintf(format, args...)}
}

// checkChainTo builds the chain with crypto/x509 and, when that fails, finds
// out why in words an administrator can act on. It returns the
// certificate's issuer when the CA file holds it, for the CRL check.
func checkChainTo(cert *x509.Certificate, cas []*x509.Certificate, at time.Time) (Result, *x509.Certificate) {
	if len(cas) == 0 {
		return failResult(Chain, "the CA file holds no certificate"), nil
	}
	anchors, intermediates := splitAnchors(cas)
	opts := x509.VerifyOptions{
		Roots:         certPool(anchors),
		Intermediates: certPool(intermediates),
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, // the usage check's business
	}
	var chains [][]*x509.Certificate
	var err error
	if outsideValidity(cert, at) == "" {
		chains, err = cert.Verify(opts)
	} else {
		chains, err = verifyAbove(cert, cas, anchors, opts)
	}
	if err != nil {
		issuer, _ := findIssuerIn(cert, cas)
		return failResult(Chain, "%s", explainChain(cert, cas, anchors, at, err)), issuer
	}
	chain := chains[0]
	if len(chain) == 1 {
		return okResult(Chain, "the certificate is itself in the CA file"), cert
	}
	// crypto/x509 checks neither a trust anchor's basic constraints nor
	// anyone's keyCertSign; openssl checks both.
	for _, ca := range chain[1:] {
		if problem := caProblemAt(ca, at); problem != "" {
			return failResult(Chain, "%s", problem), chain[1]
		}
	}
	// Nor does it hold a certificate to the issuer its authority key
	// identifier names; openssl does (error 20 when it names another).
	for i := range chain[:len(chain)-1] {
		if problem := authorityMismatch(chain[i], chain[i+1]); problem != "" {
			return failResult(Chain, "%s", problem), chain[1]
		}
	}
	detail := "signed by " + slashSubject(chain[1])
	if len(chain) > 2 {
		detail += ", chained to " + slashSubject(chain[len(chain)-1])
	}
	return okResult(Chain, "%s", detail), chain[1]
}

// verifyAbove links cert to its issuer by signature and has crypto/x509
// verify the issuer's chain: crypto/x509 would stop at the certificate's
// own dates, which are the validity check's business.
func verifyAbove(cert *x509.Certificate, cas, anchors []*x509.Certificate, opts x509.VerifyOptions) ([][]*x509.Certificate, error) {
	issuer, _ := findIssuerIn(cert, cas)
	switch {
	case issuer == nil:
		return nil, x509.UnknownAuthorityError{Cert: cert}
	case slices.ContainsFunc(anchors, issuer.Equal):
		return [][]*x509.Certificate{{cert, issuer}}, nil
	}
	above, err := issuer.Verify(opts)
	if err != nil {
		return nil, err
	}
	return [][]*x509.Certificate{append([]*x509.Certificate{cert}, above[0]...)}, nil
}

// explainChain walks up from cert through the CA file to say why no chain
// was built; crypto/x509 keeps its reasons to itself.
func explainChain(cert *x509.Certificate, cas, anchors []*x509.Certificate, at time.Time, err error) string {
	child := cert
	for range len(cas) + 1 {
		issuer, sameName := findIssuerIn(child, cas)
		switch {
		case len(sameName) == 0 && child == cert:
			return fmt.Sprintf("signed by another CA (issuer %s, CA file holds %s)", slashIssuer(cert), slashSubjects(cas))
		case len(sameName) == 0:
			return fmt.Sprintf("the CA file lacks %s, the issuer of CA %s", slashIssuer(child), slashSubject(child))
		case issuer == nil && child == cert:
			return fmt.Sprintf("signed by another CA with the same name %s (the signature does not verify with the CA file's key)", slashIssuer(cert))
		case issuer == nil:
			return fmt.Sprintf("CA %s is signed by another CA with the same name %s", slashSubject(child), slashIssuer(child))
		}
		if problem := caProblemAt(issuer, at); problem != "" {
			return problem
		}
		if issuer == child || slices.ContainsFunc(anchors, issuer.Equal) {
			break
		}
		child = issuer
	}
	return strings.TrimPrefix(err.Error(), "x509: ")
}

// authorityMismatch says how child's authority key identifier names a CA
// certificate other than issuer, "" when it does not: a key identifier
// other than the issuer's, or (as `authorityKeyIdentifier = issuer:always`
// writes it) another issuer name or serial than the issuer certificate's
// own issuer and serial. openssl verify refuses such a certificate; a CA
// renewed with a new serial is the usual cause.
func authorityMismatch(child, issuer *x509.Certificate) string {
	aki, ok, err := pki.ParseAuthorityKeyID(child)
	switch {
	case !ok:
		return ""
	case err != nil:
		return fmt.Sprintf("%s has a malformed authority key identifier", slashSubject(child))
	case len(aki.KeyID) > 0 && len(issuer.SubjectKeyId) > 0 && !bytes.Equal(aki.KeyID, issuer.SubjectKeyId):
		return fmt.Sprintf("authority key identifier of %s names key %X, CA %s has key %X (openssl verify refuses it)",
			slashSubject(child), aki.KeyID, slashSubject(issuer), issuer.SubjectKeyId)
	case aki.Serial != nil && aki.Serial.Cmp(issuer.SerialNumber) != 0:
		return fmt.Sprintf("authority key identifier of %s names CA serial %s, CA %s has serial %s (was the CA renewed with a new serial? openssl verify refuses it)",
			slashSubject(child), pki.FormatSerial(aki.Serial), slashSubject(issuer), pki.FormatSerial(issuer.SerialNumber))
	case aki.Issuer != nil && !bytes.Equal(aki.Issuer, issuer.RawIssuer):
		return fmt.Sprintf("authority key identifier of %s names a CA issued by %s, CA %s is issued by %s (openssl verify refuses it)",
			slashSubject(child), slashName(aki.Issuer), slashSubject(issuer), slashIssuer(issuer))
	}
	return ""
}

// caProblemAt says what keeps ca from issuing certificates at t, "" if nothing.
func caProblemAt(ca *x509.Certificate, t time.Time) string {
	switch {
	case !actsAsCA(ca):
		return fmt.Sprintf("%s in the CA file is not a CA (no basicConstraints CA:TRUE)", slashSubject(ca))
	case ca.KeyUsage != 0 && ca.KeyUsage&x509.KeyUsageCertSign == 0:
		return fmt.Sprintf("CA %s may not sign certificates (keyUsage lacks keyCertSign)", slashSubject(ca))
	}
	if problem := outsideValidity(ca, t); problem != "" {
		return "CA " + slashSubject(ca) + " " + problem
	}
	return ""
}

// actsAsCA applies x509.Certificate.CheckSignatureFrom's rule: a version 3
// certificate needs basicConstraints CA:TRUE, an old version 1 root does not.
func actsAsCA(c *x509.Certificate) bool {
	if c.BasicConstraintsValid {
		return c.IsCA
	}
	return c.Version < 3
}

// splitAnchors sorts the CA file into trust anchors (self-signed) and
// intermediates; without a self-signed certificate, all are anchors.
func splitAnchors(cas []*x509.Certificate) (anchors, intermediates []*x509.Certificate) {
	for _, c := range cas {
		if bytes.Equal(c.RawSubject, c.RawIssuer) && hasSignatureFrom(c, c) {
			anchors = append(anchors, c)
		} else {
			intermediates = append(intermediates, c)
		}
	}
	if len(anchors) == 0 {
		return cas, nil
	}
	return anchors, intermediates
}

// findIssuerIn returns the certificate of cas whose key signed child, and
// every certificate of cas named as child's issuer.
func findIssuerIn(child *x509.Certificate, cas []*x509.Certificate) (issuer *x509.Certificate, sameName []*x509.Certificate) {
	for _, ca := range cas {
		if !bytes.Equal(ca.RawSubject, child.RawIssuer) {
			continue
		}
		sameName = append(sameName, ca)
		if issuer == nil && hasSignatureFrom(child, ca) {
			issuer = ca
		}
	}
	return issuer, sameName
}

// hasSignatureFrom checks the signature alone; caProblemAt checks the CA.
func hasSignatureFrom(child, parent *x509.Certificate) bool {
	return parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature) == nil
}

func certPool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func checkValidAt(cert *x509.Certificate, at time.Time) Result {
	if problem := outsideValidity(cert, at); problem != "" {
		return failResult(Validity, "%s", problem)
	}
	return okResult(Validity, "valid until %s (%d days left)", checkDate(cert.NotAfter), int(cert.NotAfter.Sub(at).Hours()/24))
}

// outsideValidity says how t misses c's validity period, "" if it does not.
func outsideValidity(c *x509.Certificate, t time.Time) string {
	switch {
	case t.Before(c.NotBefore):
		return "not yet valid until " + checkDate(c.NotBefore)
	case t.After(c.NotAfter):
		return "expired on " + checkDate(c.NotAfter)
	}
	return ""
}

func checkKeyPair(cert *x509.Certificate, key crypto.Signer) Result {
	if pki.KeyMatches(cert.PublicKey, key) {
		return okResult(Key, "key matches the certificate")
	}
	return failResult(Key, "key does not match the certificate")
}

func checkHostName(cert *x509.Certificate, host string) Result {
	var names []string
	for _, d := range cert.DNSNames {
		names = append(names, "DNS:"+d)
	}
	for _, ip := range cert.IPAddresses {
		names = append(names, "IP:"+ip.String())
	}
	list := strings.Join(names, ", ")
	if cert.VerifyHostname(host) == nil {
		return okResult(Host, "%s in SANs (%s)", host, list)
	}
	if len(names) == 0 {
		return failResult(Host, "%s not in SANs (the certificate has no DNS or IP SAN, and the CN does not count)", host)
	}
	return failResult(Host, "%s not in SANs (%s)", host, list)
}

// checkNotRevoked wants the CRL of the certificate's own issuer, current at
// at; a CRL that cannot vouch for the certificate fails the check, as
// `openssl verify -crl_check` fails.
func checkNotRevoked(cert, issuer *x509.Certificate, crl *x509.RevocationList, at time.Time) Result {
	if issuer == nil {
		return failResult(Revocation, "cannot check the CRL: the CA file lacks the certificate's issuer %s", slashIssuer(cert))
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return failResult(Revocation, "CRL signed by another CA (CRL issuer %s, certificate issuer %s)", slashName(crl.RawIssuer), slashSubject(issuer))
	}
	if issuer.CheckSignature(crl.SignatureAlgorithm, crl.RawTBSRevocationList, crl.Signature) != nil {
		return failResult(Revocation, "CRL signed by another CA with the same name %s (the signature does not verify with the CA's key)", slashSubject(issuer))
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return failResult(Revocation, "CA %s may not sign CRLs (keyUsage lacks cRLSign)", slashSubject(issuer))
	}
	if problem := crlScopeProblem(cert, crl); problem != "" {
		return failResult(Revocation, "%s", problem)
	}
	// A revocation stands even if the CRL that says so is stale.
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			if reason := crlEntryReason(e.ReasonCode); reason != "" {
				return failResult(Revocation, "revoked on %s (%s)", checkDate(e.RevocationTime), reason)
			}
			return failResult(Revocation, "revoked on %s", checkDate(e.RevocationTime))
		}
	}
	switch {
	case at.Before(crl.ThisUpdate):
		return failResult(Revocation, "CRL not yet valid until %s", checkDate(crl.ThisUpdate))
	case !crl.NextUpdate.IsZero() && at.After(crl.NextUpdate):
		return failResult(Revocation, "CRL expired on %s", checkDate(crl.NextUpdate))
	}
	detail := fmt.Sprintf("not revoked (CRL of %s, issued %s", slashSubject(issuer), checkDate(crl.ThisUpdate))
	if !crl.NextUpdate.IsZero() {
		detail += ", next update " + checkDate(crl.NextUpdate)
	}
	return okResult(Revocation, "%s)", detail)
}

// crlEntryReason names a reason code; "" for none, as crypto/x509 reports an
// absent reason as 0.
func crlEntryReason(code int) string {
	if code == 0 {
		return ""
	}
	return pki.CRLReasonName(code)
}

func checkServerUsage(cert *x509.Certificate) Result {
	var oids []asn1.ObjectIdentifier
	found := false
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidExtKeyUsage) {
			found = true
			if _, err := asn1.Unmarshal(ext.Value, &oids); err != nil {
				return failResult(Usage, "extended key usage is malformed")
			}
		}
	}
	if !found {
		return okResult(Usage, "no extended key usage: any use allowed")
	}
	names := make([]string, len(oids))
	for i, oid := range oids {
		names[i] = pki.ExtKeyUsageName(oid)
	}
	list := strings.Join(names, ", ")
	switch {
	case slices.ContainsFunc(oids, oidServerAuth.Equal):
		return okResult(Usage, "serverAuth allowed (extended key usage %s)", list)
	case slices.ContainsFunc(oids, oidAnyExtendedKeyUsage.Equal):
		return okResult(Usage, "serverAuth allowed by anyExtendedKeyUsage (extended key usage %s)", list)
	case len(oids) == 0:
		return failResult(Usage, "extended key usage lacks serverAuth (it is empty)")
	}
	return failResult(Usage, "extended key usage lacks serverAuth (has %s)", list)
}

// checkDate is the date of t in UTC, as the failure messages give it.
func checkDate(t time.Time) string { return t.UTC().Format("2006-01-02") }

func slashSubject(c *x509.Certificate) string { return slashName(c.RawSubject) }

func slashIssuer(c *x509.Certificate) string { return slashName(c.RawIssuer) }

// slashName is a DER name in slash form, as the CLI prints subjects.
func slashName(der []byte) string {
	n, err := dn.ParseDER(der)
	if err != nil {
		return "(unreadable name)"
	}
	if len(n) == 0 {
		return "(empty name)"
	}
	return n.String()
}

// slashSubjects lists the distinct subjects of certs.
func slashSubjects(certs []*x509.Certificate) string {
	var names []string
	for _, c := range certs {
		s := slashSubject(c)
		if !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	return strings.Join(names, " and ")
}

// The extended key usages the usage check looks for.
var (
	oidExtKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidServerAuth          = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidAnyExtendedKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
)
