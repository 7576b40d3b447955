package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/verify"
)

const (
	otherCASubject = "/C=US/O=Other Inc./CN=other-ca.example.com"
	interSubject   = "/C=US/O=Example Inc./CN=Example Issuing CA"
	proxySANs      = "DNS:proxy.example.com,DNS:*.apps.example.com,IP:192.0.2.10"
	proxySANsShown = "DNS:proxy.example.com, DNS:*.apps.example.com, IP:192.0.2.10"
)

// verifyPKI is the engine CA with a proxy certificate, and the strangers a
// certificate can be checked against by mistake.
type verifyPKI struct {
	at       time.Time // "now" of every check
	store    *pki.Store
	ca       *x509.Certificate
	caKey    crypto.Signer
	leaf     *x509.Certificate // serverAuth, clientAuth; proxySANs; 365 days
	leafKey  crypto.Signer
	otherKey crypto.Signer
	// otherCA has another name and key; sameNameCA the engine CA's name
	// and another key, as after re-running `ca init` on the engine.
	otherCA, sameNameCA *x509.Certificate
	serials             int64 // how many certificates create made
}

func newVerifyPKI(t *testing.T) *verifyPKI {
	t.Helper()
	v := &verifyPKI{
		at:       time.Now().Truncate(time.Second),
		store:    pkitest.NewStore(t),
		caKey:    pkitest.SharedKey(t, pkitest.CAKey),
		leafKey:  pkitest.SharedKey(t, pkitest.RequestKey),
		otherKey: pkitest.SharedKey(t, pkitest.OtherKey),
	}
	v.ca = pkitest.ReadCert(t, v.store.CACertPath())
	sans, err := pki.ParseSANs(proxySANs)
	if err != nil {
		t.Fatal(err)
	}
	v.leaf = v.sign(t, pki.SignRequest{Name: "proxy", Days: 365, SANs: sans})
	otherGen := pki.WithKeyGenerator(func(int) (crypto.Signer, error) { return v.otherKey, nil })
	v.sameNameCA = pkitest.ReadCert(t, pkitest.NewStore(t, otherGen).CACertPath())
	other, err := pki.InitStore(filepath.Join(t.TempDir(), "other"), pki.InitRequest{Subject: pkitest.Name(t, otherCASubject)}, otherGen)
	if err != nil {
		t.Fatal(err)
	}
	v.otherCA = pkitest.ReadCert(t, other.CACertPath())
	return v
}

