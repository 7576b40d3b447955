package est_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestListWhileTokensMove: a token whose record moves on while the
// directory is listed (claimed, signing, used: an enrollment) is listed
// once, never missed, so `token list` shows it and `token revoke NAME`
// finds it. Before, a record renamed between the directory's read and its
// own was left out.
func TestListWhileTokensMove(t *testing.T) {
	e := newEnv(t)
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = sha(e.token("proxy", "proxy.example.com", "", time.Hour))
	}
	dir := e.tokens.Dir()
	done := make(chan error, 1)
	go func() {
		for _, id := range ids {
			for _, step := range [][2]string{{".json", ".claimed"}, {".claimed", ".signing"}, {".signing", ".used"}} {
				if err := os.Rename(filepath.Join(dir, id+step[0]), filepath.Join(dir, id+step[1])); err != nil {
					done <- err
					return
				}
			}
		}
		done <- nil
	}()
	for lists := 0; ; lists++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if lists == 0 {
				t.Log("the renames ended before the first list")
			}
			return
		default:
		}
		list, err := e.tokens.List()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, tok := range list {
			if seen[tok.ID] {
				t.Fatalf("list %d: token %s listed twice", lists, tok.ID[:12])
			}
			seen[tok.ID] = true
		}
		if len(seen) != n {
			t.Fatalf("list %d: %d tokens listed, want %d", lists, len(seen), n)
		}
	}
}
