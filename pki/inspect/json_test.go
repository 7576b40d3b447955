package inspect_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pkienroll/pkienroll/pki/inspect"
)

// inspectJSON inspects a fixture and decodes its JSON generically, as a
// script would.
func inspectJSON(t *testing.T, name string) (*inspect.Result, map[string]any) {
	t.Helper()
	in := inspectFixture(t, name)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, data)
	}
	return in, doc
}

// objectAt returns the i-th object of a decoded inspection.
func objectAt(t *testing.T, doc map[string]any, i int) map[string]any {
	t.Helper()
	objs, ok := doc["objects"].([]any)
	if !ok || len(objs) <= i {
		t.Fatalf("no object %d in %v", i, doc)
	}
	return objs[i].(map[string]any)
}

// checkFields compares fields of a decoded object with want; a nil want
// means the field must be absent.
func checkFields(t *testing.T, what string, obj map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		got, present := obj[k]
		switch {
		case w == nil && present:
			t.Errorf("%s: %s = %v, want it omitted", what, k, got)
		case w != nil && !reflect.DeepEqual(got, w):
			t.Errorf("%s: %s = %#v, want %#v", what, k, got, w)
		}
	}
}

func TestInspectJSONCertificate(t *testing.T) {
	in, doc := inspectJSON(t, "chain.pem")
	if doc["now"] != "2025-06-01T12:00:00Z" {
		t.Errorf("now = %v", doc["now"])
	}
	c := in.Objects[0].Certificate
	checkFields(t, "proxy.cer", objectAt(t, doc, 0), map[string]any{
		"kind":                "certificate",
		"encoding":            "PEM",
		"pem_type":            "CERTIFICATE",
		"subject":             "/C=US/O=Example Inc./CN=proxy.example.com",
		"issuer":              "/C=US/O=Example Inc./CN=engine.example.com.81108",
		"serial":              "1001",
		"not_before":          "2024-01-01T00:00:00Z",
		"not_after":           "2029-01-01T00:00:00Z",
		"status":              "valid",
		"time_left_seconds":   float64(time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC).Sub(inspectNow) / time.Second),
		"self_signed":         false,
		"key_type":            "RSA",
		"key_bits":            float64(2048),
		"key_curve":           nil,
		"public_key_sha256":   colonHex(c.PublicKey.SHA256),
		"subject_alt_names":   []any{"DNS:proxy.example.com", "IP:192.0.2.10"},
		"key_usage":           map[string]any{"critical": true, "usages": []any{"digitalSignature", "keyEncipherment"}},
		"ext_key_usage":       map[string]any{"critical": true, "usages": []any{"serverAuth", "clientAuth"}},
		"basic_constraints":   map[string]any{"critical": false, "ca": false},
		"subject_key_id":      colonHex(c.Extensions.SubjectKeyID),
		"authority_key_id":    colonHex(c.Extensions.AuthorityKeyID),
		"signature_algorithm": "sha256WithRSAEncryption",
		"sha256_fingerprint":  colonHex(c.SHA256),
		"subject_rdns": []any{
			[]any{map[string]any{"type": "C", "oid": "2.5.4.6", "value": "US"}},
			[]any{map[string]any{"type": "O", "oid": "2.5.4.10", "value": "Example Inc."}},
			[]any{map[string]any{"type": "CN", "oid": "2.5.4.3", "value": "proxy.example.com"}},
		},
	})
	exts := objectAt(t, doc, 0)["extensions"].([]any)
	if len(exts) != 7 || !reflect.DeepEqual(exts[1], map[string]any{"oid": "2.5.29.15", "name": "keyUsage", "critical": true}) {
		t.Errorf("extensions = %v", exts)
	}
	// The CA: lists present but empty, absent extensions omitted.
	checkFields(t, "ca.pem", objectAt(t, doc, 1), map[string]any{
		"self_signed":       true,
		"subject_alt_names": []any{},
		"ext_key_usage":     nil,
		"basic_constraints": map[string]any{"critical": true, "ca": true},
	})
}

