package metrics

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Type is a metric family's type, as the text format's # TYPE line names
// it.
type Type string

// The types of metric this package collects.
const (
	Gauge     Type = "gauge"
	Counter   Type = "counter"
	Histogram Type = "histogram"
)

// Label is one name="value" pair of a series.
type Label struct {
	Name, Value string
}

// Metric is one series of a family: its labels and its value, or, in a
// Histogram family, its buckets.
type Metric struct {
	Labels []Label
	Value  float64
	Hist   *HistogramValue
}

// HistogramValue is a histogram's state: the upper bounds of its buckets
// (ascending, +Inf left out: it is Count), how many observations each
// bucket holds, cumulative as the text format writes them, their sum and
// their count.
type HistogramValue struct {
	Bounds     []float64
	Cumulative []uint64
	Sum        float64
	Count      uint64
}

// Family is one metric name: its help, its type and its series.
type Family struct {
	Name    string
	Help    string
	Type    Type
	Metrics []Metric
}

// Collector is a source of metrics, read afresh at each scrape.
type Collector interface {
	// Collect returns the families as they are now. An error is about
	// part of them: what could be read is returned with it.
	Collect() ([]Family, error)
}

// Gather collects every collector and puts the families in the order of
// Prometheus's client (client_golang's Gather): families by name, the
// labels of a series by name, the series of a family by their label
// values. Families of the same name are merged; a family with no series is
// left out; a series repeated in a family (same labels) is kept once and
// is an error. The error joins the collectors' and the repeats; what was
// gathered is returned with it. A nil collector is passed over.
func Gather(cs ...Collector) ([]Family, error) {
	var errs []error
	byName := map[string]*Family{}
	for _, c := range cs {
		if c == nil {
			continue
		}
		fams, err := c.Collect()
		if err != nil {
			errs = append(errs, err)
		}
		for _, f := range fams {
			have, ok := byName[f.Name]
			if !ok {
				g := f
				g.Metrics = slices.Clone(f.Metrics)
				byName[f.Name] = &g
				continue
			}
			if have.Type != f.Type || have.Help != f.Help {
				errs = append(errs, fmt.Errorf("metric %s: collected with two different types or helps", f.Name))
				continue
			}
			have.Metrics = append(have.Metrics, f.Metrics...)
		}
	}
	out := make([]Family, 0, len(byName))
	for _, f := range byName {
		if len(f.Metrics) == 0 {
			continue
		}
		for i := range f.Metrics {
			m := &f.Metrics[i]
			m.Labels = slices.Clone(m.Labels)
			slices.SortStableFunc(m.Labels, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
		}
		slices.SortStableFunc(f.Metrics, func(a, b Metric) int { return compareLabels(a.Labels, b.Labels) })
		kept := f.Metrics[:1]
		for _, m := range f.Metrics[1:] {
			if compareLabels(kept[len(kept)-1].Labels, m.Labels) == 0 {
				errs = append(errs, fmt.Errorf("metric %s%s: collected twice", f.Name, labelText(m.Labels)))
				continue
			}
			kept = append(kept, m)
		}
		f.Metrics = kept
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b Family) int { return strings.Compare(a.Name, b.Name) })
	return out, errors.Join(errs...)
}

// compareLabels orders two sorted label lists by their values, then by
// their names and lengths, so that only the same labels compare equal.
func compareLabels(a, b []Label) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i].Value, b[i].Value); c != 0 {
			return c
		}
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i].Name, b[i].Name); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// labels pairs names with values, in order; values beyond names are
// dropped, missing ones are empty.
func labels(names, values []string) []Label {
	out := make([]Label, len(names))
	for i, n := range names {
		out[i].Name = n
		if i < len(values) {
			out[i].Value = values[i]
		}
	}
	return out
}
