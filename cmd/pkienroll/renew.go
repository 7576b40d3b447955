package main

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
	"github.com/pkienroll/pkienroll/pki/host"
)

// renewCmd renews a proxy's certificate over EST.
type renewCmd struct {
	Server   string        `required:"" placeholder:"URL" help:"The engine's pkienroll serve (https://HOST:PORT)."`
	Cert     string        `required:"" placeholder:"FILE" help:"The current certificate, replaced by the renewed one."`
	Key      string        `required:"" placeholder:"FILE" help:"Its key (no passphrase); replaced too with --new-key."`
	CA       string        `name:"ca" placeholder:"FILE" help:"The CA certificate the server is trusted under (default ca.pem beside --cert)."`
	Before   renewWindow   `placeholder:"DURATION" help:"Renew this long before expiry (30d, 12h); default when a third of the validity is left."`
	NewKey   bool          `name:"new-key" help:"Renew with a new key (mode 0600) instead of the current one."`
	Owner    string        `placeholder:"USER" help:"Give the renewed key and certificate to this account, the one the service runs as (ovirt for the websocket proxy); default: leave owners alone."`
	Force    bool          `help:"Renew even when the certificate is not due."`
	Exec     string        `placeholder:"COMMAND" emptyok:"" help:"Run COMMAND with sh -c after the files were renewed (e.g. 'systemctl reload squid'), and at every later run until it succeeds; not when nothing changed."`
	Daemon   bool          `help:"Keep running: check, sleep until due (at most --interval), until SIGTERM."`
	Interval time.Duration `default:"1h" help:"With --daemon, the longest sleep between checks, and the wait after a failure."`
}

// renewWindow is --before: a Go duration, or whole days as "30d".
type renewWindow time.Duration

// Decode reads the flag's value.
func (w *renewWindow) Decode(ctx *kong.DecodeContext) error {
	var s string
	if err := ctx.Scan.PopValueInto("duration", &s); err != nil {
		return err
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := parseDayCount(days)
		// A window as long as the longest validity is "always due".
		if maxDays := pki.DefaultPolicy().MaxDays; err != nil || n < 1 || n > maxDays {
			return fmt.Errorf("%s is not a number of days from 1 to %d (such as 30d)", quoteValue(s), maxDays)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			return fmt.Errorf("%s is not a duration such as 30d or 12h", quoteValue(s))
		}
	}
	*w = renewWindow(d)
	return nil
}

// Run checks once, or with --daemon until stopped.
func (c *renewCmd) Run(e *env) error {
	if c.Interval <= 0 {
		return fmt.Errorf("--interval %s: want a positive duration such as 1h", c.Interval)
	}
	if err := c.checkFiles(); err != nil {
		return err
	}
	caPath := c.caPath()
	ca, err := pki.ReadCertificate(caPath)
	if err != nil {
		return fmt.Errorf("--ca: %w", err)
	}
	client, err := est.NewClient(c.Server, ca)
	if err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	owner, err := lookupOwner(c.Owner, "the service")
	if err == nil {
		err = checkGive(owner)
	}
	if err != nil {
		return err
	}
	req := est.RenewRequest{Files: est.Files{Key: c.Key, Cert: c.Cert, CA: caPath, Owner: owner}, Before: time.Duration(c.Before), Always: c.Force}
	if c.NewKey {
		req.NewKey = func() (crypto.Signer, error) { return pki.GenerateKey(pki.DefaultKeyBits) }
	}
	if !c.Daemon {
		_, err := c.once(e, client, req)
		return err
	}
	return c.daemon(e, client, req)
}

// checkFiles refuses, as usage errors, before anything is read or sent,
// files that cannot be what renew makes of them: --cert and --key one
// file (the certificate written alone would drop the key), or either of
// the files renew writes the --ca file it reads.
func (c *renewCmd) checkFiles() error {
	if atomicfile.SameFile(c.Cert, c.Key) {
		return usageErrorf("--cert %s and --key %s are the same file: renew replaces the certificate alone; keep the key in a file of its own", c.Cert, c.Key)
	}
	outputs := []flagFile{{"--cert", c.Cert}}
	if c.NewKey {
		outputs = append(outputs, flagFile{"--key", c.Key})
	}
	return checkOutputsNotInputs(outputs, []flagFile{{"--ca", c.caPath()}})
}

