package pki

import (
	"time"
)

// maxDays bounds every validity period: 100 years (DefaultPolicy).
const maxDays = 36500

// backdate is how far notBefore is set in the past, so that a certificate
// is valid on hosts whose clocks lag (the engine scripts do the same).
const backdate = 24 * time.Hour

// day is one day of validity.
const day = 24 * time.Hour

// validity is the period of a certificate valid for days: notBefore is a
// day back, and notAfter is days after notBefore less one second, because
// RFC 5280 4.1.2.5 counts notBefore through notAfter inclusive, as zlint,
// Apple and the CA/Browser Forum do. So a certificate of --days 825 is
// valid exactly 825 days, the backdated day included, which Apple's
// 825-day limit accepts.
func validity(now time.Time, days int) (notBefore, notAfter time.Time) {
	notBefore = now.UTC().Truncate(time.Second).Add(-backdate)
	return notBefore, notBefore.Add(time.Duration(days)*day - time.Second)
}

// crlValidity is thisUpdate and nextUpdate of a CRL current for days,
// counted the same way: from now through nextUpdate inclusive.
func crlValidity(now time.Time, days int) (thisUpdate, nextUpdate time.Time) {
	thisUpdate = now.UTC().Truncate(time.Second)
	return thisUpdate, thisUpdate.Add(time.Duration(days)*day - time.Second)
}

// spanDays counts the days from notBefore through notAfter inclusive,
// rounded up: the number warnings and limits such as Apple's 825 days
// compare against.
func spanDays(notBefore, notAfter time.Time) int {
	span := notAfter.Add(time.Second).Sub(notBefore)
	return int((span + day - 1) / day)
}

// checkDays applies the default and DefaultPolicy's bounds (2..36500) to
// the validity of a certificate.
func checkDays(days, def int) (int, error) { return policy.Days(days, def) }

// checkCRLDays applies the default and DefaultPolicy's bounds (1..36500)
// to how long a CRL stays current.
func checkCRLDays(days, def int) (int, error) {
	if days == 0 {
		return def, nil
	}
	return policy.CRLDays(days)
}
