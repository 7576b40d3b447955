package pki_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
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
