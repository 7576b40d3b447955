package pkitest

import (
	"testing"

	"github.com/pkienroll/pkienroll/internal/testenv"
)

// NeedSquid returns squid, the path proxy.FindSquid found. When it is empty
// (no Squid installed) the test fails under CI and skips, loudly, by hand.
// The caller looks Squid up because pkitest cannot import pki/proxy: that
// package's own tests import pkitest.
func NeedSquid(t testing.TB, squid string) string {
	t.Helper()
	if squid == "" {
		testenv.Missing(t, "squid is not installed, so NOTHING checks the Squid configurations against a real Squid (apt-get install squid-openssl)")
	}
	return squid
}