// sign issues a certificate for the proxy's key with the store's profile.
func (v *verifyPKI) sign(t *testing.T, req pki.SignRequest, opts ...pki.StoreOption) *x509.Certificate {
	t.Helper()
	store, err := pki.OpenStore(v.store.Dir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	pkitest.WriteRequest(t, store, req.Name, pkitest.EngineProxySubject)
	issued, err := store.Sign(context.Background(), req)
	if err != nil {
		t.Fatalf("sign %s: %v", req.Name, err)
	}
	return issued.Certificate
}

// signedAt issues a certificate with the store's clock set to now+offset.
func (v *verifyPKI) signedAt(t *testing.T, name string, offset time.Duration, days int) *x509.Certificate {
	t.Helper()
	clock := pki.WithNow(func() time.Time { return v.at.Add(offset) })
	return v.sign(t, pki.SignRequest{Name: name, Days: days}, clock)
}

// create signs tmpl for pub with parent's key; tmpl gets a serial, a
// validity around v.at and a key identifier when it has none.
func (v *verifyPKI) create(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	if tmpl.SerialNumber == nil {
		v.serials++
		tmpl.SerialNumber = big.NewInt(v.at.UnixNano() + v.serials)
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = v.at.Add(-time.Hour), v.at.Add(100*24*time.Hour)
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func subjectName(t *testing.T, s string) []byte {
	t.Helper()
	der, err := pkitest.Name(t, s).MarshalDER()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// verifyCRL signs a CRL with issuer's key, current from thisUpdate to nextUpdate.
func verifyCRL(t *testing.T, issuer *x509.Certificate, key crypto.Signer, thisUpdate, nextUpdate time.Time, revoked ...x509.RevocationListEntry) *x509.RevocationList {
	t.Helper()
	return signCRL(t, issuer, key, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: thisUpdate, NextUpdate: nextUpdate, RevokedCertificateEntries: revoked,
	})
}

// verifyCRLWith is verifyCRL with extensions of the CRL's own.
func verifyCRLWith(t *testing.T, issuer *x509.Certificate, key crypto.Signer, thisUpdate, nextUpdate time.Time, exts []pkix.Extension) *x509.RevocationList {
	t.Helper()
	return signCRL(t, issuer, key, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: thisUpdate, NextUpdate: nextUpdate, ExtraExtensions: exts,
	})
}

// signCRL signs tmpl with issuer's key and parses the result.
func signCRL(t *testing.T, issuer *x509.Certificate, key crypto.Signer, tmpl *x509.RevocationList) *x509.RevocationList {
	t.Helper()
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	if err != nil {
		t.Fatal(err)
	}
	list, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// crlURL is the CRL distribution point of the certificates that have one.
const crlURL = "http://crl.example.com/ca.crl"

// The fields of an issuingDistributionPoint (RFC 5280 5.2.5), DER.
var (
	onlyUserCerts   = []byte{0x81, 1, 0xff}
	onlyCACerts     = []byte{0x82, 1, 0xff}
	onlySomeReasons = []byte{0x83, 2, 6, 0x40} // keyCompromise
)

// distPoint is the distributionPoint field of an issuingDistributionPoint
// whose fullName is the URI uri.
func distPoint(t *testing.T, uri string) []byte {
	t.Helper()
	gn, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(uri)})
	if err != nil {
		t.Fatal(err)
	}
	full, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: gn})
	if err != nil {
		t.Fatal(err)
	}
	field, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: full})
	if err != nil {
		t.Fatal(err)
	}
	return field
}

// idpExtension is a critical issuingDistributionPoint of fields.
func idpExtension(t *testing.T, fields ...[]byte) pkix.Extension {
	t.Helper()
	der, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: bytes.Join(fields, nil)})
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: der}
}

func ymd(t time.Time) string { return t.UTC().Format("2006-01-02") }

// verifyCase is one call of verify.Certificate, with what it must report
// and what `openssl verify` says of the same files.
type verifyCase struct {
	name string
	cert *x509.Certificate
	opts verify.Options
	// want holds, for each result in order, a prefix of its String().
	want []string
	// openssl is what `openssl verify` must print when it fails; "" when
	// it must succeed. Its key check is not openssl verify's: see
	// TestVerifyKeyAgreesWithOpenSSL.
	openssl string
}

