package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sign-batch-2000.json")
	data := `{"results":[
		{"command":"pkienroll","mean":0.030,"stddev":0.003,"median":0.029},
		{"command":"openssl","mean":0.900,"stddev":0.080,"median":0.870}]}`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := summarize(&b, []string{path + ":20"}); err != nil {
		t.Fatal(err)
	}
	want := "| sign-batch-2000 | 30.0 ms ± 3.0 ms (29.0 ms) | 900.0 ms ± 80.0 ms (870.0 ms) | 1.5 ms / 45.0 ms | 30.0× (30.0×) |"
	if !strings.Contains(b.String(), want) {
		t.Errorf("summary:\n%s\nwant the row:\n%s", b.String(), want)
	}
}

func TestSummarizeRefuses(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.json")
	if err := os.WriteFile(one, []byte(`{"results":[{"command":"x","mean":1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, arg := range []string{one, one + ":0", one + ":many", filepath.Join(dir, "missing.json")} {
		if err := summarize(&strings.Builder{}, []string{arg}); err == nil {
			t.Errorf("summarize(%s) = nil error", arg)
		}
	}
}