// daemon renews when due until the context ends: it sleeps until the
// certificate is due, at most --interval, and --interval after a failure.
func (c *renewCmd) daemon(e *env, client *est.Client, req est.RenewRequest) error {
	for {
		res, err := c.once(e, client, req)
		wait := c.Interval
		var hook *hookFailed
		switch {
		case errors.As(err, &hook):
			e.log.Error("hook failed; retrying", "in", wait.String(), "err", oneLine(err.Error()))
		case err != nil:
			e.log.Error("renewal failed; retrying", "in", wait.String(), "err", oneLine(err.Error()))
		case time.Until(res.RenewAt) < wait:
			wait = max(time.Until(res.RenewAt), time.Minute)
		}
		req.Always = false
		select {
		case <-e.ctx.Done():
			e.log.Info("stopping")
			return nil
		case <-time.After(wait):
		}
	}
}

// once renews if due, and runs the hook when the files changed or a hook
// of an earlier renewal is still pending.
func (c *renewCmd) once(e *env, client *est.Client, req est.RenewRequest) (*est.RenewResult, error) {
	pending := c.files().Pending()
	if c.Exec != "" {
		// The marker is written after a renewal: a path it cannot be
		// written at is found before anything is sent.
		if err := atomicfile.CheckWritable(c.pendingPath(), true); err != nil {
			return nil, fmt.Errorf("the --exec hook's marker: %w", err)
		}
	}
	res, err := client.RenewFiles(e.ctx, req)
	if err != nil {
		if pending && c.Exec == "" {
			return nil, &hookFailed{fmt.Errorf("%w; and the renewal failed: %w", c.pendingWithoutExec(), err)}
		}
		if pending {
			// The files are newer than what the service holds, whatever
			// this renewal's fate: reload it now rather than at the next run.
			// Unreadable, the hook gets no names, but still runs. A hook
			// that fails again is what matters most (exit 3: the service
			// serves an older certificate than the files hold); the line
			// says both.
			cur, _ := pki.ReadCertificate(c.Cert)
			var hook *hookFailed
			if herr := c.runHook(e, cur, false); errors.As(herr, &hook) {
				return nil, &hookFailed{fmt.Errorf("%w; and the renewal failed: %w", hook.err, err)}
			}
		}
		return nil, err
	}
	switch {
	case res.Kept != "":
		e.log.Info("installed the renewal an earlier run could not", "path", c.Cert, "kept", res.Kept, "serial", pki.FormatSerial(res.Certificate.SerialNumber),
			"expires", res.Certificate.NotAfter.Format(time.DateOnly))
	case !res.Renewed:
		e.log.Info("certificate not due", "path", c.Cert, "expires", res.Certificate.NotAfter.Format(time.DateOnly),
			"renew-after", res.RenewAt.Format(time.RFC3339))
		if !pending {
			return res, nil
		}
	default:
		e.log.Info("renewed certificate", "path", c.Cert, "serial", pki.FormatSerial(res.Certificate.SerialNumber),
			"expires", res.Certificate.NotAfter.Format(time.DateOnly), "new-key", c.NewKey)
	}
	if c.Exec == "" {
		if pending {
			return res, &hookFailed{c.pendingWithoutExec()}
		}
		return res, nil
	}
	return res, c.runHook(e, res.Certificate, res.Renewed)
}

// pendingWithoutExec is what a run without --exec says of a pending hook.
func (c *renewCmd) pendingWithoutExec() error {
	return fmt.Errorf("the --exec hook of an earlier renewal of %s has not succeeded (%s): give --exec, or remove that file once the service has the new certificate",
		c.Cert, c.pendingPath())
}

