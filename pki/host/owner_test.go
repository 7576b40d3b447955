package host_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/pki/host"
)

// TestLookupOwner: "" is no owner, an unknown account ErrNoAccount.
func TestLookupOwner(t *testing.T) {
	if o, err := host.LookupOwner(""); o != nil || err != nil {
		t.Errorf(`LookupOwner(""): %v, %v; want nil, nil`, o, err)
	}
	if _, err := host.LookupOwner("nosuchuser-pkienroll"); !errors.Is(err, host.ErrNoAccount) {
		t.Errorf("unknown account: %v, want ErrNoAccount", err)
	}
	var none *host.Owner
	if err := none.CheckGive(); err != nil {
		t.Errorf("no owner: CheckGive %v", err)
	}
	if err := none.CanRead("/nonexistent"); err != nil {
		t.Errorf("no owner: CanRead %v", err)
	}
}

// TestCheckReadable: a 0600 file of root's is not nobody's to read, and
// the error says what the file is for, its owner and mode.
func TestCheckReadable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root's files")
	}
	owner, err := host.LookupOwner("nobody")
	if err != nil {
		t.Skip("no account nobody")
	}
	key := filepath.Join(t.TempDir(), "svc.key")
	if err := os.WriteFile(key, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = host.Files{Key: key, Owner: owner}.CheckReadable()
	var ue *host.UnreadableError
	if !errors.Is(err, host.ErrUnreadable) || !errors.As(err, &ue) || ue.Path != key ||
		!strings.Contains(err.Error(), "key "+key+": nobody cannot read it (owner root:") || !strings.Contains(err.Error(), "mode 0600") {
		t.Errorf("CheckReadable: %v", err)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (host.Files{Key: key, Owner: owner}).CheckReadable(); err != nil {
		t.Errorf("a 0644 file: %v", err)
	}
}