func verifyCases(t *testing.T, v *verifyPKI) []verifyCase {
	t.Helper()
	caName := pkitest.EngineCASubject
	chainOK := "ok   chain: signed by " + caName
	validOK := "ok   validity: valid until " + ymd(v.leaf.NotAfter)
	usageOK := "ok   usage: serverAuth allowed (extended key usage serverAuth, clientAuth)"
	at := v.at
	cas := []*x509.Certificate{v.ca}
	current := func(revoked ...x509.RevocationListEntry) *x509.RevocationList {
		return verifyCRL(t, v.ca, v.caKey, at.Add(-time.Hour), at.Add(30*24*time.Hour), revoked...)
	}
	revokedOn := at.Add(-2 * time.Hour)
	scopedCRL := func(exts ...pkix.Extension) *x509.RevocationList {
		return verifyCRLWith(t, v.ca, v.caKey, at.Add(-time.Hour), at.Add(30*24*time.Hour), exts)
	}

	// Another CA's certificates, made here to keep the fixture small.
	inter := v.create(t, &x509.Certificate{
		RawSubject: subjectName(t, interSubject), BasicConstraintsValid: true, IsCA: true, MaxPathLen: 0, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, v.ca, v.otherKey.Public(), v.caKey)
	interLeaf := v.create(t, &x509.Certificate{
		RawSubject: subjectName(t, pkitest.EngineProxySubject), DNSNames: []string{"proxy.example.com"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, inter, v.leafKey.Public(), v.otherKey)
	noEKU := v.create(t, &x509.Certificate{
		RawSubject: subjectName(t, pkitest.EngineProxySubject), DNSNames: []string{"proxy.example.com"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}, v.ca, v.leafKey.Public(), v.caKey)
	notCA := v.create(t, &x509.Certificate{
		RawSubject: subjectName(t, "/O=Example Inc./CN=not-a-ca.example.com"), BasicConstraintsValid: true,
	}, nil, v.otherKey.Public(), v.otherKey)
	fromNotCA := v.create(t, &x509.Certificate{
		RawSubject: subjectName(t, pkitest.EngineProxySubject), DNSNames: []string{"proxy.example.com"},
	}, notCA, v.leafKey.Public(), v.otherKey)
	clientOnly := v.sign(t, pki.SignRequest{Name: "client", ExtKeyUsage: pkitest.EKU(t, "clientAuth")})
	// pkienroll refuses to issue anyExtendedKeyUsage; verify must still
	// read one that another CA made.
	anyEKU := v.create(t, &x509.Certificate{
		RawSubject: subjectName(t, pkitest.EngineProxySubject), DNSNames: []string{"proxy.example.com"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}, v.ca, v.leafKey.Public(), v.caKey)
	withCRLDP := v.create(t, &x509.Certificate{
		RawSubject: subjectName(t, pkitest.EngineProxySubject), DNSNames: []string{"proxy.example.com"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		CRLDistributionPoints: []string{"http://crl.example.com/other-first.crl", crlURL},
	}, v.ca, v.leafKey.Public(), v.caKey)
	expired := v.signedAt(t, "expired", -400*24*time.Hour, 30)
	future := v.signedAt(t, "future", 30*24*time.Hour, 30)

	return []verifyCase{
		{name: "all pass", cert: v.leaf,
			opts: verify.Options{CAs: cas, Key: v.leafKey, Host: "proxy.example.com", CRL: current(), Now: at},
			want: []string{chainOK, validOK,
				"ok   key: key matches the certificate",
				"ok   host: proxy.example.com in SANs (" + proxySANsShown + ")",
				"ok   revocation: not revoked (CRL of " + caName + ", issued " + ymd(at.Add(-time.Hour)) + ", next update " + ymd(at.Add(30*24*time.Hour)) + ")",
				usageOK}},
		{name: "default time is now", cert: v.leaf, opts: verify.Options{CAs: cas},
			want: []string{chainOK, validOK, usageOK}},
		{name: "CA file with another CA first", cert: v.leaf, opts: verify.Options{CAs: []*x509.Certificate{v.otherCA, v.sameNameCA, v.ca}, Now: at},
			want: []string{chainOK, validOK, usageOK}},

		// chain
		{name: "other CA", cert: v.leaf, opts: verify.Options{CAs: []*x509.Certificate{v.otherCA}, Now: at},
			want:    []string{"FAILED chain: signed by another CA (issuer " + caName + ", CA file holds " + otherCASubject + ")", validOK, usageOK},
			openssl: "unable to get local issuer certificate"},
		{name: "other CA of the same name", cert: v.leaf, opts: verify.Options{CAs: []*x509.Certificate{v.sameNameCA}, Now: at},
			want: []string{"FAILED chain: signed by another CA with the same name " + caName + " (the signature does not verify with the CA file's key)", validOK, usageOK},
			// The authority key identifier leads openssl past the namesake.
			openssl: "unable to get local issuer certificate"},
		{name: "empty CA file", cert: v.leaf, opts: verify.Options{Now: at},
			want: []string{"FAILED chain: the CA file holds no certificate", validOK, usageOK}},
		{name: "intermediate and root", cert: interLeaf, opts: verify.Options{CAs: []*x509.Certificate{inter, v.ca}, Now: at},
			want: []string{"ok   chain: signed by " + interSubject + ", chained to " + caName, "ok   validity:", "ok   usage: serverAuth allowed (extended key usage serverAuth)"}},
		{name: "intermediate alone", cert: interLeaf, opts: verify.Options{CAs: []*x509.Certificate{inter}, Now: at},
			want: []string{"ok   chain: signed by " + interSubject, "ok   validity:", "ok   usage:"}},
		{name: "root without intermediate", cert: interLeaf, opts: verify.Options{CAs: []*x509.Certificate{v.ca}, Now: at},
			want:    []string{"FAILED chain: signed by another CA (issuer " + interSubject + ", CA file holds " + caName + ")", "ok   validity:", "ok   usage:"},
			openssl: "unable to get local issuer certificate"},
		{name: "intermediate with another root", cert: interLeaf, opts: verify.Options{CAs: []*x509.Certificate{inter, v.otherCA}, Now: at},
			want:    []string{"FAILED chain: the CA file lacks " + caName + ", the issuer of CA " + interSubject, "ok   validity:", "ok   usage:"},
			openssl: "unable to get issuer certificate"},
		{name: "issuer is not a CA", cert: fromNotCA, opts: verify.Options{CAs: []*x509.Certificate{notCA}, Now: at},
			want:    []string{"FAILED chain: /O=Example Inc./CN=not-a-ca.example.com in the CA file is not a CA (no basicConstraints CA:TRUE)", "ok   validity:", "ok   usage: no extended key usage"},
			openssl: "invalid CA certificate"},
		{name: "CA expired", cert: v.leaf, opts: verify.Options{CAs: cas, Now: v.ca.NotAfter.Add(time.Hour)},
			want: []string{"FAILED chain: CA " + caName + " expired on " + ymd(v.ca.NotAfter),
				"FAILED validity: expired on " + ymd(v.leaf.NotAfter), usageOK},
			openssl: "certificate has expired"},

		// validity
		{name: "expired: signed in the past", cert: expired, opts: verify.Options{CAs: cas, Now: at},
			want: []string{chainOK, "FAILED validity: expired on " + ymd(expired.NotAfter), usageOK}, openssl: "certificate has expired"},
		{name: "expired: checked in the future", cert: v.leaf, opts: verify.Options{CAs: cas, Now: v.leaf.NotAfter.Add(24 * time.Hour)},
			want: []string{chainOK, "FAILED validity: expired on " + ymd(v.leaf.NotAfter), usageOK}, openssl: "certificate has expired"},
		{name: "not yet valid", cert: future, opts: verify.Options{CAs: cas, Now: at},
			want: []string{chainOK, "FAILED validity: not yet valid until " + ymd(future.NotBefore), usageOK}, openssl: "certificate is not yet valid"},
		{name: "not yet valid: checked in the past", cert: v.leaf, opts: verify.Options{CAs: cas, Now: v.ca.NotBefore.Add(-time.Second)},
			want: []string{"FAILED chain: CA " + caName + " not yet valid until " + ymd(v.ca.NotBefore),
				"FAILED validity: not yet valid until " + ymd(v.leaf.NotBefore), usageOK}, openssl: "is not yet valid"},

		// key
		{name: "key mismatch", cert: v.leaf, opts: verify.Options{CAs: cas, Key: v.otherKey, Now: at},
			want: []string{chainOK, validOK, "FAILED key: key does not match the certificate", usageOK}},

		// host
		{name: "host wildcard", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "console.apps.example.com", Now: at},
			want: []string{chainOK, validOK, "ok   host: console.apps.example.com in SANs", usageOK}},
		{name: "host in capitals", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "Proxy.Example.COM", Now: at},
			want: []string{chainOK, validOK, "ok   host: Proxy.Example.COM in SANs", usageOK}},
		{name: "host not in SANs", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "engine.example.com", Now: at},
			want:    []string{chainOK, validOK, "FAILED host: engine.example.com not in SANs (" + proxySANsShown + ")", usageOK},
			openssl: "hostname mismatch"},
		{name: "wildcard covers one label", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "a.b.apps.example.com", Now: at},
			want:    []string{chainOK, validOK, "FAILED host: a.b.apps.example.com not in SANs", usageOK},
			openssl: "hostname mismatch"},
		{name: "wildcard needs a label", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "apps.example.com", Now: at},
			want:    []string{chainOK, validOK, "FAILED host: apps.example.com not in SANs", usageOK},
			openssl: "hostname mismatch"},
		{name: "IP in SANs", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "192.0.2.10", Now: at},
			want: []string{chainOK, validOK, "ok   host: 192.0.2.10 in SANs", usageOK}},
		{name: "IP not in SANs", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "192.0.2.11", Now: at},
			want:    []string{chainOK, validOK, "FAILED host: 192.0.2.11 not in SANs (" + proxySANsShown + ")", usageOK},
			openssl: "IP address mismatch"},
		// Two differences from openssl, as TLS clients compare names: a
		// trailing dot and an IPv4-mapped IPv6 address.
		{name: "host with a trailing dot", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "proxy.example.com.", Now: at},
			want:    []string{chainOK, validOK, "ok   host: proxy.example.com. in SANs", usageOK},
			openssl: "hostname mismatch"},
		{name: "IPv4-mapped IPv6 address", cert: v.leaf, opts: verify.Options{CAs: cas, Host: "::ffff:192.0.2.10", Now: at},
			want:    []string{chainOK, validOK, "ok   host: ::ffff:192.0.2.10 in SANs", usageOK},
			openssl: "IP address mismatch"},
		{name: "IP against a DNS SAN", cert: fromNotCA, opts: verify.Options{CAs: []*x509.Certificate{v.ca}, Host: "192.0.2.10", Now: at},
			want:    []string{"FAILED chain:", "ok   validity:", "FAILED host: 192.0.2.10 not in SANs (DNS:proxy.example.com)", "ok   usage:"},
			openssl: "unable to get local issuer certificate"},

		// revocation
		{name: "revoked", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: current(x509.RevocationListEntry{SerialNumber: v.leaf.SerialNumber, RevocationTime: revokedOn, ReasonCode: 1})},
			want: []string{chainOK, validOK, "FAILED revocation: revoked on " + ymd(revokedOn) + " (keyCompromise)", usageOK}, openssl: "certificate revoked"},
		{name: "revoked without reason", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: current(x509.RevocationListEntry{SerialNumber: v.leaf.SerialNumber, RevocationTime: revokedOn})},
			want: []string{chainOK, validOK, "FAILED revocation: revoked on " + ymd(revokedOn) + "\x00", usageOK}, openssl: "certificate revoked"},
		{name: "another serial revoked", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: current(x509.RevocationListEntry{SerialNumber: anyEKU.SerialNumber, RevocationTime: revokedOn})},
			want: []string{chainOK, validOK, "ok   revocation: not revoked", usageOK}},
		{name: "CRL of another CA", cert: v.leaf,
			opts:    verify.Options{CAs: cas, Now: at, CRL: verifyCRL(t, v.otherCA, v.otherKey, at.Add(-time.Hour), at.Add(time.Hour))},
			want:    []string{chainOK, validOK, "FAILED revocation: CRL signed by another CA (CRL issuer " + otherCASubject + ", certificate issuer " + caName + ")", usageOK},
			openssl: "unable to get certificate CRL"},
		{name: "CRL of another CA of the same name", cert: v.leaf,
			opts:    verify.Options{CAs: cas, Now: at, CRL: verifyCRL(t, v.sameNameCA, v.otherKey, at.Add(-time.Hour), at.Add(time.Hour))},
			want:    []string{chainOK, validOK, "FAILED revocation: CRL signed by another CA with the same name " + caName, usageOK},
			openssl: "unable to get certificate CRL"},
		{name: "CRL expired", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: verifyCRL(t, v.ca, v.caKey, at.Add(-48*time.Hour), at.Add(-time.Hour))},
			want: []string{chainOK, validOK, "FAILED revocation: CRL expired on " + ymd(at.Add(-time.Hour)), usageOK}, openssl: "CRL has expired"},
		{name: "CRL expired at --at", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at.Add(60 * 24 * time.Hour), CRL: current()},
			want: []string{chainOK, "ok   validity:", "FAILED revocation: CRL expired on " + ymd(at.Add(30*24*time.Hour)), usageOK}, openssl: "CRL has expired"},
		{name: "CRL not yet valid", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: verifyCRL(t, v.ca, v.caKey, at.Add(24*time.Hour), at.Add(48*time.Hour))},
			want: []string{chainOK, validOK, "FAILED revocation: CRL not yet valid until " + ymd(at.Add(24*time.Hour)), usageOK}, openssl: "CRL is not yet valid"},
		{name: "revoked on a stale CRL", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: verifyCRL(t, v.ca, v.caKey, at.Add(-48*time.Hour), at.Add(-time.Hour),
				x509.RevocationListEntry{SerialNumber: v.leaf.SerialNumber, RevocationTime: at.Add(-72 * time.Hour), ReasonCode: 4})},
			want: []string{chainOK, validOK, "FAILED revocation: revoked on " + ymd(at.Add(-72*time.Hour)) + " (superseded)", usageOK}, openssl: "CRL has expired"},
		{name: "CRL with an unknown critical extension", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: scopedCRL(pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5}, Critical: true, Value: []byte{5, 0}})},
			want: []string{chainOK, validOK, "FAILED revocation: CRL has a critical extension pkienroll cannot process (1.2.3.4.5)", usageOK}, openssl: "unhandled critical CRL extension"},
		{name: "CRL with an unknown non-critical extension", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: scopedCRL(pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5}, Value: []byte{5, 0}})},
			want: []string{chainOK, validOK, "ok   revocation: not revoked", usageOK}},
		{name: "CRL entry with an unknown critical extension", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: current(x509.RevocationListEntry{SerialNumber: anyEKU.SerialNumber, RevocationTime: revokedOn,
				ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 6}, Critical: true, Value: []byte{5, 0}}}})},
			want:    []string{chainOK, validOK, "FAILED revocation: CRL entry of serial " + pki.FormatSerial(anyEKU.SerialNumber) + " has a critical extension pkienroll cannot process (1.2.3.4.6)", usageOK},
			openssl: "unhandled critical CRL extension"},
		{name: "CRL of CA certificates only", cert: v.leaf,
			opts:    verify.Options{CAs: cas, Now: at, CRL: scopedCRL(idpExtension(t, onlyCACerts))},
			want:    []string{chainOK, validOK, "FAILED revocation: CRL covers only CA certificates (issuingDistributionPoint), not this certificate", usageOK},
			openssl: "different CRL scope"},
		{name: "CRL of end-entity certificates only", cert: v.leaf,
			opts: verify.Options{CAs: cas, Now: at, CRL: scopedCRL(idpExtension(t, onlyUserCerts))},
			want: []string{chainOK, validOK, "ok   revocation: not revoked", usageOK}},
		{name: "CRL of some reasons", cert: v.leaf,
			opts:    verify.Options{CAs: cas, Now: at, CRL: scopedCRL(idpExtension(t, onlySomeReasons))},
			want:    []string{chainOK, validOK, "FAILED revocation: CRL covers only some revocation reasons", usageOK},
			openssl: "unable to get certificate CRL"},
		{name: "CRL of a distribution point the certificate lacks", cert: v.leaf,
			opts:    verify.Options{CAs: cas, Now: at, CRL: scopedCRL(idpExtension(t, distPoint(t, crlURL)))},
			want:    []string{chainOK, validOK, "FAILED revocation: CRL is the CRL of a distribution point (issuingDistributionPoint) that the certificate's CRL distribution points do not name", usageOK},
			openssl: "different CRL scope"},
		{name: "CRL of another distribution point", cert: withCRLDP,
			opts:    verify.Options{CAs: cas, Now: at, CRL: scopedCRL(idpExtension(t, distPoint(t, "http://crl.example.com/other.crl")))},
			want:    []string{chainOK, "ok   validity:", "FAILED revocation: CRL is the CRL of a distribution point", usageOK},
			openssl: "different CRL scope"},
		{name: "CRL of the certificate's distribution point", cert: withCRLDP,
			opts: verify.Options{CAs: cas, Now: at, CRL: scopedCRL(idpExtension(t, distPoint(t, crlURL)))},
			want: []string{chainOK, "ok   validity:", "ok   revocation: not revoked", usageOK}},
		{name: "CRL without the issuer", cert: v.leaf,
			opts:    verify.Options{CAs: []*x509.Certificate{v.otherCA}, Now: at, CRL: current()},
			want:    []string{"FAILED chain:", validOK, "FAILED revocation: cannot check the CRL: the CA file lacks the certificate's issuer " + caName, usageOK},
			openssl: "unable to get local issuer certificate"},

		// usage
		{name: "clientAuth only", cert: clientOnly, opts: verify.Options{CAs: cas, Now: at},
			want: []string{chainOK, "ok   validity:", "FAILED usage: extended key usage lacks serverAuth (has clientAuth)"}, openssl: "unsuitable certificate purpose"},
		{name: "anyExtendedKeyUsage", cert: anyEKU, opts: verify.Options{CAs: cas, Now: at},
			want: []string{chainOK, "ok   validity:", "ok   usage: serverAuth allowed by anyExtendedKeyUsage (extended key usage anyExtendedKeyUsage)"},
			// OpenSSL 3.0 refuses anyExtendedKeyUsage for sslserver
			// (X509_PURPOSE_SSL_SERVER ignores XKU_ANYEKU); crypto/x509
			// and the issue accept it.
			openssl: "unsuitable certificate purpose"},
		{name: "no extended key usage", cert: noEKU, opts: verify.Options{CAs: cas, Now: at},
			want: []string{chainOK, "ok   validity:", "ok   usage: no extended key usage: any use allowed"}},

		{name: "several failures", cert: clientOnly,
			opts:    verify.Options{CAs: []*x509.Certificate{v.otherCA}, Key: v.otherKey, Host: "engine.example.com", Now: clientOnly.NotAfter.Add(time.Hour)},
			want:    []string{"FAILED chain: signed by another CA", "FAILED validity: expired on " + ymd(clientOnly.NotAfter), "FAILED key:", "FAILED host:", "FAILED usage:"},
			openssl: "unable to get local issuer certificate"},
	}
}

