// Command estbench measures enrollments per second over HTTPS against the
// EST server of pki/est, with the store's durable writes, at several
// numbers of concurrent clients, each with a connection per enrollment and
// with its connection kept alive, and the engine's openssl flow
// (scripts/openssl-sign-flow.sh) on the same machine, for
// docs/performance.md. It prints a Markdown table. Run it from the
// repository's root (make bench does).
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/internal/loadstat"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

func main() {
	clients := flag.String("clients", "1,8,32", "numbers of concurrent clients, comma-separated")
	n := flag.Int("n", 1280, "enrollments per level and way with connections")
	flow := flag.Int("flow", 30, "runs of the openssl flow")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of each level's timed enrollments (clients and server) to this file, suffixed with .CLIENTS")
	flag.Parse()
	if err := run(*clients, *n, *flow, *cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, "estbench:", err)
		os.Exit(1)
	}
}

// startProfile starts a CPU profile into path, or does nothing when path is
// empty; the function it returns stops it.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

const caSubject = "/C=US/O=Example Inc./CN=engine.example.com.81108"

func run(levels string, n, flowRuns int, cpuprofile string) error {
	work, err := os.MkdirTemp("", "estbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	subject, err := dn.Parse(caSubject)
	if err != nil {
		return err
	}
	store, err := pki.InitStore(filepath.Join(work, "pki"), pki.InitRequest{Subject: subject})
	if err != nil {
		return err
	}
	addr, stop, err := serve(store)
	if err != nil {
		return err
	}
	defer stop()
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	b := &bench{
		server:  "https://" + addr,
		ca:      est.Fingerprint(ca),
		subject: subject,
		tokens:  est.OpenTokens(store.Dir()),
		key:     key,
		n:       n,
	}
	fmt.Println("| clients | connections | enrollments | certificates/s | p50 | p99 | CPU busy |")
	fmt.Println("|---|---|---|---|---|---|---|")
	best := map[bool]float64{}
	for _, f := range strings.Split(levels, ",") {
		c, err := strconv.Atoi(f)
		if err != nil || c < 1 {
			return fmt.Errorf("-clients: %q is not a number of clients", f)
		}
		for _, keep := range []bool{false, true} {
			profile := ""
			if cpuprofile != "" {
				profile = fmt.Sprintf("%s.%d.%s", cpuprofile, c, loadstat.Connections(keep))
			}
			r, err := b.level(c, keep, profile)
			if err != nil {
				return err
			}
			best[keep] = max(best[keep], r.Rate)
			fmt.Printf("| %d | %s | %d | %.0f | %s | %s | %.0f %% |\n", c, loadstat.Connections(keep), n, r.Rate, loadstat.Ms(r.P50), loadstat.Ms(r.P99), 100*r.busy)
		}
	}
	if flowRuns > 0 {
		perCert, err := opensslFlow(work, flowRuns)
		if err != nil {
			return err
		}
		fmt.Printf("\nopenssl flow (scripts/openssl-sign-flow.sh), %d runs one after another: %s per certificate, %.0f certificates/s; pkienroll serve's best rate above is %.1f× that with a connection per enrollment, %.1f× with connections kept alive.\n",
			flowRuns, loadstat.Ms(perCert), 1/perCert.Seconds(), best[false]*perCert.Seconds(), best[true]*perCert.Seconds())
	}
	return nil
}

// serve runs the EST server of store on a loopback port over TLS, with its
// certificate issued by the store as pkienroll serve issues it.
func serve(store *pki.Store) (string, func(), error) {
	cert, _, err := est.ServerCertificate(context.Background(), store, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	// pkienroll serve's bounds, so that their cost is measured; but every
	// client of the bench comes from 127.0.0.1, where on a network each
	// would be a host of its own, so the bounds per client address are
	// those of all clients together.
	conns := &est.ConnLimiter{MaxConns: est.DefaultMaxConns, MaxConnsPerAddr: est.DefaultMaxConns}
	ln = conns.Listener(ln)
	srv := &http.Server{
		Handler:   est.NewServer(store, est.WithMaxPerClient(est.DefaultMaxConns)),
		ConnState: conns.ConnState,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12},
		// pkienroll serve's limits (cmd/pkienroll/serve.go).
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// opensslFlow times the engine's flow signing runs requests one after
// another in a directory of its own, and returns the mean per certificate.
func opensslFlow(work string, runs int) (time.Duration, error) {
	dir := filepath.Join(work, "openssl")
	subject, err := dn.Parse(caSubject)
	if err != nil {
		return 0, err
	}
	if _, err := pki.InitStore(dir, pki.InitRequest{Subject: subject}); err != nil {
		return 0, err
	}
	cnf, err := os.ReadFile(filepath.Join("testdata", "engine", "openssl.cnf"))
	if err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "openssl.conf"), []byte(strings.ReplaceAll(string(cnf), "@PKI_DIR@", dir)), 0o644); err != nil {
		return 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "crlnumber.txt"), []byte("01\n"), 0o644); err != nil {
		return 0, err
	}
	key, err := pki.GenerateKey(pki.DefaultKeyBits)
	if err != nil {
		return 0, err
	}
	for i := range runs {
		name, err := dn.Derive(subject, fmt.Sprintf("f%03d.example.com", i))
		if err != nil {
			return 0, err
		}
		der, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: name})
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, "requests", fmt.Sprintf("f%03d.req", i)), pki.EncodeRequestPEM(der), 0o644); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	for i := range runs {
		out, err := exec.Command(filepath.Join("scripts", "openssl-sign-flow.sh"), dir, fmt.Sprintf("f%03d", i), "730").CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("openssl flow: %v: %s", err, out)
		}
	}
	return time.Since(start) / time.Duration(runs), nil
}
