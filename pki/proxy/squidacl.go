package proxy

import (
	"fmt"
	"net/netip"
	"strings"
)

// Squid 5 does not read every list of networks or names as it is written.
// Checked with `squid -k parse` and a running Squid 5.7:
//
//   - "0.0.0.0/0" is an ERROR ("needs to be replaced by the term 'all'"),
//     and Squid then takes every address, IPv6 ones too;
//   - "::/0" matches no address at all;
//   - Squid holds an IPv4 address as ::ffff:a.b.c.d, so an IPv6 network
//     that holds ::ffff:0:0/96 ("::/8") matches every IPv4 address too;
//   - of two networks where one holds the other (or the same one twice),
//     Squid keeps one with a WARNING, not always the larger: "10.1.0.0/16
//     10.0.0.0/8" matches 10.1.0.0/16 only;
//   - of two names in a dstdomain ACL where one holds the other
//     (".example.com" and "hv.example.com"), Squid keeps one with a
//     WARNING or stops with a FATAL error, depending on their order.
//
// squidNetworks and squidDomains refuse such lists, saying what to give
// instead, and spell "anyone" as Squid's "all".

// network is one network of a list, as given and as read.
type network struct {
	given  string
	prefix netip.Prefix
}

// The networks Squid reads its own way.
var (
	everyIPv4  = netip.MustParsePrefix("0.0.0.0/0")
	everyIPv6  = netip.MustParsePrefix("::/0")
	mappedIPv4 = netip.MustParsePrefix("::ffff:0:0/96")
)

// parseNetwork reads an address or a CIDR network for a src or dst ACL.
// Host bits past the prefix are refused: they often mean a mistyped
// prefix; so is an IPv4 address in IPv6 form, and an IPv6 network that
// would take in every IPv4 address in Squid (but ::/0, which squidNetworks
// handles).
func parseNetwork(s string) (netip.Prefix, error) {
	var p netip.Prefix
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		p = netip.PrefixFrom(a, a.BitLen())
	} else if p, err = netip.ParsePrefix(s); err != nil {
		return p, fmt.Errorf("%q: not an address or CIDR network: %w", redacted(s), ErrBadValue)
	}
	switch {
	case p.Masked() != p:
		return p, fmt.Errorf("%q: bits set past the /%d prefix (the network is %s): %w", s, p.Bits(), p.Masked(), ErrBadValue)
	case p.Addr().Is4In6() && p.Bits() >= 96:
		return p, fmt.Errorf("%q: an IPv4 network in IPv6 form: write %s: %w", s, spellNetwork(netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)), ErrBadValue)
	case p.Addr().Is6() && p != everyIPv6 && p.Overlaps(mappedIPv4):
		return p, fmt.Errorf("%q: Squid holds IPv4 addresses as ::ffff:0:0/96, inside this network, and would match every one of them: give IPv6 networks outside it, IPv4 ones in IPv4 form: %w", s, ErrBadValue)
	}
	return p, nil
}

// squidNetworks spells nets, the networks of what ("client" or
// "hypervisor"), for a src or dst ACL: "all" for 0.0.0.0/0 and ::/0
// together, and 0.0.0.0/0 alone as its two halves. It refuses a network
// given twice or inside another, and ::/0 without 0.0.0.0/0.
func squidNetworks(what string, nets []network) (string, error) {
	every4, every6 := false, false
	for i, a := range nets {
		for _, b := range nets[:i] {
			if err := overlap(what, b, a); err != nil {
				return "", err
			}
		}
		every4 = every4 || a.prefix == everyIPv4
		every6 = every6 || a.prefix == everyIPv6
	}
	if every4 && every6 {
		return "all", nil // and nothing else: every other network overlaps
	}
	var out []string
	for _, n := range nets {
		switch n.prefix {
		case everyIPv6:
			return "", fmt.Errorf("%s network %q: Squid matches no address with it, and cannot match every IPv6 address without the IPv4 ones: give 0.0.0.0/0,::/0 for anyone, or IPv6 networks (2000::/3 holds every global address): %w", what, n.given, ErrBadValue)
		case everyIPv4:
			// Squid takes 0.0.0.0/0 for "all", IPv6 included.
			out = append(out, "0.0.0.0/1", "128.0.0.0/1")
		default:
			out = append(out, spellNetwork(n.prefix))
		}
	}
	return strings.Join(out, " "), nil
}

// overlap refuses networks a and b when they are the same or one holds
// the other.
func overlap(what string, a, b network) error {
	switch {
	case a.prefix == b.prefix:
		return fmt.Errorf("%s networks %q and %q are the same: give it once: %w", what, a.given, b.given, ErrBadValue)
	case !a.prefix.Overlaps(b.prefix):
		return nil
	}
	inner, outer := a, b
	if a.prefix.Bits() < b.prefix.Bits() {
		inner, outer = b, a
	}
	return fmt.Errorf("%s networks %q and %q overlap, and Squid keeps only one of them, maybe the smaller: drop %q, which %q holds: %w",
		what, a.given, b.given, inner.given, outer.given, ErrBadValue)
}

// spellNetwork is Squid's spelling of p: an address alone for a single
// address.
func spellNetwork(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// domainName is a name of a dstdomain ACL, as given and as Squid compares
// it: lower case, without a trailing dot; ".example.com" for example.com
// and every name in it.
type domainName struct {
	given, name string
}

// holds reports whether d matches every name e matches.
func (d domainName) holds(e domainName) bool {
	if !strings.HasPrefix(d.name, ".") {
		return d.name == e.name
	}
	base := strings.TrimPrefix(e.name, ".")
	return "."+base == d.name || strings.HasSuffix(base, d.name)
}

// nameOverlap says that a and b, in this order in the list, overlap, and
// that outer holds inner.
func nameOverlap(a, b, inner, outer domainName) error {
	return fmt.Errorf("hypervisors %q and %q overlap (Squid stops at such a pair, or drops one, depending on their order): drop %q, which %q holds: %w",
		a.given, b.given, inner.given, outer.given, ErrBadValue)
}

// squidDomains spells names for a dstdomain ACL, refusing a name given
// twice or that another holds.
func squidDomains(names []domainName) (string, error) {
	var out []string
	for i, a := range names {
		for _, b := range names[:i] {
			switch {
			case a.name == b.name:
				return "", fmt.Errorf("hypervisors %q and %q are the same: give it once: %w", b.given, a.given, ErrBadValue)
			case a.holds(b):
				return "", nameOverlap(b, a, b, a)
			case b.holds(a):
				return "", nameOverlap(b, a, a, b)
			}
		}
		out = append(out, a.name)
	}
	return strings.Join(out, " "), nil
}
