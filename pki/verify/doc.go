// Package verify checks what a TLS server's certificate needs, as
// `openssl verify` and a TLS client would: a chain to the CA file (trust
// anchors and intermediates, with openssl's rules on basic constraints, key
// usage and the authority key identifier), validity, the key pair, the host
// name, revocation against a CRL, and the serverAuth usage. Each check gives
// a Result with a one-line reason an administrator can act on; Results.Err
// folds them into one error.
//
// Verification never touches the PKI directory: the certificates, key and
// CRL come in as values.
package verify
