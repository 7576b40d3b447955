// Package pki issues TLS certificates to the proxies that front an engine
// host: it makes keys and certificate signing requests, and signs them into
// the engine's PKI directory (the Store) in the exact formats that the
// engine scripts and `openssl ca` read and write, under the lock they take.
//
// Around it: distinguished names live in package pki/dn, the verification of
// a certificate as a TLS client sees it in pki/verify, the inspection of PEM
// and DER files in pki/inspect, enrollment over the network (EST) in
// pki/est, and the proxies' configurations in pki/proxy. example_test.go
// shows the proxy flow from key to verified certificate.
//
// The package never logs and never exits: every failure is returned as an
// error that names the file or attribute and the step, and wraps one of the
// sentinels in errors.go so callers can test it with errors.Is.
package pki
