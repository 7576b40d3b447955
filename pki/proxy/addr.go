package proxy

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
)

// checkHostName accepts an IP address literal without brackets, or a host
// name by the rules of pki.ValidateHostname, the rules every name in a
// certificate follows. One trailing dot is allowed: these are names to
// connect to, where an absolute name is fine; a name that goes into a
// certificate is checked again there, without it.
func checkHostName(host string) error {
	switch {
	case host == "":
		return fmt.Errorf("empty host name: %w", ErrBadValue)
	case strings.Contains(host, "@"):
		return fmt.Errorf("host name %q: want a host, without credentials: %w", redacted(host), ErrBadValue)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return checkNoZone(a)
	}
	if err := pki.ValidateHostname(strings.TrimSuffix(host, ".")); err != nil {
		return fmt.Errorf("%w: %w", err, ErrBadValue)
	}
	return nil
}

// checkNoZone refuses an IPv6 address with a zone ("fe80::1%eth0"): the
// zone names an interface of one host, which means nothing to Squid's
// configuration or to the engine's clients, and it may hold any
// character, a newline that would start a directive of its own included.
func checkNoZone(a netip.Addr) error {
	if a.Zone() != "" {
		return fmt.Errorf("an IPv6 zone (%%INTERFACE) is not allowed: give the address without it: %w", ErrBadValue)
	}
	return nil
}

// redacted is a value that may be a URL or a host as an error shows it,
// without a password (printable.RedactCredentials).
func redacted(s string) string { return printable.RedactCredentials(s) }

// ParsePort reads a TCP port, 1..65535, in decimal digits and nothing
// else, as Squid reads one (0443 is 443): no sign, no 0x, 0o or 0b, no
// underscores, which Go's base-0 parsers take (06100 as octal 3136). Every
// port the package and the command line read goes through it.
func ParsePort(s string) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("port %q is not a decimal number: %w", s, ErrBadValue)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %s is outside 1..65535: %w", s, ErrBadValue)
	}
	return n, nil
}

// splitHostPort splits HOST[:PORT], where an IPv6 HOST is in brackets;
// port is 0 when absent. The host comes back without brackets.
func splitHostPort(s string) (host string, port int, err error) {
	if strings.Contains(s, "@") {
		return "", 0, fmt.Errorf("%q: want HOST[:PORT], without credentials: %w", redacted(s), ErrBadValue)
	}
	rest := ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("%q: missing ] after the IPv6 address: %w", s, ErrBadValue)
		}
		host, rest = s[1:end], s[end+1:]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return "", 0, fmt.Errorf("%q: %q in brackets is not an IPv6 address: %w", s, host, ErrBadValue)
		} else if err := checkNoZone(a); err != nil {
			return "", 0, err
		}
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return "", 0, fmt.Errorf("%q: want [IPv6]:PORT: %w", s, ErrBadValue)
		}
	} else {
		host, rest = s, ""
		if i := strings.LastIndexByte(s, ':'); i >= 0 {
			if strings.Count(s, ":") > 1 {
				return "", 0, fmt.Errorf("%q: put an IPv6 address in brackets, [2001:db8::1]:PORT: %w", s, ErrBadValue)
			}
			host, rest = s[:i], s[i:]
		}
		if err := checkHostName(host); err != nil {
			return "", 0, err
		}
	}
	if rest != "" {
		if port, err = ParsePort(rest[1:]); err != nil {
			return "", 0, err
		}
	}
	return host, port, nil
}

// hostPort joins host and port, bracketing an IPv6 host.
func hostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == 0 {
		return host
	}
	return host + ":" + strconv.Itoa(port)
}

// listenAddr reads [ADDR:]PORT as Squid's http_port and https_port take it:
// a port alone listens on every address; ADDR is an IP address, IPv6 in
// brackets. It returns Squid's spelling.
func listenAddr(s string, defaultPort int) (string, error) {
	if s == "" {
		return strconv.Itoa(defaultPort), nil
	}
	if strings.Trim(s, "0123456789") == "" {
		port, err := ParsePort(s)
		if err != nil {
			return "", fmt.Errorf("listen %s: %w", redacted(s), err)
		}
		return strconv.Itoa(port), nil
	}
	host, port, err := splitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("listen %q: %w", redacted(s), err)
	}
	if _, err := netip.ParseAddr(host); err != nil {
		// Squid would resolve a name once at startup; an address says
		// which interface is meant.
		return "", fmt.Errorf("listen %s: %q is not an IP address: %w", redacted(s), host, ErrBadValue)
	}
	if port == 0 {
		return "", fmt.Errorf("listen %s: missing :PORT: %w", redacted(s), ErrBadValue)
	}
	return hostPort(host, port), nil
}

// checkPath accepts a path Squid's configuration can hold and Squid reads
// as written: absolute, as Squid does not run in the directory the
// configuration was made in; free of white space, quotes and control
// characters, which end or break a directive; without "$", as Squid
// replaces ${service_name}, ${process_name} and ${process_number} in every
// line with their values (and later versions may know more); not ending in
// "\", which joins the next line to the directive.
func checkPath(what, path string) error {
	switch {
	case path == "":
		return fmt.Errorf("%s: empty path: %w", what, ErrBadValue)
	case !strings.HasPrefix(path, "/"):
		return fmt.Errorf("%s %q: not an absolute path: %w", what, path, ErrBadValue)
	case strings.HasSuffix(path, "\\"):
		return fmt.Errorf("%s %q: Squid cannot take a path that ends in '\\': it continues the line with the next one: %w", what, path, ErrBadValue)
	}
	for _, r := range path {
		switch {
		case r == '$':
			return fmt.Errorf("%s %q: Squid cannot take a path with '$' in it: it replaces macros such as ${service_name} and reads another file: %w", what, path, ErrBadValue)
		case unicode.IsSpace(r) || unicode.IsControl(r) || r == '"' || r == '\'' || r == '#':
			return fmt.Errorf("%s %q: Squid cannot take a path with %q in it: %w", what, path, r, ErrBadValue)
		}
	}
	return nil
}

// squidDuration spells d in Squid's time units ("10 hours"); d must be a
// whole number of seconds, at least one.
func squidDuration(what string, d time.Duration) (string, error) {
	if d < time.Second || d%time.Second != 0 {
		return "", fmt.Errorf("%s %v: want a whole number of seconds, at least 1s: %w", what, d, ErrBadValue)
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if d%u.d == 0 {
			n := int64(d / u.d)
			if n == 1 {
				return "1 " + u.name, nil
			}
			return strconv.FormatInt(n, 10) + " " + u.name + "s", nil
		}
	}
	panic("unreachable")
}
