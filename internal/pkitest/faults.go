package pkitest

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// BlockBackups takes every name that the backup of certPath (a store's
// certs/NAME.cer) can get at now — NAME.cer.YYYYMMDDHHMMSS and its
// numbered variants — so that replacing it fails after the index line is
// written: a fault in the one step that comes after the commit point, made
// with real files. The store's clock must be fixed at now.
func BlockBackups(t testing.TB, certPath string, now time.Time) {
	t.Helper()
	base := certPath + "." + now.Format("20060102150405")
	for i := 0; i <= 1000; i++ {
		path := base
		if i > 0 {
			path = fmt.Sprintf("%s.%d", base, i)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
