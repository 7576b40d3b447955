package pki_test

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	cryptorand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// crashChildEnv names the PKI directory a crash-test child signs into.
const crashChildEnv = "PKIENROLL_CRASH_CHILD_DIR"

// crashNames are the requests the child signs, round and round.
var crashNames = []string{"proxy0", "proxy1", "proxy2", "proxy3"}

// TestCrashChild is not a test: it is the signing process that
// TestSignSurvivesSIGKILL starts and kills. It signs until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("helper process for TestSignSurvivesSIGKILL")
	}
	s, err := pki.OpenStore(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println("ready")
	for i := 0; ; i++ {
		name := crashNames[i%len(crashNames)]
		batch := []pki.SignRequest{{Name: name, Days: 30}}
		if i%3 == 0 { // batches too: their write phase is longer
			batch = append(batch, pki.SignRequest{Name: crashNames[(i+1)%len(crashNames)], Days: 30})
		}
		if _, err := s.SignBatch(context.Background(), batch); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		fmt.Println("done")
	}
}

// TestSignSurvivesSIGKILL kills signing processes at random moments and
// checks after each kill that the store keeps its promises: whole index
// lines, each with its certificate file, no serial twice, serial.txt past
// every issued serial, no partial certificate; and that signing goes on.
func TestSignSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 20 processes; skipped with -short")
	}
	s := pkitest.NewStore(t)
	for i, name := range crashNames {
		pkitest.WriteRequest(t, s, name, "/C=US/O=Example Inc./CN=proxy"+strconv.Itoa(i)+".example.com")
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	seed := rng.Uint64()
	t.Logf("random delays seeded with %d", seed)
	rng = rand.New(rand.NewPCG(seed, 7))

	const kills = 20
	child := crashChildCommand("TestCrashChild", crashChildEnv+"="+s.Dir())
	window := newKillWindow(t, child)
	assertStoreSound(t, s, "after the timing run")
	calibrated := len(storeDatabaseLines(t, s))
	for i := range kills {
		window.kill(t, child, rng)
		assertStoreSound(t, s, fmt.Sprintf("after kill %d", i))
	}

	before := len(storeDatabaseLines(t, s))
	if _, err := s.Sign(context.Background(), pki.SignRequest{Name: crashNames[0]}); err != nil {
		t.Fatalf("signing after the kills: %v", err)
	}
	assertStoreSound(t, s, "after the last sign")
	if after := len(storeDatabaseLines(t, s)); after != before+1 {
		t.Errorf("index has %d lines after one more signature, want %d", after, before+1)
	}
	if before == calibrated {
		t.Error("no child signed anything before it was killed: the kills tested nothing")
	}
	t.Logf("%d certificates issued across %d kills", before+1, kills)
}

func assertStoreSound(t *testing.T, s *pki.Store, when string) {
	t.Helper()
	problems, err := s.Check(context.Background())
	if err != nil {
		t.Fatalf("%s: check: %v", when, err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", when, p)
	}
}

// enrollCrashChildEnv names the PKI directory an enroll crash-test child
// enrolls into.
const enrollCrashChildEnv = "PKIENROLL_ENROLL_CRASH_CHILD_DIR"

// ecKeyGenerator makes a new P-256 key for each enrollment: as distinct as
// the RSA keys `enroll` makes, so that a bundle holding the wrong key shows,
// and far cheaper.
func ecKeyGenerator() pki.StoreOption {
	return pki.WithKeyGenerator(func(int) (crypto.Signer, error) {
		return ecdsa.GenerateKey(elliptic.P256(), cryptorand.Reader)
	})
}

// TestEnrollCrashChild is not a test: it is the enrolling process that
// TestEnrollSurvivesSIGKILL starts and kills. It enrolls until it is killed.
func TestEnrollCrashChild(t *testing.T) {
	dir := os.Getenv(enrollCrashChildEnv)
	if dir == "" {
		t.Skip("helper process for TestEnrollSurvivesSIGKILL")
	}
	s, err := pki.OpenStore(dir, ecKeyGenerator())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	subject, err := dn.Parse(pkitest.EngineProxySubject)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println("ready")
	for i := 0; ; i++ {
		req := pki.EnrollRequest{SignRequest: pki.SignRequest{Name: "proxy", Subject: subject, Days: 30}, Password: "pw", KeepKey: i%4 == 3}
		if _, err := s.Enroll(context.Background(), req); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		fmt.Println("done")
	}
}

// TestEnrollSurvivesSIGKILL kills enrolling processes at random moments (40
// kills; about one in eight lands between the certificate and the bundle).
// After each kill, `ca check` may finish the interrupted enrollment (and
// says so), after which a second check is clean, no temporary file is left
// in keys/ or requests/, and the set is consistent: the key in
// keys/proxy.p12 is the key of certs/proxy.cer, the bundle holds that very
// certificate, and requests/proxy.req is signed by that key.
func TestEnrollSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 40 processes; skipped with -short")
	}
	s := pkitest.NewStore(t)
	es, err := pki.OpenStore(s.Dir(), ecKeyGenerator())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es.Enroll(t.Context(), enrollRequest(t)); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random delays seeded with %d", seed)
	rng := rand.New(rand.NewPCG(seed, 9))

	const kills = 40
	child := crashChildCommand("TestEnrollCrashChild", enrollCrashChildEnv+"="+s.Dir())
	window := newKillWindow(t, child)
	if _, err := s.Check(t.Context()); err != nil { // may finish the timing run's enrollment
		t.Fatal(err)
	}
	assertStoreSound(t, s, "after the timing run")
	calibrated := len(storeDatabaseLines(t, s))
	finished := 0
	for i := range kills {
		window.kill(t, child, rng)
		when := fmt.Sprintf("after kill %d", i)
		problems, err := s.Check(t.Context())
		if err != nil {
			t.Fatalf("%s: check: %v", when, err)
		}
		for _, p := range problems {
			if strings.HasPrefix(p, "finished the interrupted enrollment of proxy") {
				finished++
				continue
			}
			t.Errorf("%s: %s", when, p)
		}
		assertStoreSound(t, s, when+", second check")
		assertEnrollmentConsistent(t, s, "proxy", when)
	}
	t.Logf("%d certificates issued, %d enrollments finished by ca check, across %d kills", len(storeDatabaseLines(t, s)), finished, kills)
	if len(storeDatabaseLines(t, s)) == calibrated {
		t.Error("no child enrolled anything before it was killed: the kills tested nothing")
	}
}

