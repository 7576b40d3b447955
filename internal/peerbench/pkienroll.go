package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
	"github.com/pkienroll/pkienroll/pki/est"
)

// pkienrollPeer is `pkienroll serve` on a PKI directory of its own, a
// process of its own as the peers are, with tokens made by the store's
// own code (as `pkienroll token create` does) before the clock.
type pkienrollPeer struct {
	// label names the binary's flavour by its signer ("Go", "OpenSSL"),
	// dir is its PKI directory.
	label, dir          string
	server, fingerprint string
	subject             dn.Name
	tokens              *est.Tokens
	made                int
}

const caSubject = "/C=US/O=Example Inc./CN=engine.example.com.81108"

// startPkienroll initializes a store in work/pkienroll-N and runs bin's
// serve on it. Every client of the bench comes from 127.0.0.1, where on a
// network each would be a host of its own, so the bounds per client
// address are raised to those of all clients together, as
// internal/estbench does.
func startPkienroll(ctx context.Context, work, bin string, n int) (*pkienrollPeer, *process, error) {
	subject, err := dn.Parse(caSubject)
	if err != nil {
		return nil, nil, err
	}
	label, err := signerOf(ctx, bin)
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(work, fmt.Sprintf("pkienroll-%d", n))
	store, err := pki.InitStore(dir, pki.InitRequest{Subject: subject})
	if err != nil {
		return nil, nil, err
	}
	ca, err := pki.ReadCertificate(store.CACertPath())
	if err != nil {
		return nil, nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	p, err := start(ctx, dir+".log", addr, bin, "serve", "--pki-dir", dir, "--listen", addr, "--host", "127.0.0.1",
		"--max-per-client", "64", "--max-conns-per-addr", "1024", "--max-failures", "0")
	if err != nil {
		return nil, nil, err
	}
	return &pkienrollPeer{label: label, dir: dir, server: "https://" + addr, fingerprint: est.Fingerprint(ca), subject: subject, tokens: est.OpenTokens(dir)}, p, nil
}

func (b *pkienrollPeer) name() string { return "pkienroll serve (" + b.label + ")" }

// signerOf names bin's CA signature as its version says: "OpenSSL" for
// make build-openssl's flavour signing through libcrypto, "Go" otherwise.
func signerOf(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "version").Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", bin, err)
	}
	if strings.Contains(string(out), "\nsignature: openssl") {
		return "OpenSSL", nil
	}
	return "Go", nil
}

func (b *pkienrollPeer) requests(n int) ([]request, error) {
	reqs := make([]request, n)
	for i := range reqs {
		b.made++
		cn := fmt.Sprintf("p%05d.example.com", b.made)
		name, err := dn.Derive(b.subject, cn)
		if err != nil {
			return nil, err
		}
		secret, _, err := b.tokens.Create(est.TokenRequest{Name: fmt.Sprintf("p%05d", b.made), Subject: name, Days: 825, TTL: time.Hour})
		if err != nil {
			return nil, err
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		csr, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: name})
		if err != nil {
			return nil, err
		}
		reqs[i] = request{cn: cn, token: secret, csr: csr}
	}
	return reqs, nil
}

func (b *pkienrollPeer) client(ctx context.Context) (client, error) {
	c, err := est.Bootstrap(ctx, b.server, b.fingerprint)
	if err != nil {
		return nil, err
	}
	return estClient{c}, nil
}

// estClient is pki/est's client, the one proxies enroll with.
type estClient struct{ c *est.Client }

func (e estClient) enroll(ctx context.Context, r request) (*x509.Certificate, error) {
	return e.c.Enroll(ctx, r.token, r.csr)
}

func (e estClient) closeIdle() { e.c.CloseIdleConnections() }
