package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenListEscapes: a token record whose fields hold control
// characters (a hand-edited or hostile file) is listed with them escaped,
// as every other text pkienroll prints.
func TestTokenListEscapes(t *testing.T) {
	pkiDir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "ca", "init", "--pki-dir", pkiDir, "--subject", caSubject)
	mustRun(t, "-q", "token", "create", "--pki-dir", pkiDir, "--name", "proxy", "--cn", "proxy.example.com", "--san", "DNS:proxy.example.com")
	records, err := filepath.Glob(filepath.Join(pkiDir, "est", "tokens", "*"))
	if err != nil || len(records) != 1 {
		t.Fatalf("token records %v (%v), want one", records, err)
	}
	data, err := os.ReadFile(records[0])
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	rec["name"] = "prox\x1b[2Jy"
	rec["subject"] = "/CN=pro\x07xy\x7f.example.com"
	rec["sans"] = []string{"DNS:\x1b]0;pwned\x07.example.com"}
	if data, err = json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(records[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
	list := mustRun(t, "token", "list", "--pki-dir", pkiDir)
	for i := 0; i < len(list); i++ {
		if c := list[i]; (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("token list prints byte %#x:\n%q", c, list)
		}
	}
	for _, want := range []string{`prox\x1B[2Jy`, `DNS:\x1B]0;pwned\x07.example.com`} {
		if !strings.Contains(list, want) {
			t.Errorf("token list does not show %s:\n%s", want, list)
		}
	}
}
