package main

import (
	"crypto"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/est"
)

// renewCmd renews a proxy's certificate over EST.
type renewCmd struct {
	Server   string        `required:"" placeholder:"URL" help:"The engine's pkienroll serve (https://HOST:PORT)."`
	Cert     string        `required:"" placeholder:"FILE" help:"The current certificate, replaced by the renewed one."`
	Key      string        `required:"" placeholder:"FILE" help:"Its key (no passphrase); replaced too with --new-key."`
	CA       string        `name:"ca" placeholder:"FILE" help:"The CA certificate the server is trusted under (default ca.pem beside --cert)."`
	Before   renewWindow   `placeholder:"DURATION" help:"Renew this long before expiry (30d, 12h); default when a third of the validity is left."`
	NewKey   bool          `name:"new-key" help:"Renew with a new key (mode 0600) instead of the current one."`
	Force    bool          `help:"Renew even when the certificate is not due."`
	Exec     string        `placeholder:"COMMAND" help:"Run COMMAND with sh -c after the files were renewed (e.g. 'systemctl reload squid'); not when nothing changed."`
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
		if err != nil || n < 1 || n > 36500 {
			return fmt.Errorf("%s is not a number of days from 1 to 36500 (such as 30d)", quoteValue(s))
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
	caPath := c.CA
	if caPath == "" {
		caPath = filepath.Join(filepath.Dir(c.Cert), "ca.pem")
	}
	ca, err := pki.ReadCertificate(caPath)
	if err != nil {
		return fmt.Errorf("--ca: %w", err)
	}
	client, err := est.NewClient(c.Server, ca)
	if err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	req := est.RenewRequest{Files: est.Files{Key: c.Key, Cert: c.Cert, CA: caPath}, Before: time.Duration(c.Before), Always: c.Force}
	if c.NewKey {
		req.NewKey = func() (crypto.Signer, error) { return pki.GenerateKey(pki.DefaultKeyBits) }
	}
	if !c.Daemon {
		_, err := c.once(e, client, req)
		return err
	}
	for {
		res, err := c.once(e, client, req)
		wait := c.Interval
		switch {
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

// once renews if due and runs the hook when the files changed.
func (c *renewCmd) once(e *env, client *est.Client, req est.RenewRequest) (*est.RenewResult, error) {
	res, err := client.RenewFiles(e.ctx, req)
	if err != nil {
		return nil, err
	}
	if !res.Renewed {
		e.log.Info("certificate not due", "path", c.Cert, "expires", res.Certificate.NotAfter.Format(time.DateOnly),
			"renew-after", res.RenewAt.Format(time.RFC3339))
		return res, nil
	}
	e.log.Info("renewed certificate", "path", c.Cert, "serial", pki.FormatSerial(res.Certificate.SerialNumber),
		"expires", res.Certificate.NotAfter.Format(time.DateOnly), "new-key", c.NewKey)
	if c.Exec == "" {
		return res, nil
	}
	cmd := exec.CommandContext(e.ctx, "sh", "-c", c.Exec)
	cmd.Stdout, cmd.Stderr = e.stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("renewed %s, but --exec %q failed with exit code %d", c.Cert, c.Exec, exit.ExitCode())
		} else {
			err = fmt.Errorf("renewed %s, but --exec %q could not run: %w", c.Cert, c.Exec, err)
		}
		return res, &hookFailed{err}
	}
	e.log.Info("ran hook", "command", c.Exec)
	return res, nil
}
