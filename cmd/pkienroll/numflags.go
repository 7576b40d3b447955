package main

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/proxy"
)

// kong's float and int mappers take what strconv takes: NaN, Inf, 1e300
// and hexadecimal. A lock timeout of NaN seconds became a wait of
// -2562047h47m16.854775808s. These types take plain decimal numbers in the
// range the flag can use, and say so in one line naming the flag (kong
// prefixes the flag to a mapper's error).

// isDecimal reports whether s is a plain decimal number: digits,
// optionally a fraction ("20", "20.", "0.5", ".5"; not "." or "").
func isDecimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	if !digitsOnly(whole) || !digitsOnly(frac) {
		return false
	}
	return whole != "" || (dot && frac != "")
}

// isWholeNumber reports whether s is one or more digits and nothing else.
func isWholeNumber(s string) bool {
	return s != "" && digitsOnly(s)
}

// digitsOnly reports whether every byte of s is an ASCII digit (true for
// "").
func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxWaitSeconds is the longest wait a time.Duration holds, about 292 years.
const maxWaitSeconds = math.MaxInt64 / int64(time.Second)

// lockWait is --timeout: a number of seconds, fractions allowed, from 0 to
// what a time.Duration holds.
type lockWait time.Duration

// Decode reads the flag's value.
func (w *lockWait) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("seconds", &s); err != nil {
		return err
	}
	d, err := parseSeconds(s, 0)
	if err != nil {
		return err
	}
	*w = lockWait(d)
	return nil
}

// minFetchWait is the shortest --timeout of a fetch over the network; a
// shorter one, 1e-10 seconds, became no timeout at all, the default.
const minFetchWait = time.Millisecond

// fetchWait is the --timeout of a fetch over the network (websocket-proxy
// engine-cert): as lockWait, but at least minFetchWait, as a wait of 0
// cannot fetch anything.
type fetchWait time.Duration

// Decode reads the flag's value.
func (w *fetchWait) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("seconds", &s); err != nil {
		return err
	}
	d, err := parseSeconds(s, minFetchWait)
	if err != nil {
		return err
	}
	*w = fetchWait(d)
	return nil
}

// parseSeconds reads a plain decimal number of seconds, min or more: the
// one parser of every --timeout.
func parseSeconds(s string, min time.Duration) (time.Duration, error) {
	least := strconv.FormatFloat(min.Seconds(), 'f', -1, 64)
	if len(s) > 1 && s[0] == '-' && isDecimal(s[1:]) {
		return 0, fmt.Errorf("%s is negative: give the seconds to wait, %s or more", s, least)
	}
	if !isDecimal(s) {
		return 0, fmt.Errorf("%s is not a number of seconds (such as 20 or 0.5)", quoteValue(s))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f > float64(maxWaitSeconds) {
		return 0, fmt.Errorf("%s is too large: at most %d seconds", quoteValue(s), maxWaitSeconds)
	}
	d := time.Duration(f * float64(time.Second))
	if d < min {
		return 0, fmt.Errorf("%s is too short: give at least %s seconds", quoteValue(s), least)
	}
	return d, nil
}

// keyBits is --bits: a whole decimal number. Which sizes are allowed is
// the library's to say (pki.GenerateKey).
type keyBits int

// Decode reads the flag's value.
func (b *keyBits) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("bits", &s); err != nil {
		return err
	}
	if !isWholeNumber(s) {
		return fmt.Errorf("%s is not a whole number of bits (2048, 3072 or 4096)", quoteValue(s))
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return fmt.Errorf("%s is too large: use 2048, 3072 or 4096", quoteValue(s))
	}
	*b = keyBits(n)
	return nil
}

// quoteValue quotes a flag's value for an error, shortened when long (see
// elide in errors.go).
func quoteValue(s string) string {
	return elide(strconv.Quote(s))
}

// dayCount is --days: a whole decimal number. kong's int mapper reads
// "010" as 8 and "0x10" as 16; a number of days is always decimal. The
// range is checked where the command knows it (checkDays and the library).
type dayCount int

// Decode reads the flag's value.
func (d *dayCount) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("days", &s); err != nil {
		return err
	}
	n, err := parseDayCount(s)
	if err != nil {
		return err
	}
	*d = dayCount(n)
	return nil
}

// parseDayCount reads a whole decimal number of days; a leading zero is
// refused, as it reads as octal elsewhere (openssl, the shell's $((...))).
func parseDayCount(s string) (int, error) {
	neg := len(s) > 1 && s[0] == '-' && isWholeNumber(s[1:])
	switch {
	case neg:
		// The range check says what is wrong with it.
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return 0, fmt.Errorf("%s is not a number of days from 1 to %d", quoteValue(s), pki.DefaultPolicy().MaxDays)
		}
		return int(n), nil
	case !isWholeNumber(s):
		return 0, fmt.Errorf("%s is not a whole decimal number of days (such as 825)", quoteValue(s))
	case len(s) > 1 && s[0] == '0':
		return 0, fmt.Errorf("%s has a leading zero: write days in decimal without it (such as 10)", quoteValue(s))
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("%s is too large: at most %d days", quoteValue(s), pki.DefaultPolicy().MaxDays)
	}
	return int(n), nil
}

// decimalInt reads every plain int flag (serve's bounds, --body-timeout):
// an optional minus sign and decimal digits. kong's int mapper reads in
// base 0, as Go's source does: --max-conns 010 was 8, --body-timeout
// 0x10 was 16 and 1_000 was 1000. Ranges are each flag's own check.
func decimalInt() kong.Option {
	return kong.TypeMapper(reflect.TypeFor[int](), kong.MapperFunc(func(ctx *kong.DecodeContext, target reflect.Value) error {
		var s string
		if err := ctx.Scan.PopValueInto("number", &s); err != nil {
			return err
		}
		n, err := strconv.Atoi(s)
		if err != nil || !isWholeNumber(strings.TrimPrefix(s, "-")) {
			return fmt.Errorf("%s is not a whole number", quoteValue(s))
		}
		target.SetInt(int64(n))
		return nil
	}))
}

// tcpPort is a port flag (websocket-proxy config --port): decimal, 1..65535,
// read by proxy.ParsePort as the --listen flags read theirs. kong's int
// mapper read 06100 as octal 3136, 0x10 as 16 and 1_000 as 1000.
type tcpPort int

// Decode reads the flag's value.
func (p *tcpPort) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("port", &s); err != nil {
		return err
	}
	if !isWholeNumber(s) {
		return fmt.Errorf("%s is not a whole number: want a port, 1..65535", quoteValue(s))
	}
	n, err := proxy.ParsePort(s)
	if err != nil {
		return fmt.Errorf("port %s is outside 1..65535", s) // digits only
	}
	*p = tcpPort(n)
	return nil
}
