package metrics

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
)

// Handler serves the collectors' metrics in the text format, gathered
// afresh at each request, as client_golang's promhttp does with
// ContinueOnError: what could be gathered is served, and the error, if
// any, is told to onError (nil: not told). At most maxInFlight scrapes
// run at once (0: no bound); one more is answered 503. A client that
// accepts gzip gets the text gzipped.
func Handler(maxInFlight int, onError func(error), cs ...Collector) http.Handler {
	var slots chan struct{}
	if maxInFlight > 0 {
		slots = make(chan struct{}, maxInFlight)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slots != nil {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			default:
				http.Error(w, fmt.Sprintf("Limit of concurrent requests reached (%d), try again later.", maxInFlight), http.StatusServiceUnavailable)
				return
			}
		}
		fams, err := Gather(cs...)
		if err != nil && onError != nil {
			onError(err)
		}
		var body bytes.Buffer
		if err := WriteText(&body, fams); err != nil {
			http.Error(w, "An error has occurred while serving metrics: "+err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ContentType)
		h.Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r) {
			_, _ = w.Write(body.Bytes())
			return
		}
		h.Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		_, _ = gz.Write(body.Bytes())
		_ = gz.Close()
	})
}

// acceptsGzip reports whether the request's Accept-Encoding names gzip
// with a weight above 0.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
