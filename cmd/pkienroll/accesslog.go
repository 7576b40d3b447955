package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/log"
)

// plainLog writes serve's access log lines as charmbracelet/log's text
// formatter writes them where there are no colours (the journal, a file,
// a pipe), without going through lipgloss: the styles rendered every key,
// value and separator of every request, at 131 allocations a line
// (BenchmarkAccessLog), only to write the text unchanged.
type plainLog struct {
	w     io.Writer
	level log.Level
	timed bool
}

// lockedWriter serialises the logger's writes and plainLog's, which share
// one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Write writes p whole under the lock.
func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newPlainLog is the plain writer of e's log, or nil where the logger's
// lines differ from plain text: another --log-format, or a writer that
// shows colours (a terminal, CLICOLOR_FORCE). e's logger then writes
// through the same lock.
func newPlainLog(e *env) *plainLog {
	if e.logFormat != "text" || e.logTo == nil || styled(e.logTo) {
		return nil
	}
	w := &lockedWriter{w: e.logTo}
	e.log.SetOutput(w)
	return &plainLog{w: w, level: e.log.GetLevel(), timed: needsTime(e.logTo)}
}

// styled reports whether lipgloss writes styles to w, as the logger's
// renderer decides for it.
func styled(w io.Writer) bool {
	return lipgloss.NewRenderer(w).NewStyle().Bold(true).Render("x") != "x"
}

// levelNames are the levels as the text formatter shows them.
var levelNames = map[log.Level]string{
	log.DebugLevel: "DEBU", log.InfoLevel: "INFO", log.WarnLevel: "WARN", log.ErrorLevel: "ERRO", log.FatalLevel: "FATA",
}

// log writes one record: the time where the log needs it, the level, the
// prefix, msg and the key/value pairs. It reports false, having written
// nothing, for a value of more than one line, which the text formatter
// writes indented under its key: the caller leaves those to the logger.
func (p *plainLog) log(level log.Level, msg string, kv ...any) bool {
	if level < p.level {
		return true
	}
	b := make([]byte, 0, 256)
	if p.timed {
		b = time.Now().AppendFormat(b, logTimeFormat)
		b = append(b, ' ')
	}
	b = append(b, levelNames[level]...)
	b = append(b, " pkienroll: "...)
	b = append(b, msg...)
	for i := 0; i+1 < len(kv); i += 2 {
		key, _ := kv[i].(string)
		b = append(b, ' ')
		b = append(b, key...)
		b = append(b, '=')
		switch v := kv[i+1].(type) {
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		default:
			s, ok := v.(string)
			if !ok {
				s = fmt.Sprintf("%+v", v)
			}
			switch {
			case s == "":
				b = append(b, `""`...)
			case strings.Contains(s, "\n"):
				return false
			case needsQuoting(s):
				b = append(b, '"')
				b = appendEscaped(b, s)
				b = append(b, '"')
			default:
				b = append(b, s...)
			}
		}
	}
	b = append(b, '\n')
	_, _ = p.w.Write(b)
	return true
}

// The quoting and escaping below are charmbracelet/log's (text.go, from
// hclog), so that a line reads the same either way.

// needsQuoting reports whether the text formatter quotes s.
func needsQuoting(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b == '"' || b == '=' || unicode.IsSpace(rune(b)) || !unicode.IsPrint(rune(b)) {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}

// appendEscaped appends s as the text formatter writes it between quotes:
// quotes and what is not printable as escapes.
func appendEscaped(b []byte, s string) []byte {
	if !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || r == '"' }) {
		return append(b, s...)
	}
	const hex = "0123456789abcdef"
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, `\"`...)
		case unicode.IsPrint(r):
			b = utf8.AppendRune(b, r)
		case r == '\a':
			b = append(b, `\a`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\v':
			b = append(b, `\v`...)
		case r < ' ':
			b = append(b, '\\', 'x', hex[byte(r)>>4], hex[byte(r)&0xF])
		case r < 0x10000:
			b = append(b, '\\', 'u')
			for s := 12; s >= 0; s -= 4 {
				b = append(b, hex[r>>uint(s)&0xF])
			}
		default:
			b = append(b, '\\', 'U')
			for s := 28; s >= 0; s -= 4 {
				b = append(b, hex[r>>uint(s)&0xF])
			}
		}
	}
	return b
}
