package main

import (
	"github.com/alecthomas/kong"

	"github.com/pkienroll/pkienroll/internal/printable"
	"github.com/pkienroll/pkienroll/pki/metrics"
)

// metricsCmd prints the expiry of the PKI directory's certificates and
// CRLs, and of files named, in Prometheus text format: for
// node_exporter's textfile collector, from cron.
type metricsCmd struct {
	pkiDirOrNoneFlag
	CertDir string   `name:"cert-dir" default:"certs" help:"Directory of issued certificates, relative to --pki-dir."`
	Files   []string `arg:"" optional:"" placeholder:"FILE" help:"More certificate or CRL files to watch, such as a proxy's /etc/squid/proxy.cer."`
}

// Run prints the metrics. A file that cannot be read is a log line and
// counts in x509_read_errors; the exit is still 0, as
// x509-certificate-exporter's, so that the other files are still watched.
func (c *metricsCmd) Run(e *env) error {
	// Absolute, as the labels show them; an empty FILE is refused before
	// (checkGiven), where kong's "path" type would have made it the
	// working directory.
	paths := make([]string, len(c.Files))
	for i, f := range c.Files {
		paths[i] = kong.ExpandPath(f)
	}
	files := metrics.NewFiles(c.PKIDir, paths, metrics.WithNow(now), metrics.WithCertDir(c.CertDir), metrics.WithErrors(func(err error) {
		e.log.Warn("cannot read", "err", printable.Escape(oneLine(err.Error())))
	}))
	fams, err := metrics.Gather(files)
	if err != nil {
		return err
	}
	return metrics.WriteText(e.stdout, fams)
}
