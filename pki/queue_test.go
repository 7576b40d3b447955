package pki_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
)

// waitArrived waits until n requests have reached q: queued, or taken
// into a batch.
func waitArrived(t *testing.T, q *pki.SignQueue, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for q.Queued()+int(q.Taken()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests arrived after 10 s, want %d", q.Queued()+int(q.Taken()), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// queueAll signs reqs through q from one goroutine each and returns each
// answer.
func queueAll(q *pki.SignQueue, reqs []pki.SignRequest) ([]*pki.Issued, []error) {
	issued := make([]*pki.Issued, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() { issued[i], errs[i] = q.Sign(context.Background(), req) })
	}
	wg.Wait()
	return issued, errs
}

// queueBehindLock signs reqs through q while another signer holds the
// store's lock, which it lets go once arrived of them have reached q, and
// returns each answer.
func queueBehindLock(t *testing.T, s *pki.Store, q *pki.SignQueue, reqs []pki.SignRequest, arrived int) ([]*pki.Issued, []error) {
	t.Helper()
	release := pkitest.HoldLock(t, s.CACertPath())
	var issued []*pki.Issued
	var errs []error
	done := make(chan struct{})
	go func() { issued, errs = queueAll(q, reqs); close(done) }()
	waitArrived(t, q, arrived)
	release()
	<-done
	return issued, errs
}

// queueRequests writes a request for each name and returns what signs it.
func queueRequests(t testing.TB, s *pki.Store, names ...string) []pki.SignRequest {
	t.Helper()
	reqs := make([]pki.SignRequest, len(names))
	for i, name := range names {
		pkitest.WriteRequest(t, s, name, fmt.Sprintf("/C=US/O=Example Inc./CN=%s.example.com", name))
		reqs[i] = pki.SignRequest{Name: name}
	}
	return reqs
}

func names(prefix string, n int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return l
}

// assertConsecutive checks that issued have distinct serials that follow
// one another, each its request's, each a line of the index, and that the
// store is clean and openssl verifies them.
func assertConsecutive(t *testing.T, s *pki.Store, reqs []pki.SignRequest, issued []*pki.Issued) {
	t.Helper()
	var serials []int64
	for i, is := range issued {
		if is.Name != reqs[i].Name {
			t.Errorf("request %s got the certificate of %s", reqs[i].Name, is.Name)
		}
		onDisk := pkitest.ReadCert(t, s.CertPath(is.Name))
		if !onDisk.Equal(is.Certificate) {
			t.Errorf("%s: certs/%s.cer is not the certificate returned", is.Name, is.Name)
		}
		serials = append(serials, is.Certificate.SerialNumber.Int64())
	}
	slices.Sort(serials)
	for i := 1; i < len(serials); i++ {
		if serials[i] != serials[i-1]+1 {
			t.Errorf("serials %v do not follow one another", serials)
			break
		}
	}
	if n := len(storeDatabaseLines(t, s)); n != len(issued) {
		t.Errorf("%d index lines, want %d", n, len(issued))
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) > 0 {
		t.Errorf("check: %v %q", err, problems)
	}
	files := make([]string, len(issued))
	for i, is := range issued {
		files[i] = is.CertPath
	}
	assertVerifies(t, s.CACertPath(), files...)
}

// TestSignQueueGroupsConcurrentRequests: requests that arrive while the
// lock is busy are signed together, in as few holds of the lock as the
// bound on a batch allows, each with its own serial.
func TestSignQueueGroupsConcurrentRequests(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	reqs := queueRequests(t, s, names("proxy", 24)...)
	q := s.NewSignQueue()
	issued, errs := queueBehindLock(t, s, q, reqs, len(reqs))
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", reqs[i].Name, err)
		}
	}
	// The first request's batch waits for the lock; the others queue
	// behind it and fill as few batches as they can.
	want := 1 + (len(reqs)-1+q.MaxBatch()-1)/q.MaxBatch()
	if n := q.Batches(); n > int64(want) {
		t.Errorf("%d requests queued behind the lock took %d batches of at most %d, want at most %d", len(reqs), n, q.MaxBatch(), want)
	}
	assertConsecutive(t, s, reqs, issued)
}

// TestSignQueueUnderLoad: many callers at once, each with its own request,
// from several rounds; every certificate has its own serial and index line.
func TestSignQueueUnderLoad(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	reqs := queueRequests(t, s, names("host", 60)...)
	q := s.NewSignQueue()
	issued := make([]*pki.Issued, len(reqs))
	errs := make([]error, len(reqs))
	var wg sync.WaitGroup
	for c := range 12 {
		wg.Go(func() {
			for i := c; i < len(reqs); i += 12 {
				issued[i], errs[i] = q.Sign(context.Background(), reqs[i])
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", reqs[i].Name, err)
		}
	}
	assertConsecutive(t, s, reqs, issued)
}

// TestSignQueueIsolatesFailures: a refused request fails alone; the others
// of its batch are signed; and two requests of one name, which no batch may
// hold twice, are both signed, one after the other.
func TestSignQueueIsolatesFailures(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	reqs := queueRequests(t, s, "a", "b", "c", "d")
	// certs/d.cer is a directory: d's batch fails when it writes, and d
	// alone is refused.
	if err := os.Mkdir(s.CertPath("d"), 0o755); err != nil {
		t.Fatal(err)
	}
	reqs = append(reqs, pki.SignRequest{Name: "missing"}, pki.SignRequest{Name: "a"})
	q := s.NewSignQueue()
	issued, errs := queueBehindLock(t, s, q, reqs, 5) // "missing" is refused before it queues
	for i, err := range errs {
		switch reqs[i].Name {
		case "missing":
			if !errors.Is(err, pki.ErrNoRequest) {
				t.Errorf("missing request: %v, want ErrNoRequest", err)
			}
		case "d":
			if err == nil {
				t.Error("d was signed over a directory")
			}
		default:
			if err != nil {
				t.Errorf("%s: %v", reqs[i].Name, err)
			}
		}
	}
	if errs[0] == nil && errs[5] == nil && issued[0].Serial == issued[5].Serial {
		t.Errorf("both requests of a got serial %s", issued[0].Serial)
	}
	if err := os.Remove(s.CertPath("d")); err != nil {
		t.Fatal(err)
	}
	if problems, err := s.Check(t.Context()); err != nil || len(problems) > 0 {
		t.Errorf("check: %v %q", err, problems)
	}
}

// TestSignQueueDropsCancelledRequests: a request whose context ends while
// it is queued is answered with the context's error and never signed.
func TestSignQueueDropsCancelledRequests(t *testing.T) {
	t.Parallel()
	s := pkitest.NewStore(t)
	queueRequests(t, s, "first", "late")
	q := s.NewSignQueue()
	release := pkitest.HoldLock(t, s.CACertPath())
	first := make(chan error, 1)
	go func() { _, err := q.Sign(context.Background(), pki.SignRequest{Name: "first"}); first <- err }()
	waitArrived(t, q, 1) // "first" takes the batch that waits for the lock
	ctx, cancel := context.WithCancel(context.Background())
	late := make(chan error, 1)
	go func() { _, err := q.Sign(ctx, pki.SignRequest{Name: "late"}); late <- err }()
	waitArrived(t, q, 2)
	cancel()
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-late; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled request: %v, want context.Canceled", err)
	}
	if _, err := pki.ReadCertificate(s.CertPath("late")); err == nil {
		t.Error("the cancelled request was signed")
	}
}
