package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
)

// listCmd shows what the CA has issued.
type listCmd struct {
	storeFlags
	JSON     bool   `name:"json" help:"Print JSON (see docs/cli.md for the schema)."`
	Expiring string `placeholder:"DURATION" help:"Only valid certificates that expire within DURATION (720h, 30d, 2w)."`
	Status   string `enum:",valid,revoked,expired" default:"" help:"Only certificates in this state: valid, revoked or expired."`
}

// listedCert is one row of `list --json`.
type listedCert struct {
	Serial  string   `json:"serial"`
	Status  string   `json:"status"`
	Expires string   `json:"expires"`
	Revoked string   `json:"revoked,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Names   []string `json:"names"`
	Subject string   `json:"subject"`
}

// Run prints the table or the JSON.
func (c *listCmd) Run(e *env) error {
	var within time.Duration
	if c.Expiring != "" {
		var err error
		if within, err = parseDays(c.Expiring); err != nil {
			return usageErrorf("--expiring: %w", err)
		}
	}
	store, err := pki.OpenStore(c.PKIDir, c.options()...)
	if err != nil {
		return err
	}
	all, err := store.List()
	if err != nil {
		return err
	}
	at := now()
	rows := make([]listedCert, 0, len(all))
	for _, is := range all {
		status := is.EffectiveStatus(at)
		if c.Status != "" && status.String() != c.Status {
			continue
		}
		if c.Expiring != "" && (status != pki.StatusValid || is.Expiry.After(at.Add(within))) {
			continue
		}
		row := listedCert{Serial: is.Serial, Status: status.String(), Expires: is.Expiry.UTC().Format(time.RFC3339),
			Names: is.Names, Subject: is.Subject, Reason: is.Reason}
		if row.Names == nil {
			row.Names = []string{}
		}
		if !is.Revoked.IsZero() {
			row.Revoked = is.Revoked.UTC().Format(time.RFC3339)
		}
		rows = append(rows, row)
	}
	if c.JSON {
		out, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			return err
		}
		// encoding/json leaves DEL, C1 and format characters (U+202E) raw.
		_, err = fmt.Fprintf(e.stdout, "%s\n", printable.JSON(out))
		return err
	}
	return writeListTable(e, rows)
}

func writeListTable(e *env, rows []listedCert) error {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tSTATUS\tEXPIRES\tNAME\tSUBJECT")
	for _, r := range rows {
		name := strings.Join(r.Names, ",")
		if name == "" {
			name = "-"
		}
		// The names and the subject come from certificates and the index,
		// which anyone with write access to the directory can fill: escaped,
		// they can neither reach the terminal nor break the columns (a tab
		// is \x09). --json keeps them exact.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable.Escape(r.Serial), r.Status, r.Expires[:10],
			printable.Escape(name), printable.Escape(r.Subject))
	}
	return tw.Flush()
}

// parseDays reads a Go duration, or a whole number of days (30d) or
// weeks (2w), which Go durations lack. A number of days or weeks longer
// than a Duration holds (about 292 years) is refused, as time.ParseDuration
// refuses 9999999h, rather than wrapped around to a negative duration
// that would match nothing.
func parseDays(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.ParseInt(n, 10, 64)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("%q is not a duration (720h, 30d, 2w)", s)
			}
			if v > int64(math.MaxInt64/unit) {
				return 0, fmt.Errorf("%q is longer than %d days", s, int64(math.MaxInt64/(24*time.Hour)))
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration (720h, 30d, 2w)", s)
	}
	return d, nil
}
