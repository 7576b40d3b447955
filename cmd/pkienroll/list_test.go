package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// listFixture is a PKI directory with a history pinned in time: proxy
// (1001, re-issued as 1003), spice (1002, revoked), all signed and revoked
// on 2026-01-02 with different validities.
func listFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	// Without the CA's own index line, whose expiry is the fixture's CA's,
	// made today: the golden files hold only what the pinned clock makes.
	writeFile(t, filepath.Join(f.pki, "database.txt"), "")
	issued := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	store, err := pki.OpenStore(f.pki, pki.WithNow(func() time.Time { return issued }))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, f.path("pki", "requests", "spice.req"), pkitest.ReadFile(t, f.req))
	for _, r := range []pki.SignRequest{{Name: "proxy", Days: 30}, {Name: "spice", Days: 400}, {Name: "proxy", Days: 800}} {
		if _, err := store.Sign(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Revoke(context.Background(), pki.RevokeRequest{Name: "spice", Reason: "superseded"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// pinNow sets the commands' clock for the test.
func pinNow(t *testing.T, at time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

func TestListGolden(t *testing.T) {
	f := listFixture(t)
	pinNow(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"list.golden", nil},
		{"list-json.golden", []string{"--json"}},
		{"list-valid.golden", []string{"--status", "valid"}},
		{"list-expiring.golden", []string{"--expiring", "800d"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out := mustRun(t, append([]string{"list", "--pki-dir", f.pki}, tc.args...)...)
			pkitest.Golden(t, filepath.Join("testdata", tc.golden), out, *update)
		})
	}
}

func TestListJSONSchema(t *testing.T) {
	f := listFixture(t)
	pinNow(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	var rows []map[string]any
	if err := json.Unmarshal([]byte(mustRun(t, "list", "--pki-dir", f.pki, "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	want := []struct{ serial, status string }{{"1001", "expired"}, {"1002", "revoked"}, {"1003", "valid"}}
	for i, w := range want {
		if rows[i]["serial"] != w.serial || rows[i]["status"] != w.status {
			t.Errorf("row %d: %v, want serial %s status %s", i, rows[i], w.serial, w.status)
		}
		if _, err := time.Parse(time.RFC3339, rows[i]["expires"].(string)); err != nil {
			t.Errorf("row %d: expires is not RFC 3339: %v", i, err)
		}
	}
	if rows[1]["reason"] != "superseded" || rows[1]["revoked"] == nil {
		t.Errorf("revoked row %v lacks revoked/reason", rows[1])
	}
	if names := rows[0]["names"].([]any); len(names) != 0 {
		t.Errorf("re-issued certificate still named %v", names)
	}
}

func TestListBadInput(t *testing.T) {
	checkBadInput(t, []badCase{
		{name: "expiring not a duration", args: flags("list", "--pki-dir", "{pki}", "--expiring", "soon"), code: exitUsage,
			want: []string{"--expiring", `"soon" is not a duration`}},
		// 106752 days overflow a time.Duration: wrapped around, it was a
		// negative window that listed nothing, exit 0.
		{name: "expiring too many days", args: flags("list", "--pki-dir", "{pki}", "--expiring", "106752d"), code: exitUsage,
			want: []string{"--expiring", `"106752d" is longer than 106751 days`}},
		{name: "expiring too many weeks", args: flags("list", "--pki-dir", "{pki}", "--expiring", "99999999999999w"), code: exitUsage,
			want: []string{"--expiring", `"99999999999999w" is longer than`}},
		{name: "unknown status", args: flags("list", "--pki-dir", "{pki}", "--status", "lost"), code: exitUsage,
			want: []string{"--status"}},
		{name: "broken index", setup: func(t *testing.T, f *fixture) {
			writeFile(t, f.path("pki", "database.txt"), "garbage\n")
		}, args: flags("list", "--pki-dir", "{pki}"), code: exitError, want: []string{"database.txt", "line 1"}},
	})
}
