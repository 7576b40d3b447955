package est

import (
	"crypto/x509"
	"time"
)

// RenewAt is when cert is due for renewal: before ahead of its notAfter
// when before is positive, else when a third of its validity is left (the
// rule of certbot and step: with a 90-day certificate, 30 days ahead; with
// 825 days, 275). A nil cert is due at once (the zero time).
func RenewAt(cert *x509.Certificate, before time.Duration) time.Time {
	if cert == nil {
		return time.Time{}
	}
	if before > 0 {
		return cert.NotAfter.Add(-before)
	}
	life := cert.NotAfter.Sub(cert.NotBefore)
	return cert.NotAfter.Add(-life / 3)
}

// Due reports whether cert is due for renewal at now (see RenewAt); a nil
// cert, none, is.
func Due(cert *x509.Certificate, before time.Duration, now time.Time) bool {
	return !now.Before(RenewAt(cert, before))
}
