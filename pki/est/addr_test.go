package est

import "testing"

// TestAddrKey: the bounds count an IPv4 address, an IPv4-mapped IPv6
// address as its IPv4 one, and an IPv6 address by its /64, which one host
// is given whole.
func TestAddrKey(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:40536", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:40536", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::/64"},
		{"[fe80::1%eth0]:443", "fe80::/64"},
		{"pipe", "pipe"},
	} {
		if got := addrKey(tc.remote); got != tc.want {
			t.Errorf("addrKey(%q) = %q, want %q", tc.remote, got, tc.want)
		}
	}
}
