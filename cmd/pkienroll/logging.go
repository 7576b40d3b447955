package main

import (
	"fmt"
	"io"
	"os"
	"syscall"
	"unicode/utf8"

	"github.com/charmbracelet/log"
	"github.com/mattn/go-isatty"

	"github.com/pkienroll/pkienroll/internal/printable"
)

// logTimeFormat is RFC 3339 with milliseconds and the zone: sortable, and
// read by journalctl's neighbours (Loki, jq, grep) without a format string.
const logTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// newLogger is the logger of one run, writing to w in the --log-format
// of g at the level -q and -v ask for.
func newLogger(w io.Writer, g Globals) *log.Logger {
	opts := log.Options{Prefix: "pkienroll", ReportTimestamp: needsTime(w), TimeFormat: logTimeFormat}
	switch g.LogFormat {
	case "json":
		opts.Formatter = log.JSONFormatter
		w = controlEscaper{w}
	case "logfmt":
		opts.Formatter = log.LogfmtFormatter
		w = controlEscaper{w}
	}
	l := log.NewWithOptions(w, opts)
	switch {
	case g.Quiet:
		l.SetLevel(log.ErrorLevel)
	case g.Verbose:
		l.SetLevel(log.DebugLevel)
	default:
		l.SetLevel(log.InfoLevel)
	}
	return l
}

// needsTime reports whether log lines to w should carry their time:
// not on a terminal, where the reader sees them as they come, and not on
// the journal, which records the time of each line itself; yes on a file
// or a pipe (`renew --daemon` under another init system, `2>>file`),
// where nothing else would. The journal is recognised as systemd(1)
// documents: JOURNAL_STREAM holds the device and inode of the stream,
// which must be w's (a child whose stderr was redirected inherits the
// variable but not the stream). A writer that is not a file is a test's
// buffer, whose lines stay as a terminal shows them.
func needsTime(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	if isatty.IsTerminal(f.Fd()) {
		return false
	}
	return !onJournal(f)
}

// onJournal reports whether f is the journal stream systemd connected:
// JOURNAL_STREAM is "DEVICE:INODE" of that stream.
func onJournal(f *os.File) bool {
	stream := os.Getenv("JOURNAL_STREAM")
	if stream == "" {
		return false
	}
	var st syscall.Stat_t // Dev and Ino differ in type between systems: uint64 says them all
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return false
	}
	return stream == fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino))
}

// controlEscaper writes json and logfmt records with every character
// printable.Unsafe reports but the record's newline as \uXXXX:
// encoding/json and logfmt escape C0 characters themselves but leave DEL,
// the C1 characters (U+009B is CSI, as ESC [) and format characters
// (U+202E RIGHT-TO-LEFT OVERRIDE) raw, and a log reader's terminal would
// obey them. Inside a JSON (or a quoted logfmt) string \uXXXX is the same
// character, so a JSON record still decodes to the exact value; logfmt
// quotes no value for a C1 or format character, where the escape is then
// literal text. A byte that is not UTF-8 becomes \ufffd, as encoding/json
// writes it.
type controlEscaper struct{ w io.Writer }

// Write escapes p, one whole record, and writes it in one call.
func (c controlEscaper) Write(p []byte) (int, error) {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == '\n':
			out = append(out, '\n')
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case printable.Unsafe(r):
			out = printable.AppendJSONEscape(out, r)
		default:
			out = append(out, p[i:i+size]...)
		}
		i += size
	}
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
