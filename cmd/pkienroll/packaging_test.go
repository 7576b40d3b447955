package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/internal/testenv"
)

// unitDir holds the systemd units the packages ship (packaging/nfpm.yaml).
var unitDir = filepath.Join("..", "..", "packaging", "systemd")

// shippedUnits are the units, by name, as the packages install them.
func shippedUnits(t *testing.T) map[string]string {
	t.Helper()
	units := map[string]string{}
	for _, name := range []string{"pkienroll-serve.service", "pkienroll-renew@.service", "pkienroll-renew@.timer"} {
		units[name] = pkitest.ReadFile(t, filepath.Join(unitDir, name))
	}
	return units
}

// TestSystemdUnitsVerify: systemd-analyze verify passes on the shipped
// units, with their ExecStart pointed at the built binary (verify checks
// that the program exists; the package's smoke test verifies the
// installed units as they are, man page included).
func TestSystemdUnitsVerify(t *testing.T) {
	analyze := testenv.LookPath(t, "systemd-analyze", "systemd")
	dir := t.TempDir()
	var paths []string
	for name, text := range shippedUnits(t) {
		p := filepath.Join(dir, name)
		text = strings.ReplaceAll(text, "/usr/libexec/pkienroll/pkienroll-openssl", binary(t))
		writeFile(t, p, strings.ReplaceAll(text, "/usr/bin/pkienroll", binary(t)))
		paths = append(paths, p)
	}
	cmd := exec.Command(analyze, append([]string{"verify", "--man=no"}, paths...)...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=notice")
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestSystemdUnitsShape: what the units promise: serve reloads with
// SIGHUP and is hardened with the PKI directory writable; renew@ is a
// oneshot reading its instance's configuration, started by a persistent
// daily timer. The writable paths are optional ("-"): systemd fails a
// unit whose ReadWritePaths= does not exist with 226/NAMESPACE before it
// runs anything, so without the "-" serve could not run on another PKI
// directory (its own ReadWritePaths= in a drop-in, as docs/install.md
// says) on an engine without /etc/pki/ovirt-engine, nor renew@ on a proxy
// host without /etc/pki.
func TestSystemdUnitsShape(t *testing.T) {
	units := shippedUnits(t)
	hardening := []string{"NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=yes"}
	want := map[string][]string{
		"pkienroll-serve.service": append([]string{
			"ExecStart=/usr/libexec/pkienroll/pkienroll-openssl serve $SERVE_OPTIONS", "ExecReload=/bin/kill -HUP $MAINPID",
			"ReadWritePaths=-/etc/pki/ovirt-engine", "EnvironmentFile=-/etc/default/pkienroll", "EnvironmentFile=-/etc/sysconfig/pkienroll",
			"WantedBy=multi-user.target",
		}, hardening...),
		"pkienroll-renew@.service": append([]string{
			"Type=oneshot", "EnvironmentFile=/etc/pkienroll/renew/%i.conf",
			"ExecStart=/usr/bin/pkienroll renew --server ${SERVER} --cert ${CERT} --key ${KEY} --exec ${EXEC} $OPTIONS",
			"ReadWritePaths=-/etc/pki",
		}, hardening...),
		"pkienroll-renew@.timer": {"OnCalendar=daily", "RandomizedDelaySec=1h", "Persistent=true", "WantedBy=timers.target"},
	}
	for name, lines := range want {
		have := map[string]bool{}
		for _, l := range strings.Split(units[name], "\n") {
			have[strings.TrimSpace(l)] = true
		}
		for _, l := range lines {
			if !have[l] {
				t.Errorf("%s lacks the line %q", name, l)
			}
		}
	}
}
