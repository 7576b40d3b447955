package proxy

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pkienroll/pkienroll/internal/pkitest"
	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// update rewrites testdata/*.golden: go test ./pki/proxy -update
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// files are a CA and what it issued, made once for the package's tests.
type files struct {
	dir      string
	ca       string // the CA certificate
	proxyCer string // proxy.example.com
	proxyKey string
	otherCer string // other.example.com, from the same CA
	otherKey string
}

var (
	filesOnce sync.Once
	filesDir  string
	theFiles  files
	filesErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if filesDir != "" {
		os.RemoveAll(filesDir)
	}
	os.Exit(code)
}

// issued returns the package's CA and certificates, made on first use.
func issued(t *testing.T) files {
	t.Helper()
	filesOnce.Do(func() {
		if filesDir, filesErr = os.MkdirTemp("", "pkienroll-proxy-test-"); filesErr == nil {
			theFiles, filesErr = makeFiles(filesDir)
		}
	})
	if filesErr != nil {
		t.Fatalf("make certificates: %v", filesErr)
	}
	return theFiles
}

func makeFiles(dir string) (files, error) {
	caName, err := dn.Parse("/C=US/O=Example Inc./CN=engine.example.com.81108")
	if err != nil {
		return files{}, err
	}
	store, err := pki.InitStore(filepath.Join(dir, "pki"), pki.InitRequest{Subject: caName})
	if err != nil {
		return files{}, err
	}
	f := files{dir: dir, ca: store.CACertPath()}
	for _, p := range []struct {
		name, cn string
		cer, key *string
	}{{"proxy", "proxy.example.com", &f.proxyCer, &f.proxyKey}, {"other", "other.example.com", &f.otherCer, &f.otherKey}} {
		key, err := pki.GenerateKey(pki.DefaultKeyBits)
		if err != nil {
			return f, err
		}
		*p.key = filepath.Join(dir, p.name+".key")
		if err := pki.WriteKey(*p.key, key, pki.KeyEncoding{}, false); err != nil {
			return f, err
		}
		subject, err := dn.Derive(caName, p.cn)
		if err != nil {
			return f, err
		}
		req, err := pki.CreateRequest(key, pki.RequestTemplate{Subject: subject})
		if err != nil {
			return f, err
		}
		if err := os.WriteFile(store.RequestPath(p.name), pki.EncodeRequestPEM(req), 0o644); err != nil {
			return f, err
		}
		is, err := store.Sign(context.Background(), pki.SignRequest{Name: p.name, Days: 30})
		if err != nil {
			return f, err
		}
		*p.cer = is.CertPath
	}
	return f, nil
}

// squidOK has the real Squid parse conf and fails the test on any
// complaint or warning.
func squidOK(t *testing.T, conf []byte) {
	t.Helper()
	warnings, err := SquidParse(context.Background(), pkitest.NeedSquid(t, FindSquid()), conf)
	if err != nil {
		t.Fatalf("%v\n%s", err, conf)
	}
	if len(warnings) > 0 {
		t.Errorf("squid -k parse warns: %q", warnings)
	}
}
