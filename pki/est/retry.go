package est

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The client's retries of an answer that asks for one: a 429 (this
// address has its share of the server) or a 503 (the server or the CA's
// lock is busy) with a Retry-After of at most maxRetryWait seconds. Either
// means the server changed nothing, so sending the same request again is
// safe, token included. A longer Retry-After (the minute of a client
// refused too often) is not waited for: the caller sees the answer.
const (
	maxRetries   = 3
	maxRetryWait = 10 * time.Second
)

// retries are the times doRetrying sent a request again because the
// server asked it to wait and retry.
type retries struct {
	// n is how many times the request was sent again.
	n int
	// waited is the time spent waiting between the sends.
	waited time.Duration
}

// doRetrying sends the request newReq makes, and again, at most maxRetries
// times, while the server answers that it should be retried soon; it waits
// as the answer says, or until ctx ends. The last answer is returned, with
// the retries made before it.
func doRetrying(ctx context.Context, hc *http.Client, newReq func() (*http.Request, error)) (*http.Response, retries, error) {
	var done retries
	for attempt := 0; ; attempt++ {
		req, err := newReq()
		if err != nil {
			return nil, done, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, done, err
		}
		wait, ok := retryAfter(resp)
		if !ok || attempt == maxRetries {
			return resp, done, nil
		}
		// Read the short refusal so that the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
		resp.Body.Close()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
			done.n++
			done.waited += wait
		case <-ctx.Done():
			t.Stop()
			return nil, done, fmt.Errorf("waiting %s to retry (%d %s): %w", wait, resp.StatusCode, http.StatusText(resp.StatusCode), ctx.Err())
		}
	}
}

// retryAfter says how long to wait before sending again what resp
// answered, when it is a 429 or 503 whose Retry-After is a number of
// seconds no greater than maxRetryWait.
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs < 0 || time.Duration(secs)*time.Second > maxRetryWait {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}
