// Command benchsummary turns hyperfine's JSON exports of side-by-side runs
// (pkienroll first, the openssl flow second) into the Markdown table of
// docs/performance.md: means, medians, the cost per certificate and how
// many times faster pkienroll is.
//
//	go run ./internal/benchsummary FILE.json[:CERTS] ...
//
// CERTS is how many certificates one run of each command makes (default 1).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// export is the part of hyperfine's --export-json output that is read.
type export struct {
	Results []struct {
		Mean   float64 `json:"mean"`
		Stddev float64 `json:"stddev"`
		Median float64 `json:"median"`
	} `json:"results"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchsummary FILE.json[:CERTS] ...")
		os.Exit(2)
	}
	if err := summarize(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchsummary:", err)
		os.Exit(1)
	}
}

func summarize(w io.Writer, args []string) error {
	fmt.Fprintln(w, "| comparison | pkienroll mean ± σ (median) | other mean ± σ (median) | per certificate | faster by, means (medians) |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, arg := range args {
		path, certs, err := parseArg(arg)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var e export
		if err := json.Unmarshal(data, &e); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if len(e.Results) != 2 {
			return fmt.Errorf("%s: %d commands, want 2 (pkienroll, then the other)", path, len(e.Results))
		}
		ours, theirs := e.Results[0], e.Results[1]
		fmt.Fprintf(w, "| %s | %s ± %s (%s) | %s ± %s (%s) | %s / %s | %.1f× (%.1f×) |\n",
			strings.TrimSuffix(filepath.Base(path), ".json"),
			ms(ours.Mean), ms(ours.Stddev), ms(ours.Median),
			ms(theirs.Mean), ms(theirs.Stddev), ms(theirs.Median),
			ms(ours.Mean/float64(certs)), ms(theirs.Mean/float64(certs)),
			theirs.Mean/ours.Mean, theirs.Median/ours.Median)
	}
	return nil
}

// parseArg splits FILE.json[:CERTS].
func parseArg(arg string) (path string, certs int, err error) {
	path, count, found := strings.Cut(arg, ":")
	if !found {
		return path, 1, nil
	}
	certs, err = strconv.Atoi(count)
	if err != nil || certs < 1 {
		return "", 0, fmt.Errorf("%s: certificates per run must be a positive number", arg)
	}
	return path, certs, nil
}

// ms prints seconds as milliseconds, to a tenth.
func ms(seconds float64) string { return strconv.FormatFloat(seconds*1000, 'f', 1, 64) + " ms" }
