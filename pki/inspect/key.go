package inspect

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"strings"
)

// This file describes keys, encrypted ones included, from their public
// half and their headers only: nothing here decrypts or keeps private
// material.

func sha256Sum(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}

// describePublicKey describes pub; spki is its DER SubjectPublicKeyInfo,
// marshalled from pub when nil, and algorithm names a key crypto/x509
// parses but we do not describe (DSA).
func describePublicKey(pub crypto.PublicKey, spki []byte, algorithm string) PublicKeyInfo {
	var info PublicKeyInfo
	switch k := pub.(type) {
	case *rsa.PublicKey:
		info.Algorithm, info.Bits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		info.Algorithm, info.Bits, info.Curve = "EC", k.Curve.Params().BitSize, k.Curve.Params().Name
	case ed25519.PublicKey:
		info.Algorithm, info.Bits = "Ed25519", 256
	case *ecdh.PublicKey:
		info.Algorithm = strings.TrimPrefix(fmt.Sprint(k.Curve()), "ecdh.")
		if info.Algorithm == "X25519" {
			info.Bits = 256
		}
	default:
		info.Algorithm = algorithm
		if algorithm == "" {
			info.Algorithm = "unknown"
		}
	}
	if spki == nil {
		spki, _ = x509.MarshalPKIXPublicKey(pub)
	}
	if spki != nil {
		info.SHA256 = sha256Sum(spki)
	}
	return info
}

// parsePrivateKeyDER reads an unencrypted private key in the format its
// PEM type names and keeps only the public half.
func parsePrivateKeyDER(pemType string, der []byte) (*KeyInfo, error) {
	var key any
	var err error
	var format string
	switch pemType {
	case "RSA PRIVATE KEY":
		format = "PKCS#1"
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		format = "SEC 1"
		key, err = x509.ParseECPrivateKey(der)
	default:
		format = "PKCS#8"
		key, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(interface{ Public() crypto.PublicKey })
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
	return &KeyInfo{Format: format, PublicKey: describePublicKey(signer.Public(), nil, "")}, nil
}

func parsePublicKeyDER(pemType string, der []byte) (*KeyInfo, error) {
	if pemType == "RSA PUBLIC KEY" {
		pub, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			return nil, err
		}
		return &KeyInfo{Format: "PKCS#1", PublicKey: describePublicKey(pub, nil, "")}, nil
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	return &KeyInfo{Format: "SubjectPublicKeyInfo", PublicKey: describePublicKey(pub, der, "")}, nil
}

// describeLegacyEncrypted reads what the headers of an OpenSSL 1.x
// encrypted PEM key tell: the algorithm (from the block type) and the
// cipher (from DEK-Info). The body is not decrypted.
func describeLegacyEncrypted(block *pem.Block) *KeyInfo {
	info := &KeyInfo{Format: "PKCS#1", Encrypted: true, PublicKey: PublicKeyInfo{Algorithm: "RSA"}}
	if block.Type == "EC PRIVATE KEY" {
		info.Format, info.PublicKey.Algorithm = "SEC 1", "EC"
	}
	info.Cipher, _, _ = strings.Cut(block.Headers["DEK-Info"], ",")
	return info
}

// encryptedPrivateKeyInfo and pbes2Params are the parts of RFC 5958 and
// RFC 8018 that name the cipher; crypto/x509 does not decode them and
// pemutil only does so to decrypt.
type encryptedPrivateKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Data      []byte
}

type pbes2Params struct {
	KeyDerivation pkix.AlgorithmIdentifier
	Encryption    pkix.AlgorithmIdentifier
}

var oidPBES2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}

// pkcs8Ciphers names the encryption schemes of PKCS#8 keys as DEK-Info
// names them: PBES2's ciphers and the PKCS#12 PBE schemes.
var pkcs8Ciphers = map[string]string{
	"2.16.840.1.101.3.4.1.2":  "AES-128-CBC",
	"2.16.840.1.101.3.4.1.22": "AES-192-CBC",
	"2.16.840.1.101.3.4.1.42": "AES-256-CBC",
	"1.2.840.113549.3.7":      "DES-EDE3-CBC",
	"1.2.840.113549.1.5.3":    "PBE-MD5-DES",
	"1.2.840.113549.1.5.10":   "PBE-SHA1-DES",
	"1.2.840.113549.1.12.1.1": "PBE-SHA1-RC4-128",
	"1.2.840.113549.1.12.1.3": "PBE-SHA1-3DES",
	"1.2.840.113549.1.12.1.4": "PBE-SHA1-2DES",
	"1.2.840.113549.1.12.1.5": "PBE-SHA1-RC2-128",
	"1.2.840.113549.1.12.1.6": "PBE-SHA1-RC2-40",
}

// isEncryptedPKCS8 reports whether der is an EncryptedPrivateKeyInfo with
// an encryption scheme we can name: without a label, a bare SEQUENCE of an
// algorithm and an OCTET STRING is too weak a sign.
func isEncryptedPKCS8(der []byte) bool {
	var epki encryptedPrivateKeyInfo
	rest, err := asn1.Unmarshal(der, &epki)
	if err != nil || len(rest) != 0 {
		return false
	}
	_, known := pkcs8Ciphers[epki.Algorithm.Algorithm.String()]
	return known || epki.Algorithm.Algorithm.Equal(oidPBES2)
}

// describeEncryptedPKCS8 names the cipher of an encrypted PKCS#8 key
// without decrypting it; the key's own algorithm is inside the ciphertext.
func describeEncryptedPKCS8(der []byte) *KeyInfo {
	info := &KeyInfo{Format: "PKCS#8", Encrypted: true, PublicKey: PublicKeyInfo{Algorithm: EncryptedKeyType}}
	var epki encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &epki); err != nil {
		return info
	}
	scheme := epki.Algorithm.Algorithm
	if scheme.Equal(oidPBES2) {
		var params pbes2Params
		if _, err := asn1.Unmarshal(epki.Algorithm.Parameters.FullBytes, &params); err != nil {
			return info
		}
		scheme = params.Encryption.Algorithm
	}
	if name, ok := pkcs8Ciphers[scheme.String()]; ok {
		info.Cipher = name
	} else {
		info.Cipher = scheme.String()
	}
	return info
}
