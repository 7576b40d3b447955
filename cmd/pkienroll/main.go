// Command pkienroll issues TLS certificates to the proxies in front of an
// engine host: it derives the proxy's subject from the engine CA, makes the
// proxy's key and request, and signs requests into the engine's PKI
// directory compatibly with the engine scripts and `openssl ca`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/charmbracelet/log"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki"
)

// Exit codes (docs/cli.md).
const (
	exitOK          = 0
	exitError       = 1
	exitCheckFailed = 2
	exitUsage       = 80
	exitInterrupted = 130
)

// cli is the root of the command line.
type cli struct {
	Globals

	Subject subjectCmd `cmd:"" help:"Print a subject, or derive a proxy's subject from the CA's."`
	Keygen  keygenCmd  `cmd:"" help:"Generate a private key without passphrase (mode 0600)."`
	Request requestCmd `cmd:"" help:"Create a certificate signing request (and, with --keyout, its key)."`
	CA      caCmd      `cmd:"" name:"ca" help:"Manage the engine's certificate authority."`
	Sign    signCmd    `cmd:"" help:"Sign requests/NAME.req into certs/NAME.cer, like pki-enroll-request.sh."`
	Verify  verifyCmd  `cmd:"" help:"Check a certificate: chain, dates, key, host name, revocation, TLS server usage."`
	Inspect inspectCmd `cmd:"" help:"Show a certificate, request, CRL or key file (PEM or DER) readably, or as JSON."`
	List    listCmd    `cmd:"" help:"List the certificates the CA has issued."`
	Metrics metricsCmd `cmd:"" help:"Print the expiry of the PKI directory's certificates and CRLs (and of files named) for Prometheus."`
	Revoke  revokeCmd  `cmd:"" help:"Revoke a certificate, like openssl ca -revoke."`
	CRL     crlCmd     `cmd:"" name:"crl" help:"Sign a certificate revocation list, like openssl ca -gencrl."`
	Enroll  enrollCmd  `cmd:"" help:"Make key, request, certificate and PKCS#12 bundle keys/NAME.p12, like pki-enroll-pkcs12.sh."`
	PKCS12  pkcs12Cmd  `cmd:"" name:"pkcs12" help:"Work with PKCS#12 bundles."`

	SquidConfig squidConfigCmd `cmd:"" name:"squid-config" help:"Print a Squid configuration for the portal's reverse proxy or the SPICE proxy."`
	SpiceProxy  spiceProxyCmd  `cmd:"" name:"spice-proxy" help:"Check a SpiceProxyDefault value; print the engine-config lines for it."`

	WebsocketProxy websocketProxyCmd `cmd:"" name:"websocket-proxy" help:"Enroll the websocket proxy on its own host: key, request, signing, engine certificate, 10-setup.conf."`

	Serve      serveCmd      `cmd:"" help:"Serve enrollment and renewal over the network (EST, RFC 7030) from the PKI directory."`
	Token      tokenCmd      `cmd:"" help:"Manage the one-time tokens that authorise a first enrollment over EST."`
	Obtain     obtainCmd     `cmd:"" help:"On the proxy: enroll this host over EST with a one-time token (key, certificate, CA certificate)."`
	Renew      renewCmd      `cmd:"" help:"On the proxy: renew its certificate over EST when it is due, then run a hook."`
	Help       helpCmd       `cmd:"" help:"Print the help of a command (pkienroll help sign)."`
	Version    versionCmd    `cmd:"" help:"Print the program's version and the Go version it was built with."`
	Completion completionCmd `cmd:"" help:"Print the shell completion script for bash, zsh or fish."`
	Man        manCmd        `cmd:"" hidden:"" help:"Print the manual page (roff), as make man writes it."`
}

// now is the clock of commands that show time left or filter by date;
// tests pin it for deterministic output.
var now = time.Now

// Globals are the flags every command takes.
type Globals struct {
	Verbose   bool             `short:"v" help:"Log debug messages."`
	Quiet     bool             `short:"q" help:"Log errors only."`
	LogFormat string           `name:"log-format" enum:"text,json,logfmt" default:"text" env:"PKIENROLL_LOG_FORMAT" help:"Log lines as text, json or logfmt."`
	Version   kong.VersionFlag `help:"Print the version (and Go's) and exit."`
}

