package metrics_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/pkienroll/pkienroll/pki/metrics"
)

// collector is a fixed Collector.
type collector struct {
	fams []metrics.Family
	err  error
}

func (c collector) Collect() ([]metrics.Family, error) { return c.fams, c.err }

// TestWriteTextAsClientGolang: families by name, labels by name, series
// by their label values, escapes, special values and a histogram, written
// as client_golang's expfmt writes them, and read back by its parser.
func TestWriteTextAsClientGolang(t *testing.T) {
	c := collector{fams: []metrics.Family{
		{Name: "b_total", Help: "B's help, with a \\ and a\nline feed.", Type: metrics.Counter, Metrics: []metrics.Metric{
			{Labels: []metrics.Label{{"z", "2"}, {"a", `x"y\z` + "\n"}}, Value: 3},
			{Labels: []metrics.Label{{"z", "1"}, {"a", "x"}}, Value: 1e6},
		}},
		{Name: "a", Help: "A.", Type: metrics.Gauge, Metrics: []metrics.Metric{
			{Value: math.Inf(-1)},
		}},
		{Name: "empty", Help: "No series.", Type: metrics.Gauge},
		{Name: "h_seconds", Help: "H.", Type: metrics.Histogram, Metrics: []metrics.Metric{
			{Labels: []metrics.Label{{"op", "x"}}, Hist: &metrics.HistogramValue{
				Bounds: []float64{0.5, 1}, Cumulative: []uint64{1, 2}, Sum: 1.25, Count: 3}},
		}},
		{Name: "a", Help: "A.", Type: metrics.Gauge, Metrics: []metrics.Metric{
			{Labels: []metrics.Label{{"k", ""}}, Value: 0.1},
		}},
	}}
	fams, err := metrics.Gather(c)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := metrics.WriteText(&b, fams); err != nil {
		t.Fatal(err)
	}
	want := `# HELP a A.
# TYPE a gauge
a -Inf
a{k=""} 0.1
# HELP b_total B's help, with a \\ and a\nline feed.
# TYPE b_total counter
b_total{a="x",z="1"} 1e+06
b_total{a="x\"y\\z\n",z="2"} 3
# HELP h_seconds H.
# TYPE h_seconds histogram
h_seconds_bucket{op="x",le="0.5"} 1
h_seconds_bucket{op="x",le="1"} 2
h_seconds_bucket{op="x",le="+Inf"} 3
h_seconds_sum{op="x"} 1.25
h_seconds_count{op="x"} 3
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	parser := expfmt.NewTextParser(pmodel.LegacyValidation)
	parsed, err := parser.TextToMetricFamilies(strings.NewReader(b.String()))
	if err != nil {
		t.Fatalf("expfmt cannot parse it: %v", err)
	}
	if got := parsed["b_total"].GetMetric()[1].GetLabel()[0].GetValue(); got != `x"y\z`+"\n" {
		t.Errorf("label value read back as %q", got)
	}
	if h := parsed["h_seconds"].GetMetric()[0].GetHistogram(); h.GetSampleCount() != 3 || h.GetSampleSum() != 1.25 {
		t.Errorf("histogram read back as %v", h)
	}
}

// TestGatherRepeatsAndErrors: a series collected twice is kept once and
// is an error; a collector's error is returned with what was gathered; a
// family collected with two types is an error.
func TestGatherRepeatsAndErrors(t *testing.T) {
	boom := errors.New("boom")
	g := func(v float64) metrics.Family {
		return metrics.Family{Name: "g", Help: "G.", Type: metrics.Gauge, Metrics: []metrics.Metric{{Labels: []metrics.Label{{"a", "1"}}, Value: v}}}
	}
	fams, err := metrics.Gather(collector{fams: []metrics.Family{g(1)}}, collector{fams: []metrics.Family{g(2)}, err: boom},
		collector{fams: []metrics.Family{{Name: "g", Help: "G.", Type: metrics.Counter, Metrics: []metrics.Metric{{Value: 1}}}}})
	if !errors.Is(err, boom) || err == nil || !strings.Contains(err.Error(), `g{a="1"}: collected twice`) ||
		!strings.Contains(err.Error(), "two different types") {
		t.Errorf("err = %v, want boom, the repeat and the type", err)
	}
	if len(fams) != 1 || len(fams[0].Metrics) != 1 || fams[0].Metrics[0].Value != 1 {
		t.Errorf("gathered %+v, want g{a=1} once, the first", fams)
	}
}