func TestInspectJSONExpired(t *testing.T) {
	_, doc := inspectJSON(t, "ec.cer")
	checkFields(t, "ec.cer", objectAt(t, doc, 0), map[string]any{
		"status":            "expired",
		"time_left_seconds": float64(-(365*24 + 12) * 3600),
		"key_type":          "EC",
		"key_bits":          float64(256),
		"key_curve":         "P-256",
	})
}

func TestInspectJSONRequest(t *testing.T) {
	_, doc := inspectJSON(t, "proxy.req.der")
	obj := objectAt(t, doc, 0)
	checkFields(t, "proxy.req.der", obj, map[string]any{
		"kind":              "request",
		"encoding":          "DER",
		"pem_type":          nil,
		"signature_valid":   true,
		"subject_alt_names": []any{"DNS:proxy.example.com", "IP:192.0.2.10"},
		"ext_key_usage":     map[string]any{"critical": false, "usages": []any{"serverAuth", "clientAuth"}},
		"subject_key_id":    nil,
		"serial":            nil,
	})
}

func TestInspectJSONCRL(t *testing.T) {
	in, doc := inspectJSON(t, "ca.crl")
	checkFields(t, "ca.crl", objectAt(t, doc, 0), map[string]any{
		"kind":              "crl",
		"this_update":       "2025-05-01T00:00:00Z",
		"next_update":       "2025-06-30T00:00:00Z",
		"time_left_seconds": float64(in.Objects[0].CRL.TimeLeft / time.Second),
		"crl_number":        "1000",
		"revoked": []any{
			map[string]any{"serial": "1002", "revoked_at": "2025-01-15T09:30:00Z", "reason": "keyCompromise"},
			map[string]any{"serial": "1003", "revoked_at": "2025-03-01T00:00:00Z"},
		},
	})
	// Without nextUpdate or a number, those fields go; revoked stays.
	crl := &inspect.CRLInfo{ThisUpdate: inspectNow}
	data, err := json.Marshal(inspect.Object{Kind: inspect.KindCRL, CRL: crl})
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	checkFields(t, "bare CRL", obj, map[string]any{
		"next_update": nil, "time_left_seconds": nil, "crl_number": nil, "authority_key_id": nil,
		"revoked": []any{},
	})
}

func TestInspectJSONKeys(t *testing.T) {
	_, doc := inspectJSON(t, "proxy-pkcs8-encrypted.key")
	checkFields(t, "encrypted PKCS#8", objectAt(t, doc, 0), map[string]any{
		"kind":              "private_key",
		"key_type":          "encrypted private key",
		"key_bits":          nil,
		"public_key_sha256": nil,
		"format":            "PKCS#8",
		"encrypted":         true,
		"cipher":            "AES-256-CBC",
	})
	in, doc := inspectJSON(t, "ec.pub")
	checkFields(t, "ec.pub", objectAt(t, doc, 0), map[string]any{
		"kind":              "public_key",
		"key_type":          "EC",
		"key_curve":         "P-256",
		"public_key_sha256": colonHex(in.Objects[0].Key.PublicKey.SHA256),
		"encrypted":         false,
		"cipher":            nil,
	})
}

// TestInspectJSONKeysAreSnakeCase guards the schema's naming rule for
// every fixture.
func TestInspectJSONKeysAreSnakeCase(t *testing.T) {
	for _, name := range []string{"chain.pem", "proxy.req", "ca.crl", "ec.key", "ed25519.key", "proxy-legacy-encrypted.key"} {
		_, doc := inspectJSON(t, name)
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					if k != strings.ToLower(k) || strings.Contains(k, "-") || e == nil {
						t.Errorf("%s: key %q (value %v) breaks the schema's rules", name, k, e)
					}
					walk(e)
				}
			case []any:
				for _, e := range v {
					walk(e)
				}
			}
		}
		walk(doc)
	}
}
