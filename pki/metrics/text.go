package metrics

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
)

// ContentType is the media type of what WriteText writes: the
// Prometheus text exposition format, version 0.0.4, as client_golang's
// promhttp names it.
const ContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// WriteText writes fams in the Prometheus text exposition format 0.0.4,
// as client_golang's expfmt writes them: a # HELP and a # TYPE line per
// family, then a line per series (a histogram's as _bucket lines with an
// le label, the +Inf one last, then _sum and _count). fams should come
// from Gather, which orders them.
func WriteText(w io.Writer, fams []Family) error {
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		bw.WriteString("# HELP ")
		bw.WriteString(f.Name)
		bw.WriteByte(' ')
		writeEscaped(bw, f.Help, false)
		bw.WriteString("\n# TYPE ")
		bw.WriteString(f.Name)
		bw.WriteByte(' ')
		bw.WriteString(string(f.Type))
		bw.WriteByte('\n')
		for _, m := range f.Metrics {
			if f.Type != Histogram || m.Hist == nil {
				writeSample(bw, f.Name, m.Labels, nil, m.Value)
				continue
			}
			h := m.Hist
			for i, b := range h.Bounds {
				var n uint64
				if i < len(h.Cumulative) {
					n = h.Cumulative[i]
				}
				writeSample(bw, f.Name+"_bucket", m.Labels, &Label{"le", formatFloat(b)}, float64(n))
			}
			writeSample(bw, f.Name+"_bucket", m.Labels, &Label{"le", "+Inf"}, float64(h.Count))
			writeSample(bw, f.Name+"_sum", m.Labels, nil, h.Sum)
			writeSample(bw, f.Name+"_count", m.Labels, nil, float64(h.Count))
		}
	}
	return bw.Flush()
}

// writeSample writes one line: name{labels,extra} value.
func writeSample(w *bufio.Writer, name string, ls []Label, extra *Label, v float64) {
	w.WriteString(name)
	if len(ls) > 0 || extra != nil {
		w.WriteByte('{')
		for i, l := range ls {
			if i > 0 {
				w.WriteByte(',')
			}
			writeLabel(w, l)
		}
		if extra != nil {
			if len(ls) > 0 {
				w.WriteByte(',')
			}
			writeLabel(w, *extra)
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(formatFloat(v))
	w.WriteByte('\n')
}

func writeLabel(w *bufio.Writer, l Label) {
	w.WriteString(l.Name)
	w.WriteString(`="`)
	writeEscaped(w, l.Value, true)
	w.WriteByte('"')
}

// writeEscaped writes s with the text format's escapes: a backslash and
// a line feed everywhere, a double quote in a label value (quote).
func writeEscaped(w *bufio.Writer, s string, quote bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			w.WriteString(`\\`)
		case c == '\n':
			w.WriteString(`\n`)
		case c == '"' && quote:
			w.WriteString(`\"`)
		default:
			w.WriteByte(c)
		}
	}
}

// formatFloat writes a value as expfmt does: the shortest form that reads
// back the same, and Prometheus's spellings of the special values.
func formatFloat(f float64) string {
	switch {
	case f == 1:
		return "1"
	case f == 0:
		return "0"
	case f == -1:
		return "-1"
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, +1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// labelText is a series' labels as the text format writes them, for
// errors.
func labelText(ls []Label) string {
	if len(ls) == 0 {
		return ""
	}
	var b strings.Builder
	bw := bufio.NewWriter(&b)
	bw.WriteByte('{')
	for i, l := range ls {
		if i > 0 {
			bw.WriteByte(',')
		}
		writeLabel(bw, l)
	}
	bw.WriteByte('}')
	bw.Flush()
	return b.String()
}
