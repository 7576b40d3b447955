package pkitest

import (
	"sort"
	"testing"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"
)

// zlintExcludedSources are the lint sources that speak for publicly
// trusted CAs only. The engine's CA is a private CA that no root program
// holds, so their rules do not apply. Excluded whole, each with its
// reason; what they report on pkienroll's certificates today is listed so
// that a reader sees what is given up:
var zlintExcludedSources = lint.SourceList{
	// TLS Baseline Requirements, public CAs only. On pkienroll's
	// certificates they report: no certificate policies
	// (e_sub_cert_certificate_policies_missing, e_sub_cert_cert_policy_empty),
	// no CRL distribution point (e_missing_crl_distrib_point), no OCSP/AIA
	// (e_sub_cert_aia_missing, w_sub_cert_aia_does_not_contain_issuing_ca_url),
	// locality/province absent (e_sub_cert_locality_name_must_appear,
	// e_sub_cert_province_must_appear), OU present
	// (e_organizational_unit_name_prohibited), the public 200/398-day limits
	// (e_server_cert_valid_time_longer_than_200_days,
	// e_tls_server_cert_valid_time_longer_than_398_days), a critical EKU,
	// which the engine's templates write (e_eku_critical), email and URI
	// SANs in a TLS certificate (e_ext_san_rfc822_name_present,
	// e_ext_san_uniform_resource_identifier_present), private IP addresses
	// (e_ext_san_contains_reserved_ip), a CRL current longer than 10 days
	// (e_crl_next_update_invalid), the CN and SKI the engine's clients
	// expect (w_subject_common_name_included,
	// w_ext_subject_key_identifier_not_recommended_subscriber), keyAgreement
	// for EC (w_cabf_ecc_ku_keyagreement_present), and the BR rule against
	// authorityCertIssuer and serial in the authority key identifier, which
	// the engine's own templates write and pkienroll copies for
	// compatibility.
	lint.CABFBaselineRequirements,
	lint.CABFEVGuidelines,              // EV certificates: pkienroll issues none
	lint.CABFSMIMEBaselineRequirements, // public S/MIME CAs only
	lint.CABFCSBaselineRequirements,    // public code-signing CAs only
	lint.MozillaRootStorePolicy,        // Mozilla's root program
	// Apple's root program: its public 397/398-day limits. Apple's 825-day
	// limit for private CAs is what sign's warning checks (TestSignWarnings).
	lint.AppleRootStorePolicy,
	lint.ChromeRootStorePolicy, // Chrome's root program
	lint.RFC6962,               // Certificate Transparency: private certificates are not logged
	lint.EtsiEsi,               // EU qualified certificates
}

// zlintExcludedLints are single lints of the sources kept (RFC 5280, 5480,
// 5891, 8813, community) that do not fit a private CA, each with its
// reason. None is needed today; keep it that way: every other lint at Warn
// or above must pass.
var zlintExcludedLints = []string{}

// ZlintRegistry is the registry every test lint runs with.
func ZlintRegistry(t testing.TB) lint.Registry {
	t.Helper()
	names := map[string]bool{}
	for _, n := range lint.GlobalRegistry().Names() {
		names[n] = true
	}
	var exclude []string
	for _, n := range zlintExcludedLints {
		if !names[n] {
			t.Fatalf("excluded lint %s is not in zlint: update zlintExcludedLints", n)
		}
		exclude = append(exclude, n)
	}
	r, err := lint.GlobalRegistry().Filter(lint.FilterOptions{ExcludeSources: zlintExcludedSources, ExcludeNames: exclude})
	if err != nil {
		t.Fatalf("zlint registry: %v", err)
	}
	return r
}

// AssertZlintClean lints der (a certificate) and fails on every result at
// Warn or above.
func AssertZlintClean(t testing.TB, reg lint.Registry, what string, der []byte) {
	t.Helper()
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("%s: zcrypto cannot parse it: %v", what, err)
	}
	reportZlint(t, what, zlint.LintCertificateEx(c, reg))
}

// AssertZlintCleanCRL lints a DER CRL.
func AssertZlintCleanCRL(t testing.TB, reg lint.Registry, what string, der []byte) {
	t.Helper()
	crl, err := zx509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("%s: zcrypto cannot parse it: %v", what, err)
	}
	reportZlint(t, what, zlint.LintRevocationListEx(crl, reg))
}

func reportZlint(t testing.TB, what string, rs *zlint.ResultSet) {
	t.Helper()
	var bad []string
	for name, r := range rs.Results {
		if r.Status >= lint.Warn {
			bad = append(bad, name+" ("+r.Status.String()+") "+r.Details)
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: zlint %s", what, b)
	}
}
