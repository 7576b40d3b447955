package inspect

import (
	"encoding/json"
	"time"

	"github.com/pkienroll/pkienroll/pki"
	"github.com/pkienroll/pkienroll/pki/dn"
)

// The JSON of an inspection is a stable schema that scripts rely on; it is
// documented field by field in docs/cli.md (section inspect JSON). Its
// rules:
//   - keys are snake_case; times are RFC 3339 in UTC; durations are whole
//     seconds in fields named *_seconds; serials, CRL numbers, key IDs and
//     fingerprints are uppercase hex strings (IDs and fingerprints with
//     colons, as openssl prints them);
//   - lists (subject_alt_names, extensions, revoked, usages) are always
//     present, [] when empty;
//   - a field that does not apply or is unknown (an absent extension, the
//     size of an encrypted key, a CRL without nextUpdate) is omitted,
//     never null;
//   - booleans are always present.
// Changing a field's meaning or removing one is a breaking change; adding
// one is not.

// inspectionJSON is the top-level object.
type inspectionJSON struct {
	Now     string   `json:"now"`
	Objects []Object `json:"objects"`
}

// MarshalJSON encodes the inspection as {"now": ..., "objects": [...]}.
func (in *Result) MarshalJSON() ([]byte, error) {
	objs := in.Objects
	if objs == nil {
		objs = []Object{}
	}
	return json.Marshal(inspectionJSON{Now: jsonTime(in.Now), Objects: objs})
}

type objectHeaderJSON struct {
	Kind     Kind   `json:"kind"`
	Encoding string `json:"encoding"`
	PEMType  string `json:"pem_type,omitempty"`
}

type publicKeyJSON struct {
	KeyType         string `json:"key_type"`
	KeyBits         int    `json:"key_bits,omitempty"`
	KeyCurve        string `json:"key_curve,omitempty"`
	PublicKeySHA256 string `json:"public_key_sha256,omitempty"`
}

type usageJSON struct {
	Critical bool     `json:"critical"`
	Usages   []string `json:"usages"`
}

type basicConstraintsJSON struct {
	Critical   bool `json:"critical"`
	CA         bool `json:"ca"`
	MaxPathLen *int `json:"max_path_len,omitempty"`
}

type extensionJSON struct {
	OID      string `json:"oid"`
	Name     string `json:"name"`
	Critical bool   `json:"critical"`
}

type extensionsJSON struct {
	SubjectAltNames  []string              `json:"subject_alt_names"`
	KeyUsage         *usageJSON            `json:"key_usage,omitempty"`
	ExtKeyUsage      *usageJSON            `json:"ext_key_usage,omitempty"`
	BasicConstraints *basicConstraintsJSON `json:"basic_constraints,omitempty"`
	SubjectKeyID     string                `json:"subject_key_id,omitempty"`
	AuthorityKeyID   string                `json:"authority_key_id,omitempty"`
	Extensions       []extensionJSON       `json:"extensions"`
}

type certificateJSON struct {
	objectHeaderJSON
	Subject         string  `json:"subject"`
	SubjectRDNs     dn.Name `json:"subject_rdns"`
	Issuer          string  `json:"issuer"`
	IssuerRDNs      dn.Name `json:"issuer_rdns"`
	Serial          string  `json:"serial"`
	NotBefore       string  `json:"not_before"`
	NotAfter        string  `json:"not_after"`
	Status          string  `json:"status"`
	TimeLeftSeconds int64   `json:"time_left_seconds"`
	SelfSigned      bool    `json:"self_signed"`
	publicKeyJSON
	extensionsJSON
	SignatureAlgorithm string `json:"signature_algorithm"`
	SHA256Fingerprint  string `json:"sha256_fingerprint"`
}

type requestJSON struct {
	objectHeaderJSON
	Subject     string  `json:"subject"`
	SubjectRDNs dn.Name `json:"subject_rdns"`
	publicKeyJSON
	extensionsJSON
	SignatureAlgorithm  string `json:"signature_algorithm"`
	SignatureValid      bool   `json:"signature_valid"`
	SignatureNotChecked string `json:"signature_not_checked,omitempty"`
}

type revokedJSON struct {
	Serial    string `json:"serial"`
	RevokedAt string `json:"revoked_at"`
	Reason    string `json:"reason,omitempty"`
}

type crlJSON struct {
	objectHeaderJSON
	Issuer             string        `json:"issuer"`
	IssuerRDNs         dn.Name       `json:"issuer_rdns"`
	ThisUpdate         string        `json:"this_update"`
	NextUpdate         string        `json:"next_update,omitempty"`
	TimeLeftSeconds    *int64        `json:"time_left_seconds,omitempty"`
	CRLNumber          string        `json:"crl_number,omitempty"`
	AuthorityKeyID     string        `json:"authority_key_id,omitempty"`
	SignatureAlgorithm string        `json:"signature_algorithm"`
	Revoked            []revokedJSON `json:"revoked"`
	SHA256Fingerprint  string        `json:"sha256_fingerprint"`
}

