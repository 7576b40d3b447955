// Package inspect says what a PEM or DER file holds — certificates, requests,
// CRLs, private and public keys, several to a file — without ever showing
// private material: what `pkienroll inspect` prints, as text (WriteText,
// with control characters escaped) or as JSON in a documented schema
// (MarshalJSON, exact).
//
// Bytes and File read the input; a file is read only when it is a regular
// file, at most MaxSize bytes. Errors wrap ErrNotInspectable.
package inspect