func TestCertificate(t *testing.T) {
	v := newVerifyPKI(t)
	for _, tc := range verifyCases(t, v) {
		t.Run(tc.name, func(t *testing.T) {
			got := verify.Certificate(tc.cert, tc.opts)
			var lines []string
			for _, r := range got {
				lines = append(lines, r.String())
			}
			all := strings.Join(lines, "\n")
			if len(got) != len(tc.want) {
				t.Fatalf("got %d results, want %d:\n%s", len(got), len(tc.want), all)
			}
			for i, w := range tc.want {
				// A trailing NUL asks for the whole line.
				if exact, ok := strings.CutSuffix(w, "\x00"); ok {
					if lines[i] != exact {
						t.Errorf("result %d is %q, want %q", i, lines[i], exact)
					}
				} else if !strings.HasPrefix(lines[i], w) {
					t.Errorf("result %d is %q, want it to start with %q", i, lines[i], w)
				}
				if ok := strings.HasPrefix(w, "ok "); got[i].OK != ok {
					t.Errorf("result %d: OK is %v, want %v", i, got[i].OK, ok)
				}
			}
		})
	}
}

// differFromOpenSSL are the cases where verify.Certificate passes and
// openssl verify does not, as docs/cli.md says.
var differFromOpenSSL = []string{"anyExtendedKeyUsage", "host with a trailing dot", "IPv4-mapped IPv6 address"}

