package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.step.sm/crypto/jose"
)

// stepPeer is step-ca with a root and an intermediate (the intermediate
// signs, as `step ca init` sets it up), a JWK provisioner whose one-time
// tokens the bench signs itself as `step ca token` would, and its badger
// database (badger v2.2007.4, whose default SyncWrites syncs every write).
type stepPeer struct {
	addr   string
	root   *x509.Certificate
	jwk    *jose.JSONWebKey
	signer jose.Signer
	made   int
}

const stepProvisioner = "bench"

// stepConfig is the ca.json for a CA in dir listening on addr.
func stepConfig(dir, addr string, pub *jose.JSONWebKey) ([]byte, error) {
	cfg := map[string]any{
		"root":     filepath.Join(dir, "root_ca.crt"),
		"crt":      filepath.Join(dir, "intermediate_ca.crt"),
		"key":      filepath.Join(dir, "intermediate_ca_key"),
		"address":  addr,
		"dnsNames": []string{"127.0.0.1"},
		"logger":   map[string]any{"format": "text"},
		"db":       map[string]any{"type": "badgerv2", "dataSource": filepath.Join(dir, "db")},
		"authority": map[string]any{
			"provisioners": []any{map[string]any{"type": "JWK", "name": stepProvisioner, "key": pub}},
		},
		"tls": map[string]any{
			"cipherSuites":  []string{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
			"minVersion":    1.2,
			"maxVersion":    1.3,
			"renegotiation": false,
		},
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// startStepCA writes step-ca's files into work/step-ca and runs bin on them.
func startStepCA(ctx context.Context, work, bin string) (*stepPeer, *process, error) {
	dir := filepath.Join(work, "step-ca")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, err
	}
	root, err := newIssuer("peerbench step root", nil)
	if err != nil {
		return nil, nil, err
	}
	inter, err := newIssuer("peerbench step intermediate", root)
	if err != nil {
		return nil, nil, err
	}
	if err := root.write(filepath.Join(dir, "root_ca.crt"), filepath.Join(dir, "root_ca_key")); err != nil {
		return nil, nil, err
	}
	if err := inter.write(filepath.Join(dir, "intermediate_ca.crt"), filepath.Join(dir, "intermediate_ca_key")); err != nil {
		return nil, nil, err
	}
	jwk, err := jose.GenerateJWK("EC", "P-256", "ES256", "sig", "", 0)
	if err != nil {
		return nil, nil, err
	}
	if jwk.KeyID, err = jose.Thumbprint(jwk); err != nil {
		return nil, nil, err
	}
	pub := jwk.Public()
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := stepConfig(dir, addr, &pub)
	if err != nil {
		return nil, nil, err
	}
	cfgPath := filepath.Join(dir, "ca.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return nil, nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwk.Key},
		new(jose.SignerOptions).WithType("JWT").WithHeader("kid", jwk.KeyID))
	if err != nil {
		return nil, nil, err
	}
	p, err := start(ctx, filepath.Join(work, "step-ca.log"), addr, bin, cfgPath)
	if err != nil {
		return nil, nil, err
	}
	return &stepPeer{addr: addr, root: root.cert, jwk: jwk, signer: signer}, p, nil
}

func (*stepPeer) name() string { return "step-ca" }

// stepClaims are a JWK provisioner's one-time token's claims.
type stepClaims struct {
	jose.Claims
	SANs []string `json:"sans"`
}

func (s *stepPeer) requests(n int) ([]request, error) {
	reqs := make([]request, n)
	now := time.Now()
	for i := range reqs {
		s.made++
		cn := fmt.Sprintf("s%05d.example.com", s.made)
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return nil, err
		}
		claims := stepClaims{
			Claims: jose.Claims{
				ID:        hex.EncodeToString(id),
				Issuer:    stepProvisioner,
				Subject:   cn,
				Audience:  jose.Audience{"https://" + s.addr + "/1.0/sign"},
				IssuedAt:  jose.NewNumericDate(now),
				NotBefore: jose.NewNumericDate(now),
				Expiry:    jose.NewNumericDate(now.Add(time.Hour)),
			},
			SANs: []string{cn},
		}
		tok, err := jose.Signed(s.signer).Claims(claims).CompactSerialize()
		if err != nil {
			return nil, err
		}
		csr, err := newCSR(cn)
		if err != nil {
			return nil, err
		}
		reqs[i] = request{cn: cn, token: tok, csr: csr}
	}
	return reqs, nil
}

func (s *stepPeer) client(context.Context) (client, error) {
	return stepClient{newJSONClient("https://"+s.addr+"/1.0/sign", s.root)}, nil
}

// stepClient posts to step-ca's /1.0/sign as `step ca certificate` does.
type stepClient struct{ *jsonClient }

func (c stepClient) enroll(ctx context.Context, r request) (*x509.Certificate, error) {
	var out struct {
		Crt string `json:"crt"`
	}
	body := map[string]string{"csr": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: r.csr})), "ott": r.token}
	if err := c.post(ctx, body, 201, &out); err != nil {
		return nil, err
	}
	return parseFirstCert([]byte(out.Crt))
}
