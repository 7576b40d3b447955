// Command peerbench measures pkienroll serve against step-ca and cfssl
// serve on this machine with one load client: each server on loopback
// with an RSA-2048 CA and durable storage of what it issues, the same
// numbers of enrollments at the same numbers of concurrent clients, each
// with its connection kept alive and with a connection per enrollment,
// the servers taking turns level by level, each level (and each of its
// -rounds) started by the next server. Every request is a fresh P-256
// key's, made with its token before the clock starts. It prints a Markdown
// table of the rates, the latencies and the CPU time per certificate of
// each server and of the load clients; make bench-peers builds the peers
// pinned (scripts/build-peers.sh) and runs it from the repository's root.
package main

import (
	"context"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pkienroll/pkienroll/internal/loadstat"
)

func main() {
	var o options
	clients := flag.String("clients", "1,8,32", "numbers of concurrent clients, comma-separated")
	flag.IntVar(&o.n, "n", 1280, "enrollments per server, level, way with connections and round")
	flag.IntVar(&o.rounds, "rounds", 1, "rounds of each level, each started by the next server: the table gives the median round's rate and the percentiles and CPU times of all rounds together")
	flag.StringVar(&o.bins, "pkienroll", "bin/pkienroll", "the pkienroll binaries, comma-separated (make build's and make build-openssl's, say): each serves in its turn")
	flag.StringVar(&o.peersDir, "peers", "bench-results/peers", "directory of step-ca, cfssl and cfssl-sqlite (scripts/build-peers.sh)")
	servers := flag.String("servers", "pkienroll,step-ca,cfssl", "which servers take turns, comma-separated (one alone for a profile of it)")
	flag.DurationVar(&o.settle, "settle", 65*time.Second, "on an ext4 without a journal, the wait (after a sync) before the first turn, for the inodes deleted before the run (a build's, an earlier run's) to stop slowing creates")
	timeout := flag.Duration("timeout", 30*time.Minute, "bound of the whole run; every server is killed at its end")
	flag.Parse()
	var err error
	o.levels, err = parseLevels(*clients)
	if err == nil {
		o.only, err = parseServers(*servers)
	}
	if err == nil && (o.n < 1 || o.rounds < 1) {
		err = fmt.Errorf("-n %d -rounds %d: want at least one enrollment and one round", o.n, o.rounds)
	}
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		err = run(ctx, o)
		cancel()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

// options are the run's flags.
type options struct {
	levels []int
	// n is the enrollments per server, level, way and round; rounds the
	// rounds of each level.
	n, rounds int
	// bins are the pkienroll binaries, comma-separated; peersDir holds
	// the other servers'.
	bins, peersDir string
	// only names the servers that take turns.
	only map[string]bool
	// settle is the wait before the first turn (forgetsDeletionsSlowly).
	settle time.Duration
}

// parseLevels reads -clients.
func parseLevels(s string) ([]int, error) {
	var levels []int
	for f := range strings.SplitSeq(s, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return nil, fmt.Errorf("-clients: %q is not a number of clients", f)
		}
		levels = append(levels, c)
	}
	return levels, nil
}

// parseServers reads -servers.
func parseServers(s string) (map[string]bool, error) {
	only := map[string]bool{}
	for f := range strings.SplitSeq(s, ",") {
		switch f = strings.TrimSpace(f); f {
		case "pkienroll", "step-ca", "cfssl":
			only[f] = true
		default:
			return nil, fmt.Errorf("-servers: %q is none of pkienroll, step-ca and cfssl", f)
		}
	}
	return only, nil
}

