package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/loadstat"
)

func TestGooseUp(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"up then down", "-- +goose Up\nCREATE TABLE a (x int);\n\n-- +goose Down\nDROP TABLE a;\n", "CREATE TABLE a (x int);\n\n", false},
		{"up only", "-- header\n-- +goose Up\nALTER TABLE a ADD COLUMN y;\n", "ALTER TABLE a ADD COLUMN y;\n", false},
		{"down first", "-- +goose Down\nDROP TABLE a;\n-- +goose Up\nCREATE TABLE a (x int);\n", "CREATE TABLE a (x int);\n", false},
		{"no up", "CREATE TABLE a (x int);\n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gooseUp(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("gooseUp = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCfsslSchemaOrder(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"002_b.sql": "-- +goose Up\nSECOND;\n-- +goose Down\nUNDO2;\n",
		"001_a.sql": "-- +goose Up\nFIRST;\n-- +goose Down\nUNDO1;\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := cfsslSchema(dir)
	if err != nil || got != "FIRST;\nSECOND;\n" {
		t.Fatalf("cfsslSchema = %q, %v", got, err)
	}
	if _, err := cfsslSchema(t.TempDir()); err == nil {
		t.Fatal("cfsslSchema of an empty directory: no error")
	}
}

func TestParseLevels(t *testing.T) {
	if got, err := parseLevels("1, 8,32"); err != nil || len(got) != 3 || got[0] != 1 || got[1] != 8 || got[2] != 32 {
		t.Fatalf("parseLevels = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "x", "1,,2", "-3"} {
		if _, err := parseLevels(bad); err == nil {
			t.Errorf("parseLevels(%q): no error", bad)
		}
	}
}

func TestParseServers(t *testing.T) {
	got, err := parseServers("step-ca, pkienroll")
	if err != nil || len(got) != 2 || !got["pkienroll"] || !got["step-ca"] || got["cfssl"] {
		t.Fatalf("parseServers = %v, %v", got, err)
	}
	for _, bad := range []string{"", "boulder", "pkienroll,,cfssl", "Step-CA"} {
		if _, err := parseServers(bad); err == nil {
			t.Errorf("parseServers(%q): no error", bad)
		}
	}
}

func TestTurnOrder(t *testing.T) {
	firsts := map[int]int{}
	for turn := range 6 {
		order := turnOrder(3, turn)
		seen := map[int]bool{}
		for _, i := range order {
			if i < 0 || i >= 3 || seen[i] {
				t.Fatalf("turn %d: order %v is not each of 3 servers once", turn, order)
			}
			seen[i] = true
		}
		firsts[order[0]]++
	}
	for i := range 3 {
		if firsts[i] != 2 {
			t.Errorf("in 6 turns server %d went first %d times, want 2 (firsts %v)", i, firsts[i], firsts)
		}
	}
}

func TestCombine(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		d := make([]time.Duration, len(v))
		for i, x := range v {
			d[i] = time.Duration(x) * time.Millisecond
		}
		return d
	}
	rounds := []result{
		{Summary: loadstat.Summary{Rate: 900}, lat: ms(1, 2, 3), serverCPU: 30 * time.Millisecond, clientCPU: 6 * time.Millisecond},
		{Summary: loadstat.Summary{Rate: 300}, lat: ms(4, 5, 600), serverCPU: 60 * time.Millisecond, clientCPU: 9 * time.Millisecond},
		{Summary: loadstat.Summary{Rate: 1000}, lat: ms(6, 7, 8), serverCPU: 30 * time.Millisecond, clientCPU: unread},
		{Summary: loadstat.Summary{Rate: 950}, lat: ms(9, 10, 11), serverCPU: 30 * time.Millisecond, clientCPU: 3 * time.Millisecond},
	}
	got := combine(rounds)
	// Rates 300, 900, 950, 1000: the lower middle one, not the mean (787).
	if got.Rate != 900 {
		t.Errorf("rate %v, want the median round's, 900", got.Rate)
	}
	if len(got.lat) != 12 || got.P99 != 600*time.Millisecond || got.P50 != 6*time.Millisecond {
		t.Errorf("%d latencies, p50 %v, p99 %v; want 12 pooled, 6 ms and the stalled round's 600 ms", len(got.lat), got.P50, got.P99)
	}
	if c := got.serverPerCert(); c != 12500*time.Microsecond {
		t.Errorf("server CPU per certificate %v, want 150 ms / 12", c)
	}
	if c := got.clientPerCert(); c != unread {
		t.Errorf("client CPU per certificate %v with one round unread, want unread", c)
	}
	if one := combine(rounds[:1]); one.Rate != 900 || one.serverPerCert() != 10*time.Millisecond {
		t.Errorf("one round combined: rate %v, server CPU %v per certificate; want it unchanged", one.Rate, one.serverPerCert())
	}
}
