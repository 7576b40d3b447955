package inspect

import (
	"encoding/asn1"
)

// ErrPKCS12 reports a PKCS#12 file (keys/NAME.p12, a .truststore), which
// Bytes and File do not open: its content needs the password. It is also
// an ErrNotInspectable (errors.Is).
var ErrPKCS12 error = pkcs12Error{}

type pkcs12Error struct{}

func (pkcs12Error) Error() string {
	return "a PKCS#12 file, whose content needs its password: read it with pkienroll pkcs12 extract (or keytool -list for a trust store)"
}

// Is makes ErrPKCS12 an ErrNotInspectable too.
func (pkcs12Error) Is(target error) bool { return target == ErrNotInspectable }

// pfxHead is the start of a PKCS#12 PFX (RFC 7292 4): its version, 3,
// and the ContentInfo of its authenticated safe, data or signedData.
type pfxHead struct {
	Version  int
	AuthSafe struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"optional,explicit,tag:0"`
	}
	MacData asn1.RawValue `asn1:"optional"`
}

var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
)

// isPKCS12 reports whether der is a PKCS#12 PFX.
func isPKCS12(der []byte) bool {
	var pfx pfxHead
	rest, err := asn1.Unmarshal(der, &pfx)
	if err != nil || len(rest) != 0 || pfx.Version != 3 {
		return false
	}
	ct := pfx.AuthSafe.ContentType
	return ct.Equal(oidData) || ct.Equal(oidSignedData)
}
