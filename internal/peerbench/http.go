package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"time"
)

// jsonClient posts JSON to a peer's signing endpoint over HTTPS/1.1 (as
// pki/est's client speaks to pkienroll serve), trusting only root.
type jsonClient struct {
	url string
	hc  *http.Client
	tr  *http.Transport
}

func newJSONClient(url string, root *x509.Certificate) *jsonClient {
	pool := x509.NewCertPool()
	pool.AddCert(root)
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 1,
		IdleConnTimeout:     time.Minute,
	}
	return &jsonClient{url: url, hc: &http.Client{Transport: tr, Timeout: time.Minute}, tr: tr}
}

// post sends body and decodes a response of status want into out.
func (c *jsonClient) post(ctx context.Context, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		if len(rb) > 300 {
			rb = rb[:300]
		}
		return fmt.Errorf("%s: %w: %s: %q", c.url, errStatus, resp.Status, rb)
	}
	return json.Unmarshal(rb, out)
}

func (c *jsonClient) closeIdle() { c.tr.CloseIdleConnections() }

// parseFirstCert parses the first PEM certificate of b, so that a peer's
// answer counts only when it is a certificate.
func parseFirstCert(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: no PEM certificate", errStatus)
	}
	return x509.ParseCertificate(block.Bytes)
}
