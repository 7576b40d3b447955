package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
// daily timer, and is stopped after 15 minutes (a oneshot waits forever by
// default, and a hung hook would keep its timer from starting another
// run; renew's own network waits end sooner). The writable paths are optional ("-"): systemd fails a
// unit whose ReadWritePaths= does not exist with 226/NAMESPACE before it
// runs anything, so without the "-" serve could not run on another PKI
// directory (its own ReadWritePaths= in a drop-in, as docs/install.md
// says) on an engine without /etc/pki/ovirt-engine, nor renew@ on a proxy
// host without /etc/pki. serve keeps of root's capabilities only
// CAP_DAC_OVERRIDE (the engine's package gives the PKI directory to ovirt)
// and CAP_NET_BIND_SERVICE, makes only a service's system calls and sets
// a umask of its own; renew@ runs the admin's hook, so it has nothing
// that would break one (podman making namespaces, keytool's JIT).
func TestSystemdUnitsShape(t *testing.T) {
	units := shippedUnits(t)
	hardening := []string{"NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=yes"}
	want := map[string][]string{
		"pkienroll-serve.service": append([]string{
			"ExecStart=/usr/libexec/pkienroll/pkienroll-openssl serve $SERVE_OPTIONS", "ExecReload=/bin/kill -HUP $MAINPID",
			"ReadWritePaths=-/etc/pki/ovirt-engine", "EnvironmentFile=-/etc/default/pkienroll", "EnvironmentFile=-/etc/sysconfig/pkienroll",
			"WantedBy=multi-user.target",
			"CapabilityBoundingSet=CAP_DAC_OVERRIDE CAP_NET_BIND_SERVICE", "AmbientCapabilities=",
			"SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EPERM",
			"SystemCallArchitectures=native", "MemoryDenyWriteExecute=yes", "RestrictNamespaces=yes",
			"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "ProtectProc=invisible", "PrivateIPC=yes", "PrivateMounts=yes",
			"UMask=0077",
		}, hardening...),
		"pkienroll-renew@.service": append([]string{
			"Type=oneshot", "TimeoutStartSec=15min", "EnvironmentFile=/etc/pkienroll/renew/%i.conf",
			"ExecStart=/usr/bin/pkienroll renew --server ${SERVER} --cert ${CERT} --key ${KEY} --exec ${EXEC} $OPTIONS",
			"ReadWritePaths=-/etc/pki",
			"ProtectKernelLogs=yes", "ProtectHostname=yes", "RestrictRealtime=yes", "LockPersonality=yes",
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
	for _, l := range strings.Split(units["pkienroll-renew@.service"], "\n") {
		for _, key := range []string{"SystemCallFilter=", "RestrictNamespaces=", "MemoryDenyWriteExecute=", "CapabilityBoundingSet=",
			"PrivateDevices=", "ProtectClock=", "ProtectProc=", "RestrictAddressFamilies=", "UMask=", "SystemCallArchitectures="} {
			if strings.HasPrefix(strings.TrimSpace(l), key) {
				t.Errorf("pkienroll-renew@.service limits its hook with %q", l)
			}
		}
	}
}

// serveExposure is the most systemd-analyze security may rate
// pkienroll-serve.service (1.9 with systemd 252): root with
// CAP_DAC_OVERRIDE, Internet sockets and the host's network are what is
// left, all of which serve needs (docs/install.md).
const serveExposure = 2.0

// TestSystemdServeSecurity: systemd-analyze security, on the unit file as
// shipped, rates serve's exposure no higher than serveExposure.
func TestSystemdServeSecurity(t *testing.T) {
	analyze := testenv.LookPath(t, "systemd-analyze", "systemd")
	cmd := exec.Command(analyze, "security", "--offline=yes", "--no-pager", filepath.Join(unitDir, "pkienroll-serve.service"))
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=notice", "SYSTEMD_COLORS=0")
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "--offline") {
		testenv.Missing(t, "systemd-analyze security --offline (systemd 250 or later)")
	}
	m := regexp.MustCompile(`Overall exposure level for pkienroll-serve\.service: ([0-9.]+) `).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: %v, no overall exposure level in:\n%s", err, out)
	}
	got, perr := strconv.ParseFloat(string(m[1]), 64)
	if perr != nil || got > serveExposure {
		t.Errorf("systemd-analyze security rates pkienroll-serve.service %s, want at most %.1f:\n%s", m[1], serveExposure, out)
	}
}