// assertEnrollmentConsistent checks that keys/NAME.p12, certs/NAME.cer and
// requests/NAME.req belong together, and that no temporary file is left
// in keys/ or requests/.
func assertEnrollmentConsistent(t *testing.T, s *pki.Store, name, when string) {
	t.Helper()
	cert := pkitest.ReadCert(t, s.CertPath(name))
	b, err := pki.ReadPKCS12(s.PKCS12Path(name), "pw")
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if !pki.KeyMatches(cert.PublicKey, b.Key) {
		t.Errorf("%s: the key of %s does not match %s", when, s.PKCS12Path(name), s.CertPath(name))
	}
	if !b.Certificate.Equal(cert) {
		t.Errorf("%s: %s does not hold %s", when, s.PKCS12Path(name), s.CertPath(name))
	}
	csr, err := pki.ReadRequest(s.RequestPath(name))
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if !pki.KeyMatches(csr.PublicKey, b.Key) {
		t.Errorf("%s: %s is not signed by the key of %s", when, s.RequestPath(name), s.PKCS12Path(name))
	}
	for _, dir := range []string{filepath.Dir(s.PKCS12Path(name)), filepath.Dir(s.RequestPath(name))} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".pkienroll-tmp-") {
				t.Errorf("%s: %s left in %s", when, e.Name(), dir)
			}
		}
	}
}

// crashChildCommand is the command line of a crash-test child: this test
// binary running only the child test, with env naming its PKI directory.
func crashChildCommand(test, env string) []string {
	return []string{os.Args[0], "-test.run=^" + test + "$", "-test.count=1", env}
}

// crashChild is a running crash-test child. It prints "ready" once its
// store is open, then "done" after each operation.
type crashChild struct {
	cmd    *exec.Cmd
	done   chan struct{} // one value per "done" line
	eof    chan struct{} // closed when stdout ends
	stderr *strings.Builder
}

// startCrashChild starts the child of command and waits for its "ready".
func startCrashChild(t *testing.T, command []string) *crashChild {
	t.Helper()
	cmd := exec.Command(command[0], command[1:len(command)-1]...)
	cmd.Env = append(os.Environ(), command[len(command)-1])
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &crashChild{cmd: cmd, done: make(chan struct{}, 1<<16), eof: make(chan struct{}), stderr: new(strings.Builder)}
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("crash child did not start: %q %v %s", line, err, c.stderr.String())
	}
	go func() {
		defer close(c.eof)
		for {
			line, err := out.ReadString('\n')
			if err != nil {
				return
			}
			if line == "done\n" {
				c.done <- struct{}{}
			}
		}
	}()
	return c
}

// killAfter sends SIGKILL after delay, checks that the signal, not an
// error of the child's own, ended it, and returns how many operations the
// child finished before it died.
func (c *crashChild) killAfter(t *testing.T, delay time.Duration) int {
	t.Helper()
	time.Sleep(delay)
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := c.cmd.Wait()
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("crash child ended before it was killed: %v %s", err, c.stderr.String())
	}
	<-c.eof
	return len(c.done)
}

// killWindow is the span over which kills are spread: kills land anywhere
// in a child's first operations, from opening the CA to the last rename.
// It starts at the time a child's first three operations take, and adapts
// to the machine's load as it changes (the race detector, other test
// binaries): it widens after a kill that found no operation finished, and
// narrows after one that found more than three.
type killWindow time.Duration

// next adapts the window to the operations the last kill found finished.
func (w *killWindow) next(finished int) {
	switch {
	case finished == 0 && *w < killWindow(20*time.Second):
		*w = *w * 3 / 2
	case finished > 3:
		*w = *w * 2 / 3
	}
}

// newKillWindow times a child's first three operations on this machine.
func newKillWindow(t *testing.T, command []string) *killWindow {
	t.Helper()
	c := startCrashChild(t, command)
	start := time.Now()
	for range 3 {
		select {
		case <-c.done:
		case <-time.After(2 * time.Minute):
			c.killAfter(t, 0)
			t.Fatal("crash child finished no operation in two minutes")
		}
	}
	w := killWindow(time.Since(start))
	c.killAfter(t, 0)
	t.Logf("three operations took %s", time.Duration(w))
	return &w
}

// kill starts a child of command and kills it at a random moment of the
// window, which then adapts to what the child got done.
func (w *killWindow) kill(t *testing.T, command []string, rng *rand.Rand) {
	t.Helper()
	c := startCrashChild(t, command)
	w.next(c.killAfter(t, time.Duration(rng.Int64N(int64(*w)+1))))
}
