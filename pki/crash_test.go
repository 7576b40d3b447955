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

	"github.com/pkienroll/pkienroll/pki"
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
	s := newTestStore(t)
	for i, name := range crashNames {
		writeRequest(t, s, name, "/C=US/O=Example Inc./CN=proxy"+strconv.Itoa(i)+".example.com")
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	seed := rng.Uint64()
	t.Logf("random delays seeded with %d", seed)
	rng = rand.New(rand.NewPCG(seed, 7))

	const kills = 20
	for i := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+s.Dir())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child %d did not start: %q %v %s", i, line, err, stderr.String())
		}
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child %d ended before it was killed: %v %s", i, err, stderr.String())
		}
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
	if before == 0 {
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
	subject, err := pki.ParseName(engineProxySubject)
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
	s := newTestStore(t)
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
	finished := 0
	for i := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnrollCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), enrollCrashChildEnv+"="+s.Dir())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child %d did not start: %q %v %s", i, line, err, stderr.String())
		}
		time.Sleep(time.Duration(rng.IntN(60_000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("child %d ended before it was killed: %v %s", i, err, stderr.String())
		}
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
	if len(storeDatabaseLines(t, s)) < 2 {
		t.Error("no child enrolled anything before it was killed: the kills tested nothing")
	}
}

// assertEnrollmentConsistent checks that keys/NAME.p12, certs/NAME.cer and
// requests/NAME.req belong together, and that no temporary file is left
// in keys/ or requests/.
func assertEnrollmentConsistent(t *testing.T, s *pki.Store, name, when string) {
	t.Helper()
	cert := readStoreCert(t, s.CertPath(name))
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