// pendingPath is the marker of a hook that has not succeeded since the
// files were renewed (host.Files.PendingPath).
func (c *renewCmd) pendingPath() string { return c.files().PendingPath() }

// files are the proxy's files renew reads and replaces.
func (c *renewCmd) files() host.Files { return host.Files{Key: c.Key, Cert: c.Cert, CA: c.caPath()} }

// pendingHook is what the marker records, for the admin who finds it; a
// later run runs its own --exec, never a command read from a file.
type pendingHook struct {
	Cert    string    `json:"cert"`
	Serial  string    `json:"serial"`
	Renewed time.Time `json:"renewed"`
	Exec    string    `json:"exec"`
}

// runHook runs --exec for cert, the certificate now in --cert (nil when it
// cannot be read). After a renewal the marker is written first, so that a
// hook that fails, or a run killed during it, is run again next time; it is
// removed once the hook succeeds.
func (c *renewCmd) runHook(e *env, cert *x509.Certificate, renewed bool) error {
	var markErr error
	if renewed {
		mark := pendingHook{Cert: c.Cert, Renewed: time.Now().UTC().Truncate(time.Second), Exec: c.Exec}
		if cert != nil {
			mark.Serial = pki.FormatSerial(cert.SerialNumber)
		}
		data, err := json.MarshalIndent(mark, "", "  ")
		if err == nil {
			err = c.files().MarkPending(append(data, '\n'))
		}
		markErr = err
	}
	cmd := exec.CommandContext(e.ctx, "sh", "-c", c.Exec)
	cmd.Stdout, cmd.Stderr = e.stdout, os.Stderr
	cmd.Env = append(os.Environ(), c.hookEnv(cert)...)
	if err := cmd.Run(); err != nil {
		what := "renewed " + c.Cert + ", but --exec"
		if !renewed {
			what = "the pending --exec of " + c.Cert
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("%s %q failed with exit code %d", what, c.Exec, exit.ExitCode())
		} else {
			err = fmt.Errorf("%s %q could not run: %w", what, c.Exec, err)
		}
		if markErr != nil {
			err = fmt.Errorf("%w; and it cannot be remembered for the next run: %v", err, markErr)
		}
		return &hookFailed{err}
	}
	if err := c.files().ClearPending(); err != nil {
		// The hook runs once more at the next run: harmless.
		e.log.Warn("cannot remove the pending hook's marker", "path", c.pendingPath(), "err", err)
	}
	if renewed {
		e.log.Info("ran hook", "command", c.Exec)
	} else {
		e.log.Info("ran hook", "command", c.Exec, "was-pending", c.pendingPath())
	}
	return nil
}

// hookEnv is what the hook learns of the renewal, as certbot tells its
// deploy hooks (RENEWED_LINEAGE, RENEWED_DOMAINS), under pkienroll's names
// too: the files, and the certificate's names separated by spaces.
func (c *renewCmd) hookEnv(cert *x509.Certificate) []string {
	var names []string
	if cert != nil {
		names = append(names, cert.DNSNames...)
		for _, ip := range cert.IPAddresses {
			names = append(names, ip.String())
		}
	}
	all := strings.Join(names, " ")
	env := []string{
		"PKIENROLL_CERT=" + c.Cert, "PKIENROLL_KEY=" + c.Key, "PKIENROLL_CA=" + c.caPath(),
		"PKIENROLL_NAMES=" + all, "RENEWED_LINEAGE=" + filepath.Dir(c.Cert), "RENEWED_DOMAINS=" + all,
	}
	if cert != nil {
		env = append(env, "PKIENROLL_SERIAL="+pki.FormatSerial(cert.SerialNumber))
	}
	return env
}

// caPath is --ca, or ca.pem beside --cert.
func (c *renewCmd) caPath() string {
	if c.CA != "" {
		return c.CA
	}
	return filepath.Join(filepath.Dir(c.Cert), "ca.pem")
}
