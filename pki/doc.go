// Package pki issues TLS certificates to the proxies that front an engine
// host: it makes keys and certificate signing requests, and signs them into
// the engine's PKI directory (the Store) in the exact formats that the
// engine scripts and `openssl ca` read and write, under the lock they take.
//
// Around it: distinguished names live in package pki/dn, the verification of
// a certificate as a TLS client sees it in pki/verify, the inspection of PEM
// and DER files in pki/inspect, enrollment over the network (EST) in
// pki/est, one service's files on a proxy host in pki/host, the proxies'
// configurations in pki/proxy, and expiry metrics for Prometheus in
// pki/metrics. example_test.go shows the proxy flow from key to verified
// certificate, example_revoke_test.go a revocation and its CRL, and
// pki/est's example_test.go enrollment and renewal over EST. docs/design.md, in the repository, is the map: what each
// package owns, a request walked through signing and through EST, the lock,
// and the order in which the store writes.
//
// The package never logs and never exits: every failure is returned as an
// error that names the file or attribute and the step, and wraps one of the
// sentinels in errors.go so callers can test it with errors.Is.
package pki