// run starts the servers o names, waits out deleted inodes where that
// matters (forgetsDeletionsSlowly), measures every level both ways with
// connections, the servers taking turns, and prints the table and what
// each server recorded.
func run(ctx context.Context, o options) error {
	work, err := os.MkdirTemp("", "peerbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	var peers []peer
	var procs []*process
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	if o.only["pkienroll"] {
		for i, b := range strings.Split(o.bins, ",") {
			pk, p, err := startPkienroll(ctx, work, strings.TrimSpace(b), i)
			if err != nil {
				return fmt.Errorf("pkienroll serve %s: %w", b, err)
			}
			peers, procs = append(peers, pk), append(procs, p)
		}
	}
	// A peer that cannot be set up is left out with a line saying why,
	// so that the others are still measured.
	others := []struct {
		name  string
		start func() (peer, *process, error)
	}{
		{"step-ca", func() (peer, *process, error) {
			st, p, err := startStepCA(ctx, work, filepath.Join(o.peersDir, "step-ca"))
			return st, p, err
		}},
		{"cfssl", func() (peer, *process, error) {
			cf, p, err := startCfssl(ctx, work, filepath.Join(o.peersDir, "cfssl"), filepath.Join(o.peersDir, "cfssl-sqlite"))
			return cf, p, err
		}},
	}
	for _, other := range others {
		if !o.only[other.name] {
			continue
		}
		pe, p, err := other.start()
		if err != nil {
			fmt.Fprintf(os.Stderr, "peerbench: %s left out: %v\n", other.name, err)
			continue
		}
		peers, procs = append(peers, pe), append(procs, p)
	}
	if slow, err := forgetsDeletionsSlowly(work); err != nil {
		fmt.Fprintln(os.Stderr, "peerbench: cannot tell whether", work, "is on an ext4 without a journal:", err)
	} else if slow && o.settle > 0 {
		fmt.Fprintf(os.Stderr, "peerbench: %s is on an ext4 without a journal: waiting %s for the inodes deleted before this run to stop slowing creates\n", work, o.settle)
		syscall.Sync() // a freed inode whose table block is written is skipped for 60 s, not 360
		select {
		case <-time.After(o.settle):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fmt.Println("| clients | connections | server | enrollments | certificates/s | p50 | p99 | rate vs step-ca | p99 vs step-ca | server CPU per certificate | vs step-ca | client CPU per certificate |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	signedBy := map[string]*x509.Certificate{}
	turn := 0
	for _, c := range o.levels {
		for _, keep := range []bool{true, false} {
			rounds := make([][]result, len(peers))
			for range o.rounds {
				for _, i := range turnOrder(len(peers), turn) {
					r, err := level(ctx, peers[i], procs[i], o.n, c, keep)
					if err != nil {
						return fmt.Errorf("%s, %d clients: %w", peers[i].name(), c, err)
					}
					rounds[i] = append(rounds[i], r)
				}
				turn++
			}
			rs := make([]result, len(peers))
			for i := range rs {
				rs[i] = combine(rounds[i])
			}
			var step, stepP99, stepCPU float64
			for i, p := range peers {
				signedBy[p.name()] = rs[i].first
				if p.name() == "step-ca" {
					step, stepP99, stepCPU = rs[i].Rate, float64(rs[i].P99), float64(rs[i].serverPerCert())
				}
			}
			for i, p := range peers {
				r := rs[i]
				fmt.Printf("| %d | %s | %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", c, loadstat.Connections(keep), p.name(), len(r.lat), r.Rate, loadstat.Ms(r.P50), loadstat.Ms(r.P99),
					ratio(r.Rate, step), ratio(float64(r.P99), stepP99),
					cpuMs(r.serverPerCert()), ratio(float64(r.serverPerCert()), stepCPU), cpuMs(r.clientPerCert()))
			}
		}
	}
	// Each peer's store is read back, so that the table is of
	// certificates recorded and not only of answers.
	fmt.Println()
	for _, p := range peers {
		want := o.n * o.rounds * 2 * len(o.levels)
		if c := signedBy[p.name()]; c != nil {
			fmt.Printf("%s signs with %s (%s), %s.\n", p.name(), c.Issuer.CommonName, keyOf(c), c.SignatureAlgorithm)
		}
		if got := recorded(ctx, work, p); got >= 0 {
			fmt.Printf("%s recorded %d certificates of the %d it issued here.\n", p.name(), got, want)
		} else {
			fmt.Printf("%s: its records are not read back here.\n", p.name())
		}
	}
	return nil
}

// turnOrder is the order in which n servers take the turn'th level: each
// level starts one server further on, so that no server always goes first
// or last. A virtual machine's speed drifts within a run, and a server's
// turn right after another's finds that one's writes still being flushed.
func turnOrder(n, turn int) []int {
	order := make([]int, n)
	for k := range order {
		order[k] = (turn + k) % n
	}
	return order
}

// ratio is rate/base as "1.23×", or "–" without both.
func ratio(rate, base float64) string {
	if base <= 0 || rate <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", rate/base)
}

// cpuMs is a CPU time per certificate in milliseconds, or "–" where it
// was not measured.
func cpuMs(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

// keyOf names an issued certificate's issuer key by what the signature
// shows: the issuer's key is not in the leaf, but an RSA signature's
// length is the key's.
func keyOf(c *x509.Certificate) string {
	switch c.SignatureAlgorithm {
	case x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA, x509.SHA256WithRSAPSS:
		return fmt.Sprintf("RSA-%d", 8*len(c.Signature))
	}
	return "not RSA"
}