// TestVerifyAgreesWithOpenSSL runs `openssl verify` on the same files with
// the matching flags: it must accept what verify.Certificate accepts, and
// refuse the rest for the same reason.
func TestVerifyAgreesWithOpenSSL(t *testing.T) {
	pkitest.OpenSSL(t)
	v := newVerifyPKI(t)
	for _, tc := range verifyCases(t, v) {
		if len(tc.opts.CAs) == 0 {
			continue // openssl would look in its default store
		}
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"verify", "-purpose", "sslserver", "-CAfile", writeCAs(t, dir, tc.opts.CAs)}
			if !hasSelfSigned(tc.opts.CAs) {
				args = append(args, "-partial_chain")
			}
			if !tc.opts.Now.IsZero() {
				args = append(args, "-attime", strconv.FormatInt(tc.opts.Now.Unix(), 10))
			}
			if h := tc.opts.Host; h != "" {
				if net.ParseIP(h) != nil {
					args = append(args, "-verify_ip", h)
				} else {
					args = append(args, "-verify_hostname", h)
				}
			}
			if tc.opts.CRL != nil {
				path := filepath.Join(dir, "crl.pem")
				pkitest.WriteFile(t, path, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: tc.opts.CRL.Raw}), 0o644)
				args = append(args, "-crl_check", "-CRLfile", path)
			}
			certPath := filepath.Join(dir, "cert.pem")
			pkitest.WriteFile(t, certPath, pki.EncodeCertificatePEM(tc.cert.Raw), 0o644)
			out, err := pkitest.TryOpenSSL(t, dir, append(args, certPath)...)
			ours := true
			for _, r := range verify.Certificate(tc.cert, verify.Options{CAs: tc.opts.CAs, Host: tc.opts.Host, CRL: tc.opts.CRL, Now: tc.opts.Now}) {
				ours = ours && r.OK
			}
			switch {
			case tc.openssl == "" && err != nil:
				t.Errorf("openssl %s failed, want success:\n%s", strings.Join(args, " "), out)
			case tc.openssl != "" && err == nil:
				t.Errorf("openssl %s succeeded, want %q:\n%s", strings.Join(args, " "), tc.openssl, out)
			case tc.openssl != "" && !strings.Contains(out, tc.openssl):
				t.Errorf("openssl %s says\n%s\nwant %q", strings.Join(args, " "), out, tc.openssl)
			}
			if agree := ours == (err == nil); !agree && !slices.Contains(differFromOpenSSL, tc.name) {
				t.Errorf("verify.Certificate passes: %v; openssl verify passes: %v", ours, err == nil)
			}
		})
	}
}