func main() {
	if completing() {
		os.Exit(complete(os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// newParser is kong's model of the command line over c (a *cli, or the
// root of one command that oneCommand makes), writing to stdout and
// stderr. Help, the man page and shell completion are all drawn from the
// whole model. One command's model gets only the variables its tags name
// (varsUsed).
func newParser(c any, stdout, stderr io.Writer) (*kong.Kong, error) {
	vars := parserVars()
	if _, whole := c.(*cli); !whole {
		vars = varsUsed(reflect.TypeOf(c), vars)
	}
	return kong.New(c,
		kong.Name("pkienroll"),
		kong.Description("Issue TLS certificates to the proxies in front of an engine host."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, WrapUpperBound: helpWidth}),
		kong.Help(printHelp),
		vars,
		decimalInt(),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { panic(exitRequest{code}) }),
	)
}

// parserVars are the variables the tags of the command line interpolate
// (${name}): the version, the default PKI directory and the issuance
// policy's bounds and defaults.
func parserVars() kong.Vars {
	vars := kong.Vars{
		"version": versionLine(), "default_pki_dir": pki.DefaultPKIDir, "pki_dir_help": "The engine's PKI directory",
	}
	maps.Copy(vars, policyVars())
	return vars
}

// exitRequest carries kong's exit (after --help or --version) out of Parse.
type exitRequest struct{ code int }

// run is the whole program with its environment passed in, so tests can run
// it in-process. It returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if err := checkArgsUTF8(args); err != nil {
		fmt.Fprintf(stderr, "pkienroll: %s\n", errorLine(err, args))
		return exitUsage
	}
	if root, g, ok := oneCommand(args); ok {
		if kctx, ok := parseOne(root, args); ok {
			return runParsed(ctx, kctx, *g, args, stdout, stderr)
		}
	}
	return runWhole(ctx, args, stdout, stderr)
}

// parseOne parses args with the model of one command, writing nothing:
// ok is false, and run starts again with the whole model, when they do not
// parse or are refused by checkGiven, or kong would exit (help, version),
// so that what is printed then comes from the whole model as ever.
func parseOne(root any, args []string) (kctx *kong.Context, ok bool) {
	parser, err := newParser(root, io.Discard, io.Discard)
	if err != nil {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			if _, exit := r.(exitRequest); !exit {
				panic(r)
			}
			kctx, ok = nil, false
		}
	}()
	kctx, err = parser.Parse(args)
	if err != nil || checkGiven(kctx) != nil {
		return nil, false
	}
	return kctx, true
}

// runWhole is run with kong's model of every command: help, the man page,
// completion, and every command line that does not parse.
func runWhole(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	var c cli
	parser, err := newParser(&c, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "pkienroll: %s\n", errorLine(err, args))
		return exitError
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(exitRequest)
			if !ok {
				panic(r)
			}
			if code == exitOK {
				code = e.code
			}
		}
	}()
	if len(args) == 0 {
		// A bare `pkienroll` is a question: answer with the help, on stderr
		// since no command ran, and the usage-error exit code.
		parser.Stdout = stderr
		args, code = []string{"--help"}, exitUsage
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		var perr *kong.ParseError
		if !errors.As(err, &perr) {
			fmt.Fprintf(stderr, "pkienroll: %s\n", errorLine(err, args))
			return exitError
		}
		if m := missingFlags(perr.Context); m != "" && strings.HasPrefix(err.Error(), "missing flags:") {
			err = errors.New(m)
		}
		fmt.Fprintf(stderr, "pkienroll: %s\n", errorLine(err, args))
		return exitUsage
	}
	if err := checkGiven(kctx); err != nil {
		fmt.Fprintf(stderr, "pkienroll: %s\n", errorLine(err, args))
		return exitUsage
	}
	return runParsed(ctx, kctx, c.Globals, args, stdout, stderr)
}

// runParsed runs the command kctx parsed and returns the exit code.
func runParsed(ctx context.Context, kctx *kong.Context, g Globals, args []string, stdout, stderr io.Writer) int {
	logger := newLogger(stderr, g)
	env := &env{ctx: ctx, stdout: stdout, log: logger, logTo: stderr, logFormat: g.LogFormat}
	kctx.Bind(env)
	if err := kctx.Run(env); err != nil {
		// Checks that ran and failed: one line each, exit 2.
		var failed *checkFailed
		if errors.As(err, &failed) {
			for _, line := range failed.lines {
				fmt.Fprintf(stderr, "pkienroll: %s\n", printable.Escape(line))
			}
			return exitCheckFailed
		}
		fmt.Fprintf(stderr, "pkienroll: %s%s\n", errorLine(err, args), advice(err, kctx))
		var usage *usageError
		var hook *hookFailed
		switch {
		case ctx.Err() != nil:
			return exitInterrupted
		case errors.As(err, &usage), errors.Is(err, pki.ErrSameFile):
			// Two output flags naming one file is a mistake in the
			// command line, however the library found it.
			return exitUsage
		case errors.As(err, &hook):
			return exitHookFailed
		}
		return exitError
	}
	return exitOK
}

// checkFailed is the error of a verification that ran and found problems
// (verify, ca check): run prints each line and exits 2, where any other error
// exits 1.
type checkFailed struct{ lines []string }

func (e *checkFailed) Error() string { return strings.Join(e.lines, "\n") }

// env is what every command's Run receives: the signal-aware context, where
// results go, and the logger.
type env struct {
	ctx    context.Context
	stdout io.Writer
	log    *log.Logger
	// logTo and logFormat are where log and in what --log-format it
	// writes, for serve's access log (accesslog.go).
	logTo     io.Writer
	logFormat string
}

// oneLine keeps an error to one line of output, whatever it wraps: every
// run of white space, newlines included, becomes one blank.
func oneLine(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}