type keyJSON struct {
	objectHeaderJSON
	publicKeyJSON
	Format    string `json:"format"`
	Encrypted bool   `json:"encrypted"`
	Cipher    string `json:"cipher,omitempty"`
}

// MarshalJSON encodes o as one flat object whose "kind" says which fields
// follow (docs/cli.md, section inspect JSON).
func (o Object) MarshalJSON() ([]byte, error) {
	h := objectHeaderJSON{Kind: o.Kind, Encoding: "DER", PEMType: o.PEMType}
	if o.PEMType != "" {
		h.Encoding = "PEM"
	}
	switch {
	case o.Certificate != nil:
		c := o.Certificate
		return json.Marshal(certificateJSON{
			objectHeaderJSON:   h,
			Subject:            c.Subject.String(),
			SubjectRDNs:        c.Subject,
			Issuer:             c.Issuer.String(),
			IssuerRDNs:         c.Issuer,
			Serial:             pki.FormatSerial(c.Serial),
			NotBefore:          jsonTime(c.NotBefore),
			NotAfter:           jsonTime(c.NotAfter),
			Status:             string(c.Status),
			TimeLeftSeconds:    seconds(c.TimeLeft),
			SelfSigned:         c.SelfSigned,
			publicKeyJSON:      publicKeyToJSON(c.PublicKey),
			extensionsJSON:     extensionsToJSON(c.Extensions),
			SignatureAlgorithm: c.SignatureAlgorithm,
			SHA256Fingerprint:  colonHex(c.SHA256),
		})
	case o.Request != nil:
		r := o.Request
		return json.Marshal(requestJSON{
			objectHeaderJSON:    h,
			Subject:             r.Subject.String(),
			SubjectRDNs:         r.Subject,
			publicKeyJSON:       publicKeyToJSON(r.PublicKey),
			extensionsJSON:      extensionsToJSON(r.Extensions),
			SignatureAlgorithm:  r.SignatureAlgorithm,
			SignatureValid:      r.SignatureValid,
			SignatureNotChecked: r.SignatureNotChecked,
		})
	case o.CRL != nil:
		return json.Marshal(crlToJSON(h, o.CRL))
	case o.Key != nil:
		k := o.Key
		return json.Marshal(keyJSON{
			objectHeaderJSON: h,
			publicKeyJSON:    publicKeyToJSON(k.PublicKey),
			Format:           k.Format,
			Encrypted:        k.Encrypted,
			Cipher:           k.Cipher,
		})
	}
	return json.Marshal(h)
}

func crlToJSON(h objectHeaderJSON, c *CRLInfo) crlJSON {
	out := crlJSON{
		objectHeaderJSON:   h,
		Issuer:             c.Issuer.String(),
		IssuerRDNs:         c.Issuer,
		ThisUpdate:         jsonTime(c.ThisUpdate),
		AuthorityKeyID:     colonHex(c.AuthorityKeyID),
		SignatureAlgorithm: c.SignatureAlgorithm,
		Revoked:            make([]revokedJSON, 0, len(c.Revoked)),
		SHA256Fingerprint:  colonHex(c.SHA256),
	}
	if !c.NextUpdate.IsZero() {
		out.NextUpdate = jsonTime(c.NextUpdate)
		left := seconds(c.TimeLeft)
		out.TimeLeftSeconds = &left
	}
	if c.Number != nil {
		out.CRLNumber = pki.FormatSerial(c.Number)
	}
	for _, r := range c.Revoked {
		out.Revoked = append(out.Revoked, revokedJSON{Serial: pki.FormatSerial(r.Serial), RevokedAt: jsonTime(r.RevokedAt), Reason: r.Reason})
	}
	return out
}

func publicKeyToJSON(p PublicKeyInfo) publicKeyJSON {
	return publicKeyJSON{KeyType: p.Algorithm, KeyBits: p.Bits, KeyCurve: p.Curve, PublicKeySHA256: colonHex(p.SHA256)}
}

func extensionsToJSON(e ExtensionsInfo) extensionsJSON {
	out := extensionsJSON{
		SubjectAltNames: e.SANs.List(),
		SubjectKeyID:    colonHex(e.SubjectKeyID),
		AuthorityKeyID:  colonHex(e.AuthorityKeyID),
		Extensions:      make([]extensionJSON, 0, len(e.All)),
	}
	if u := e.KeyUsage; u != nil {
		out.KeyUsage = &usageJSON{Critical: u.Critical, Usages: nonNil(u.Usages)}
	}
	if u := e.ExtKeyUsage; u != nil {
		out.ExtKeyUsage = &usageJSON{Critical: u.Critical, Usages: nonNil(u.Usages)}
	}
	if bc := e.BasicConstraints; bc != nil {
		out.BasicConstraints = &basicConstraintsJSON{Critical: bc.Critical, CA: bc.CA}
		if bc.MaxPathLen >= 0 {
			n := bc.MaxPathLen
			out.BasicConstraints.MaxPathLen = &n
		}
	}
	for _, x := range e.All {
		out.Extensions = append(out.Extensions, extensionJSON(x))
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// seconds truncates d to whole seconds.
func seconds(d time.Duration) int64 { return int64(d / time.Second) }
