package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/est"
)

// accessEvents are requests as the access log sees them, with the values
// the text formatter quotes or escapes.
var accessEvents = []est.Event{
	{Op: "simpleenroll", Remote: "127.0.0.1:53412", Status: 200, Name: "proxy.example.com", Serial: "1A2B", TokenID: "0123456789ab", Duration: 3 * time.Millisecond},
	{Op: "simplereenroll", Remote: "[::1]:443", Status: 200, Name: "p", Serial: "10", ClientSerial: "0F", Duration: 1500 * time.Millisecond},
	{Op: "cacerts", Remote: "127.0.0.2:1", Status: 200},
	{Op: "", Remote: "127.0.0.1:2", Status: 404, Refusal: `no such operation "x"`},
	{Op: "simpleenroll", Remote: "127.0.0.1:3", Status: 403, Refusal: "token refused: used", TokenID: "abcdef012345", Name: "a=b"},
	{Op: "simpleenroll", Remote: "127.0.0.1:4", Status: 400, Refusal: "bad request\x1b[31m red \u009b é \x7f\tx", Name: "\xff\xfe"},
	{Op: "simpleenroll", Remote: "127.0.0.1:5", Status: 503, Refusal: "busy", Err: errors.New("lock held\n by pid 12")},
	{Op: "simpleenroll", Remote: "127.0.0.1:6", Status: 200, Name: "q", Serial: "11", Err: errors.New(`hook "x" said: no`)},
	{Op: "simpleenroll", Remote: "127.0.0.1:7", Status: 500, Refusal: "", Err: nil},
	{Op: "simpleenroll", Remote: "127.0.0.1:8", Status: 400, Refusal: "two\nlines"},
}

// TestAccessLogPlain: on a writer without colours the access log is
// written without lipgloss, byte for byte as charmbracelet/log's text
// formatter writes it there, at the logger's level, with the time when the
// log needs one; and a line costs a handful of allocations, not the 131 of
// the styled formatter.
func TestAccessLogPlain(t *testing.T) {
	for _, g := range []Globals{{LogFormat: "text"}, {LogFormat: "text", Quiet: true}, {LogFormat: "text", Verbose: true}} {
		var styled, plain bytes.Buffer
		ref := newLogger(&styled, g)
		e := &env{ctx: context.Background(), log: newLogger(&plain, g), logTo: &plain, logFormat: g.LogFormat}
		logged := accessLog(e)
		for _, ev := range accessEvents {
			level, msg, kv := accessRecord(ev)
			ref.Log(level, msg, kv...)
			logged(ev)
		}
		e.log.Info("stopped", "after", "x y")
		ref.Info("stopped", "after", "x y")
		if plain.String() != styled.String() {
			t.Errorf("quiet %v: plain access log\n%s\nwant, as the styled logger writes it,\n%s", g.Quiet, plain.String(), styled.String())
		}
	}

	// A file: the time comes first, as RFC 3339 with milliseconds.
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := &env{ctx: context.Background(), log: newLogger(f, Globals{LogFormat: "text"}), logTo: f, logFormat: "text"}
	accessLog(e)(accessEvents[0])
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts, rest, _ := strings.Cut(string(data), " ")
	if _, err := time.Parse(logTimeFormat, ts); err != nil {
		t.Errorf("line %q: time: %v", data, err)
	}
	if want := "INFO pkienroll: request op=simpleenroll remote=127.0.0.1:53412 status=200 ms=3 name=proxy.example.com serial=1A2B token=0123456789ab\n"; rest != want {
		t.Errorf("line after the time %q, want %q", rest, want)
	}

	logged := accessLog(e)
	allocs := testing.AllocsPerRun(100, func() { logged(accessEvents[0]) })
	if allocs > 12 {
		t.Errorf("%.0f allocations per access log line, want at most 12", allocs)
	}
}

// TestAccessLogStyledFormats: json and logfmt lines still come from the
// logger.
func TestAccessLogStyledFormats(t *testing.T) {
	for _, format := range []string{"json", "logfmt"} {
		var out bytes.Buffer
		e := &env{ctx: context.Background(), log: newLogger(&out, Globals{LogFormat: format}), logTo: &out, logFormat: format}
		accessLog(e)(accessEvents[0])
		if !strings.Contains(out.String(), "simpleenroll") || strings.HasPrefix(out.String(), "INFO") {
			t.Errorf("%s: %q", format, out.String())
		}
	}
}
