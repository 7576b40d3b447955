package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"strconv"
	"strings"
	"time"
)

// openssl ca -revoke writes three pseudo-reasons into the index, each
// with an argument after a second comma, and `openssl ca -gencrl` turns
// them into a reason code and an entry extension (apps/ca.c,
// unpack_revinfo and make_revoked):
//
//	-crl_hold INSTR             holdInstruction,INSTR  certificateHold, holdInstructionCode INSTR
//	-crl_compromise TIME        keyTime,TIME           keyCompromise, invalidityDate TIME
//	-crl_CA_compromise TIME     CAkeyTime,TIME         CACompromise, invalidityDate TIME

// The entry extensions of openssl's pseudo-reasons (RFC 5280 5.3.2;
// holdInstructionCode is RFC 3280 5.3.2).
var (
	oidHoldInstructionCode = asn1.ObjectIdentifier{2, 5, 29, 23}
	oidInvalidityDate      = asn1.ObjectIdentifier{2, 5, 29, 24}
)

// holdInstructions are openssl's names of the hold instructions
// (1.2.840.10040.2.x), as -crl_hold takes them and the index keeps them.
var holdInstructions = map[string]asn1.ObjectIdentifier{
	"holdInstructionNone":       {1, 2, 840, 10040, 2, 1},
	"holdInstructionCallIssuer": {1, 2, 840, 10040, 2, 2},
	"holdInstructionReject":     {1, 2, 840, 10040, 2, 3},
}

// indexReason reads the reason field of an index line after the
// revocation time: the reason's openssl name, and for openssl's
// pseudo-reasons the name of the reason they stand for and the entry
// extension `openssl ca -gencrl` adds. An argument pkienroll cannot read
// (a malformed time, an unknown hold instruction) leaves the extension
// out; the reason stays.
func indexReason(field string) (reason string, exts []pkix.Extension) {
	name, arg, _ := strings.Cut(field, ",")
	switch name {
	case "holdInstruction":
		if ext, ok := holdInstructionExtension(arg); ok {
			exts = append(exts, ext)
		}
		return "certificateHold", exts
	case "keyTime", "CAkeyTime":
		if ext, ok := invalidityDateExtension(arg); ok {
			exts = append(exts, ext)
		}
		if name == "keyTime" {
			return "keyCompromise", exts
		}
		return "CACompromise", exts
	}
	return field, nil
}

// holdInstructionExtension is the holdInstructionCode of instr, openssl's
// name of a hold instruction or its dotted OID.
func holdInstructionExtension(instr string) (pkix.Extension, bool) {
	oid, ok := holdInstructions[instr]
	if !ok {
		if oid, ok = parseOID(instr); !ok {
			return pkix.Extension{}, false
		}
	}
	der, err := asn1.Marshal(oid)
	if err != nil {
		return pkix.Extension{}, false
	}
	return pkix.Extension{Id: oidHoldInstructionCode, Value: der}, true
}

// invalidityDateExtension is the invalidityDate of t, a GeneralizedTime
// as openssl writes it (YYYYMMDDHHMMSSZ).
func invalidityDateExtension(t string) (pkix.Extension, bool) {
	when, err := time.Parse("20060102150405Z", t)
	if err != nil {
		return pkix.Extension{}, false
	}
	der, err := asn1.MarshalWithParams(when, "generalized")
	if err != nil {
		return pkix.Extension{}, false
	}
	return pkix.Extension{Id: oidInvalidityDate, Value: der}, true
}

// parseOID reads a dotted OID of at least two arcs.
func parseOID(s string) (asn1.ObjectIdentifier, bool) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, false
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || (p != "0" && strings.HasPrefix(p, "0")) {
			return nil, false
		}
		oid[i] = n
	}
	return oid, true
}