// TestVerifyKeyAgreesWithOpenSSL compares the key check with what admins
// did by hand: the public key of the certificate against the key's.
func TestVerifyKeyAgreesWithOpenSSL(t *testing.T) {
	pkitest.OpenSSL(t)
	v := newVerifyPKI(t)
	dir := t.TempDir()
	certPath := filepath.Join(dir, "proxy.cer")
	pkitest.WriteFile(t, certPath, pki.EncodeCertificatePEM(v.leaf.Raw), 0o644)
	certPub := pkitest.RunOpenSSL(t, dir, "x509", "-in", certPath, "-noout", "-pubkey")
	for _, tc := range []struct {
		name string
		key  int
	}{{"own key", pkitest.RequestKey}, {"other key", pkitest.OtherKey}} {
		t.Run(tc.name, func(t *testing.T) {
			keyPath := pkitest.WriteSharedKey(t, filepath.Join(dir, tc.name+".key"), tc.key)
			same := pkitest.RunOpenSSL(t, dir, "pkey", "-in", keyPath, "-pubout") == certPub
			key, err := pki.ReadKey(keyPath, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := verify.Certificate(v.leaf, verify.Options{CAs: []*x509.Certificate{v.ca}, Key: key})[2]
			if r.Check != verify.Key || r.OK != same {
				t.Errorf("key result %v; openssl says the public keys are the same: %v", r, same)
			}
		})
	}
}

func TestVerifyDetailsArePrintable(t *testing.T) {
	v := newVerifyPKI(t)
	evil := v.create(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "evil\x1b[31m\nCA", Organization: []string{"Example Inc."}},
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign,
	}, nil, v.otherKey.Public(), v.otherKey)
	for _, r := range verify.Certificate(v.leaf, verify.Options{CAs: []*x509.Certificate{evil}, Host: "bad\nhost"}) {
		if strings.ContainsAny(r.Detail, "\x1b\n") {
			t.Errorf("%s detail holds a control character: %q", r.Check, r.Detail)
		}
		if r.Check == verify.Chain && !strings.Contains(r.Detail, `evil\x1B[31m\x0ACA`) {
			t.Errorf("chain detail %q does not show the escaped name", r.Detail)
		}
	}
}

func writeCAs(t *testing.T, dir string, cas []*x509.Certificate) string {
	t.Helper()
	var data []byte
	for _, c := range cas {
		data = append(data, pki.EncodeCertificatePEM(c.Raw)...)
	}
	path := filepath.Join(dir, "ca.pem")
	pkitest.WriteFile(t, path, data, 0o644)
	return path
}

func hasSelfSigned(cas []*x509.Certificate) bool {
	for _, c := range cas {
		if string(c.RawSubject) == string(c.RawIssuer) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil {
			return true
		}
	}
	return false
}
