package pki

import (
	"crypto"
	"crypto/sha1" //nolint:gosec // RFC 5280 method 1 key identifier, not a signature
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
)

// subjectKeyID is the RFC 5280 (4.2.1.2, method 1) key identifier: the
// SHA-1 of the subjectPublicKey bits, what openssl's
// `subjectKeyIdentifier = hash` writes.
//
// x509util.GenerateSubjectKeyID computes the same, but importing x509util
// links text/template and sprig into the command and costs every
// `pkienroll` process about two milliseconds of start-up (docs/performance.md).
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("subject key identifier: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("subject key identifier: %w", err)
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:], nil
}

// oidAuthorityKeyID is the authorityKeyIdentifier extension (RFC 5280 4.2.1.1).
var oidAuthorityKeyID = asn1.ObjectIdentifier{2, 5, 29, 35}

// Context-specific tags of the AuthorityKeyIdentifier fields and of the
// directoryName choice of GeneralName.
const (
	akiTagKeyID    = 0
	akiTagIssuer   = 1
	akiTagSerial   = 2
	gnTagDirName   = 4
	classContext   = asn1.ClassContextSpecific
	classUniversal = asn1.ClassUniversal
)

// AuthorityKeyID is what an authority key identifier extension says of the
// certificate that issued the one carrying it.
type AuthorityKeyID struct {
	// KeyID is the issuer's subject key identifier.
	KeyID []byte
	// Issuer is the DER name of the issuer's own issuer (for a root CA, its
	// subject), nil when the extension names none.
	Issuer []byte
	// Serial is the issuer certificate's serial, nil when not named.
	Serial *big.Int
}

// authorityKeyIDOf is the identifier of issuer as the engine's templates
// write it (`authorityKeyIdentifier = keyid:always,issuer:always`): the
// issuer's key identifier, its issuer's name and its serial, so that
// `openssl verify` links a certificate to that one CA certificate.
func authorityKeyIDOf(issuer *x509.Certificate) (pkix.Extension, error) {
	return AuthorityKeyID{KeyID: issuer.SubjectKeyId, Issuer: issuer.RawIssuer, Serial: issuer.SerialNumber}.extension()
}

// extension encodes the identifier; crypto/x509 writes the key identifier
// alone, so the whole extension goes in ExtraExtensions, which replaces
// crypto/x509's own. The fields are IMPLICIT tags: each is encoding/asn1's
// encoding of its type with the tag changed.
func (a AuthorityKeyID) extension() (pkix.Extension, error) {
	var fields []asn1.RawValue
	if len(a.KeyID) > 0 {
		fields = append(fields, asn1.RawValue{Class: classContext, Tag: akiTagKeyID, Bytes: a.KeyID})
	}
	if a.Issuer != nil {
		dirName, err := asn1.Marshal(asn1.RawValue{Class: classContext, Tag: gnTagDirName, IsCompound: true, Bytes: a.Issuer})
		if err != nil {
			return pkix.Extension{}, fmt.Errorf("authority key identifier: %w", err)
		}
		fields = append(fields, asn1.RawValue{Class: classContext, Tag: akiTagIssuer, IsCompound: true, Bytes: dirName})
	}
	if a.Serial != nil {
		var integer asn1.RawValue
		der, err := asn1.Marshal(a.Serial)
		if err == nil {
			_, err = asn1.Unmarshal(der, &integer)
		}
		if err != nil {
			return pkix.Extension{}, fmt.Errorf("authority key identifier: %w", err)
		}
		fields = append(fields, asn1.RawValue{Class: classContext, Tag: akiTagSerial, Bytes: integer.Bytes})
	}
	value, err := asn1.Marshal(fields)
	if err != nil {
		return pkix.Extension{}, fmt.Errorf("authority key identifier: %w", err)
	}
	return pkix.Extension{Id: oidAuthorityKeyID, Value: value}, nil
}

// ParseAuthorityKeyID reads cert's authority key identifier extension; ok
// is false when there is none. A directoryName is the only issuer form
// returned (the only one the engine's templates write). A nil cert has none.
func ParseAuthorityKeyID(cert *x509.Certificate) (aki AuthorityKeyID, ok bool, err error) {
	if cert == nil {
		return aki, false, nil
	}
	for _, ext := range cert.Extensions {
		if ext.Id.Equal(oidAuthorityKeyID) {
			aki, err = parseAuthorityKeyID(ext.Value)
			return aki, true, err
		}
	}
	return aki, false, nil
}

func parseAuthorityKeyID(value []byte) (AuthorityKeyID, error) {
	var aki AuthorityKeyID
	var fields []asn1.RawValue
	if rest, err := asn1.Unmarshal(value, &fields); err != nil || len(rest) > 0 {
		return aki, fmt.Errorf("authority key identifier: malformed")
	}
	for _, f := range fields {
		if f.Class != classContext {
			return aki, fmt.Errorf("authority key identifier: unexpected field")
		}
		switch f.Tag {
		case akiTagKeyID:
			aki.KeyID = f.Bytes
		case akiTagIssuer:
			for rest := f.Bytes; len(rest) > 0; {
				var name asn1.RawValue
				var err error
				if rest, err = asn1.Unmarshal(rest, &name); err != nil {
					return aki, fmt.Errorf("authority key identifier: malformed issuer")
				}
				if name.Class == classContext && name.Tag == gnTagDirName && aki.Issuer == nil {
					aki.Issuer = name.Bytes
				}
			}
		case akiTagSerial:
			der, err := asn1.Marshal(asn1.RawValue{Class: classUniversal, Tag: asn1.TagInteger, Bytes: f.Bytes})
			if err == nil {
				aki.Serial = new(big.Int)
				_, err = asn1.Unmarshal(der, &aki.Serial)
			}
			if err != nil {
				return aki, fmt.Errorf("authority key identifier: malformed serial")
			}
		}
	}
	return aki, nil
}
