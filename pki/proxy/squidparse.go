package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
)

// FindSquid returns the path of the squid binary: from $PATH, else
// /usr/sbin/squid, where distributions put it outside an ordinary user's
// PATH. It returns "" when Squid is not installed.
func FindSquid() string {
	if p, err := exec.LookPath("squid"); err == nil {
		return p
	}
	if fi, err := os.Stat("/usr/sbin/squid"); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return "/usr/sbin/squid"
	}
	return ""
}

// squidLogPrefix is the time stamp (and SMP kid) Squid puts before its
// messages: "2026/11/27 05:34:02| " or "2026/11/27 05:34:02 kid1| ". It
// is compiled when first used, not as every process starts.
var squidLogPrefix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(\.\d+)?( kid\d+)?\| `)
})

// SquidParse has Squid check conf: it writes conf to a temporary file and
// runs `squid -k parse -f FILE`, which reads the configuration as Squid
// would at startup, certificate and key files included, and exits. It
// returns Squid's warnings, and an error wrapping ErrSquidRefused with
// Squid's complaint in one line when Squid refuses the configuration or
// reports an error in it.
func SquidParse(ctx context.Context, squid string, conf []byte) (warnings []string, err error) {
	f, err := os.CreateTemp("", "pkienroll-squid-*.conf")
	if err != nil {
		return nil, fmt.Errorf("squid -k parse: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(conf); err != nil {
		f.Close()
		return nil, fmt.Errorf("squid -k parse: write %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("squid -k parse: write %s: %w", f.Name(), err)
	}
	cmd := exec.CommandContext(ctx, squid, "-k", "parse", "-f", f.Name())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("squid -k parse: %w", ctx.Err())
	}
	var exitErr *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exitErr) {
		return nil, fmt.Errorf("squid -k parse: %w", runErr)
	}
	complaint, warnings := readSquidParse(out.String(), f.Name())
	switch {
	case complaint != "":
		return warnings, fmt.Errorf("squid -k parse: %s: %w", complaint, ErrSquidRefused)
	case runErr != nil:
		return warnings, fmt.Errorf("squid -k parse: %v, and no message: %w", runErr, ErrSquidRefused)
	}
	return warnings, nil
}

// readSquidParse picks from Squid's output the line that says what is
// wrong, and the warnings. Squid says "FATAL: ..." or "ERROR: ..." for most
// problems, but "FILE(LINE): unrecognized: 'x'" for an unknown directive;
// a later "FATAL: Bungled FILE line N: ..." only repeats the line, so the
// first complaint wins. The temporary file's name becomes "line N".
func readSquidParse(out, file string) (complaint string, warnings []string) {
	var fatal, errLine, located string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(squidLogPrefix().ReplaceAllString(line, ""))
		line = strings.ReplaceAll(line, file+"(", "line (")
		line = strings.ReplaceAll(line, file+" line ", "line ")
		line = strings.ReplaceAll(line, file, "the configuration")
		switch {
		case strings.HasPrefix(line, "FATAL:") && fatal == "":
			fatal = line
		case strings.HasPrefix(line, "ERROR:") && errLine == "":
			errLine = line
		case strings.HasPrefix(line, "line (") && located == "":
			located = "line " + strings.Replace(strings.TrimPrefix(line, "line ("), ")", "", 1)
		case strings.HasPrefix(line, "WARNING:"):
			warnings = append(warnings, line)
		}
	}
	for _, c := range []string{located, fatal, errLine} {
		if c != "" {
			return c, warnings
		}
	}
	return "", warnings
}
