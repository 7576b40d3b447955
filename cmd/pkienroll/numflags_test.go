package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki"
)

// TestNumericFlags: --timeout and --bits refuse what strconv would take
// but the flag cannot use (NaN, Inf, exponents, hexadecimal, negative,
// past what the type holds) in one plain line naming the flag, with the
// usage exit code, and leave the PKI directory as it was. --timeout NaN
// used to become a wait of -2562047h47m16.854775808s.
func TestNumericFlags(t *testing.T) {
	timeout := func(cmd ...string) func(v string) func(f *fixture) []string {
		return func(v string) func(f *fixture) []string {
			return flags(append(cmd, "--timeout="+v)...)
		}
	}
	bits := func(cmd ...string) func(v string) func(f *fixture) []string {
		return func(v string) func(f *fixture) []string {
			return flags(append(cmd, "--bits="+v)...)
		}
	}
	uses := []struct {
		flag string
		args func(v string) func(f *fixture) []string
	}{
		{"--timeout", timeout("sign", "--pki-dir", "{pki}", "--name", "proxy")},
		{"--timeout", timeout("revoke", "--pki-dir", "{pki}", "--serial", "1000")},
		{"--timeout", timeout("enroll", "--pki-dir", "{pki}", "--name", "proxy", "--subject", proxySubject, "--password-env", "HOME")},
		// A float64 flag: NaN became a timeout of -2562047h47m16.854775808s,
		// an exit 1 naming a number nobody gave.
		{"--timeout", timeout("websocket-proxy", "engine-cert", "--pki-dir", "{pki}", "--owner", "", "--engine", "engine.example.com", "--out", "{dir}/engine.cer")},
		{"--bits", bits("keygen", "--out", "{dir}/new.key")},
		{"--bits", bits("request", "--subject", proxySubject, "--keyout", "{dir}/new.key", "--out", "{dir}/new.req")},
	}
	values := []struct{ value, want string }{
		{"NaN", "not a"},
		{"Inf", "not a"},
		{"-Inf", "not a"},
		{"1e300", "not a"},
		{"0x10", "not a"},
		{"-1", ""},
		{"99999999999999999999", "too large"},
		{"", "not a"},
	}
	var cases []badCase
	for _, u := range uses {
		for _, v := range values {
			want := []string{u.flag, v.want}
			if v.value == "-1" {
				want = []string{u.flag, "-1"}
			}
			cases = append(cases, badCase{
				name: strings.Join(u.args(v.value)(&fixture{})[:1], " ") + " " + u.flag + "=" + v.value,
				args: u.args(v.value), code: exitUsage, want: want,
			})
		}
	}
	// A fetch cannot take no time: 1e-10 became the 30 s default.
	for _, v := range []string{"0", "0.0000000001", "0.0009"} {
		cases = append(cases, badCase{name: "websocket-proxy engine-cert --timeout=" + v,
			args: timeout("websocket-proxy", "engine-cert", "--pki-dir", "{pki}", "--owner", "", "--engine", "engine.example.com")(v),
			code: exitUsage, want: []string{"--timeout", `"` + v + `" is too short: give at least 0.001 seconds`}})
	}
	checkBadInput(t, cases)
}

// TestParseSeconds: what --timeout takes, as the wait it becomes.
func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"20", 20 * time.Second},
		{"0", 0},
		{"0.5", 500 * time.Millisecond},
		{".25", 250 * time.Millisecond},
		{"3.", 3 * time.Second},
		{"9223372036", 9223372036 * time.Second},
	} {
		got, err := parseSeconds(tc.in, 0)
		if err != nil || got != tc.want {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"9223372037", "1e3", "+5", " 5", "5s", "nan", "infinity", "1_000", "-0.5"} {
		if got, err := parseSeconds(in, 0); err == nil {
			t.Errorf("parseSeconds(%q) = %v, want an error", in, got)
		}
	}
}

// TestParseDayCount: --days is decimal only. kong's int mapper read "010"
// as 8 and "0x10" as 16; a leading zero, a base prefix, a sign other than
// a minus (left to the range check), a fraction or an exponent is refused.
func TestParseDayCount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int
	}{{"825", 825}, {"1", 1}, {"0", 0}, {"36500", 36500}, {"-1", -1}, {"99999", 99999}} {
		got, err := parseDayCount(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseDayCount(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"010", "leading zero"},
		{"0x10", "decimal"},
		{"0o10", "decimal"},
		{"0b1", "decimal"},
		{"+10", "decimal"},
		{"1e3", "decimal"},
		{"1.5", "decimal"},
		{"1_000", "decimal"},
		{"", "decimal"},
		{" 10", "decimal"},
		{"99999999999999999999", "too large"},
	} {
		if got, err := parseDayCount(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseDayCount(%q) = %d, %v; want an error containing %q", tc.in, got, err, tc.want)
		}
	}
}

// TestDaysHelpIsThePolicy: the help of every --days that issues a
// certificate states the library's range and default, and the flag check
// refuses what the library refuses, with that range (the help said 1..36500
// while the library refused 1).
func TestDaysHelpIsThePolicy(t *testing.T) {
	p := pki.DefaultPolicy()
	for _, cmd := range [][]string{{"sign"}, {"token", "create"}, {"ca", "init"}, {"ca", "renew"}} {
		r := runCLI(t, append(cmd, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "("+p.DaysRange()+")") {
			t.Errorf("%v --help does not give the range %s:\n%s", cmd, p.DaysRange(), r)
		}
	}
	f := newFixture(t)
	r := runCLI(t, "token", "create", "--pki-dir", f.pki, "--name", "proxy", "--cn", "proxy.example.com", "--days", "1")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--days 1 is outside "+p.DaysRange()) {
		t.Errorf("token create --days 1:\n%s", r)
	}
}

// TestDecimalAsTheRegexp: isDecimal and isWholeNumber, plain string code,
// accept exactly what the regular expressions they replaced accepted.
func TestDecimalAsTheRegexp(t *testing.T) {
	decimalRE := regexp.MustCompile(`^[0-9]+(\.[0-9]*)?$|^\.[0-9]+$`)
	wholeRE := regexp.MustCompile(`^[0-9]+$`)
	for _, s := range []string{"", "0", "20", "007", "20.", "0.5", ".5", ".", "..", "1.2.3", "-1", "+1", "1e3", "0x10",
		"NaN", "Inf", " 1", "1 ", "1_000", "٣", "1.5x", "x1", ".5.", "12345678901234567890"} {
		if got, want := isDecimal(s), decimalRE.MatchString(s); got != want {
			t.Errorf("isDecimal(%q) = %v, the regexp %v", s, got, want)
		}
		if got, want := isWholeNumber(s), wholeRE.MatchString(s); got != want {
			t.Errorf("isWholeNumber(%q) = %v, the regexp %v", s, got, want)
		}
	}
}
