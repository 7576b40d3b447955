// Package dn holds distinguished names as openssl and the engine's scripts
// write them: a Name keeps its attributes' order and ASN.1 string types, so
// that a subject read from a certificate encodes back to the same bytes.
//
// It parses every form an administrator meets — the slash form of
// `openssl req -subj` and the engine scripts (/C=US/O=Example Inc./CN=x),
// RFC 4514 (CN=x,O=Example Inc.,C=US), and both `openssl x509 -noout
// -subject` outputs (OpenSSL 1.x and 3) — applies openssl's rules for what
// may be in a name, prints the slash, RFC 4514, JSON and X509_NAME_oneline
// forms, and derives a proxy's subject from the engine CA's (Derive).
//
// Errors wrap ErrInvalid. The package depends on nothing but the standard
// library.
package dn
