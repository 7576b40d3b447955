package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
)

// Policy is what the CA issues, in one place: the bounds and defaults of
// validity and the usages of a leaf. Sign, CA init and renewal, CRLs, EST
// tokens and renewals, and the command line's flags and help all read
// DefaultPolicy, so that no two of them can disagree on a bound.
type Policy struct {
	// MinDays and MaxDays bound the validity of a certificate, leaf or CA,
	// notBefore through notAfter inclusive. One day is below the minimum:
	// with notBefore a day back (for slow clocks) and the day counted, it
	// would have expired when issued.
	MinDays, MaxDays int
	// DefaultDays is a leaf's validity when none is asked for.
	DefaultDays int
	// DefaultCADays is a new or renewed CA's validity when none is asked
	// for.
	DefaultCADays int
	// MinCRLDays and MaxCRLDays bound how long a CRL stays current;
	// DefaultCRLDays is used when none is asked for.
	MinCRLDays, MaxCRLDays, DefaultCRLDays int
	// WarnServerDays is the longest validity of a server certificate that
	// signs without a warning (Apple platforms refuse longer ones).
	WarnServerDays int
	// LeafKeyUsageRSA and LeafKeyUsageEC are a leaf's key usage when none
	// is asked for, by the type of its key: RSA keys also encipher keys
	// (TLS RSA key exchange), EC keys only sign (RFC 8813 forbids
	// keyEncipherment for them).
	LeafKeyUsageRSA, LeafKeyUsageEC x509.KeyUsage
	// LeafExtKeyUsage is a leaf's extended key usage when none is asked
	// for: a TLS server that can also authenticate as a client, as the
	// engine's proxies do.
	LeafExtKeyUsage []asn1.ObjectIdentifier
}

// DefaultPolicy is the policy pkienroll issues by: the engine scripts'
// bounds, DefaultDays, DefaultCADays, DefaultCRLDays. Each call returns a
// copy, which the caller may change without changing anyone else's.
func DefaultPolicy() Policy {
	return Policy{
		MinDays: 2, MaxDays: maxDays, DefaultDays: DefaultDays, DefaultCADays: DefaultCADays,
		MinCRLDays: 1, MaxCRLDays: maxDays, DefaultCRLDays: DefaultCRLDays,
		WarnServerDays:  appleMaxDays,
		LeafKeyUsageRSA: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		LeafKeyUsageEC:  x509.KeyUsageDigitalSignature,
		LeafExtKeyUsage: slices.Clone(serverAuthClientAuth),
	}
}

// DaysRange is the bounds of a certificate's validity as help and errors
// write them: "2..36500".
func (p Policy) DaysRange() string { return fmt.Sprintf("%d..%d", p.MinDays, p.MaxDays) }

// CRLDaysRange is the bounds of a CRL's period as help and errors write
// them: "1..36500".
func (p Policy) CRLDaysRange() string { return fmt.Sprintf("%d..%d", p.MinCRLDays, p.MaxCRLDays) }

// Days is the validity a certificate asked for days gets: def when days is
// zero, else days if within the bounds; anything else is ErrBadDays.
func (p Policy) Days(days, def int) (int, error) {
	switch {
	case days == 0:
		return def, nil
	case days == 1 && p.MinDays == 2:
		return 0, fmt.Errorf("days 1: a certificate's notBefore is a day back (for slow clocks) and the day counts, so it would have expired when issued; give at least 2: %w", ErrBadDays)
	case days < p.MinDays || days > p.MaxDays:
		return 0, fmt.Errorf("days %d is outside %s: %w", days, p.DaysRange(), ErrBadDays)
	}
	return days, nil
}

// CRLDays is how long a CRL asked to be current for days stays current:
// DefaultCRLDays when days is zero, else days if within the bounds;
// anything else is ErrBadDays.
func (p Policy) CRLDays(days int) (int, error) {
	switch {
	case days == 0:
		return p.DefaultCRLDays, nil
	case days < p.MinCRLDays || days > p.MaxCRLDays:
		return 0, fmt.Errorf("days %d is outside %s: %w", days, p.CRLDaysRange(), ErrBadDays)
	}
	return days, nil
}

// ClampDays brings days within the bounds of a certificate's validity:
// a renewal keeps the current certificate's length, which another tool
// may have made shorter or longer than pkienroll signs.
func (p Policy) ClampDays(days int) int { return min(max(days, p.MinDays), p.MaxDays) }

// LeafKeyUsage is the key usage of a leaf for a key of pub's type when none
// is asked for.
func (p Policy) LeafKeyUsage(pub crypto.PublicKey) x509.KeyUsage {
	if _, ok := pub.(*ecdsa.PublicKey); ok {
		return p.LeafKeyUsageEC
	}
	return p.LeafKeyUsageRSA
}

// policy is DefaultPolicy, for the package's own checks.
var policy = DefaultPolicy()
