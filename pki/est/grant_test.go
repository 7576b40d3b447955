package est_test

import (
	"slices"
	"testing"
	"time"
)

// TestGrantGivesWhatWasAsked: a request that asks for some of the token's
// names gets exactly those, so that the client, which checks the names
// against its request, can take the certificate; a request that asks for
// none gets all of the token's.
func TestGrantGivesWhatWasAsked(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, asked string
		want        []string
	}{
		{"a part", "DNS:portal.example.com", []string{"portal.example.com"}},
		{"the CN alone", "DNS:proxy.example.com", []string{"proxy.example.com"}},
		{"all, in another order: the token's", "DNS:portal.example.com,DNS:proxy.example.com", []string{"proxy.example.com", "portal.example.com"}},
		{"another case: the token's spelling", "DNS:Portal.Example.COM", []string{"portal.example.com"}},
		{"none: the token's", "", []string{"proxy.example.com", "portal.example.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := e.token("proxy", "proxy.example.com", "DNS:proxy.example.com,DNS:portal.example.com", time.Hour)
			cert := e.enroll(token, csr(t, ecKey(t), proxySubject, tc.asked))
			if !slices.Equal(cert.DNSNames, tc.want) || len(cert.IPAddresses) != 0 {
				t.Errorf("asked %q, got %v %v; want %v", tc.asked, cert.DNSNames, cert.IPAddresses, tc.want)
			}
		})
	}
	e.checkClean()
}
