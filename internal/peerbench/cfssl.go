package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// cfsslPeer is `cfssl serve` signing with an RSA-2048 CA, recording each
// certificate in its sqlite certificate database as cfssl ships it: with
// go-sqlite3's default synchronous=NORMAL, which syncs less often than
// FULL, so a power failure may lose the last records.
type cfsslPeer struct {
	addr string
	root *x509.Certificate
	made int
}

// gooseUp is the SQL of a goose migration's Up section.
func gooseUp(migration string) (string, error) {
	var b strings.Builder
	in := false
	seen := false
	for line := range strings.Lines(migration) {
		switch strings.TrimSpace(line) {
		case "-- +goose Up":
			in, seen = true, true
			continue
		case "-- +goose Down":
			in = false
			continue
		}
		if in {
			b.WriteString(line)
		}
	}
	if !seen {
		return "", errors.New("no -- +goose Up section")
	}
	return b.String(), nil
}

// cfsslSchema is the SQL of every migration in dir, in their order.
func cfsslSchema(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return "", err
	}
	if len(files) == 0 {
		return "", fmt.Errorf("%s: no migrations (run scripts/build-peers.sh)", dir)
	}
	sort.Strings(files)
	var all strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		up, err := gooseUp(string(b))
		if err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		all.WriteString(up)
	}
	return all.String(), nil
}

// startCfssl writes cfssl's files into work/cfssl, makes its database with
// sqlite3 and the migrations in migrations, and runs bin serve on them.
func startCfssl(ctx context.Context, work, bin, migrations string) (*cfsslPeer, *process, error) {
	dir := filepath.Join(work, "cfssl")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	ca, err := newIssuer("peerbench cfssl CA", nil)
	if err != nil {
		return nil, nil, err
	}
	if err := ca.write(filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")); err != nil {
		return nil, nil, err
	}
	certPEM, keyPEM, err := ca.serverCert()
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.pem"), certPEM, 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls-key.pem"), keyPEM, 0o600); err != nil {
		return nil, nil, err
	}
	schema, err := cfsslSchema(migrations)
	if err != nil {
		return nil, nil, err
	}
	db := filepath.Join(dir, "certs.db")
	sq := exec.CommandContext(ctx, "sqlite3", db)
	sq.Stdin = strings.NewReader(schema)
	if out, err := sq.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("sqlite3 %s: %v: %s", db, err, out)
	}
	files := map[string]any{
		"db.json": map[string]string{"driver": "sqlite3", "data_source": db},
		"config.json": map[string]any{"signing": map[string]any{"default": map[string]any{
			"expiry": "8760h",
			"usages": []string{"digital signature", "key encipherment", "server auth", "client auth"},
		}}},
	}
	for name, v := range files {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return nil, nil, err
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	p, err := start(ctx, filepath.Join(work, "cfssl.log"), addr, bin, "serve", "-address", host, "-port", port,
		"-ca", filepath.Join(dir, "ca.pem"), "-ca-key", filepath.Join(dir, "ca-key.pem"),
		"-config", filepath.Join(dir, "config.json"), "-db-config", filepath.Join(dir, "db.json"),
		"-tls-cert", filepath.Join(dir, "tls.pem"), "-tls-key", filepath.Join(dir, "tls-key.pem"), "-min-tls-version", "1.2")
	if err != nil {
		return nil, nil, err
	}
	return &cfsslPeer{addr: addr, root: ca.cert}, p, nil
}

func (*cfsslPeer) name() string { return "cfssl serve" }

// cfssl's sign endpoint takes no token: it is measured without one.
func (c *cfsslPeer) requests(n int) ([]request, error) {
	reqs := make([]request, n)
	for i := range reqs {
		c.made++
		cn := fmt.Sprintf("c%05d.example.com", c.made)
		csr, err := newCSR(cn)
		if err != nil {
			return nil, err
		}
		reqs[i] = request{cn: cn, csr: csr}
	}
	return reqs, nil
}

func (c *cfsslPeer) client(context.Context) (client, error) {
	return cfsslClient{newJSONClient("https://"+c.addr+"/api/v1/cfssl/sign", c.root)}, nil
}

// cfsslClient posts to cfssl's /api/v1/cfssl/sign as `cfssl sign -remote` does.
type cfsslClient struct{ *jsonClient }

func (c cfsslClient) enroll(ctx context.Context, r request) (*x509.Certificate, error) {
	var out struct {
		Success bool `json:"success"`
		Result  struct {
			Certificate string `json:"certificate"`
		} `json:"result"`
	}
	body := map[string]any{"certificate_request": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: r.csr})), "hosts": []string{r.cn}}
	if err := c.post(ctx, body, 200, &out); err != nil {
		return nil, err
	}
	if !out.Success {
		return nil, fmt.Errorf("cfssl: %w: success false", errStatus)
	}
	return parseFirstCert([]byte(out.Result.Certificate))
}
