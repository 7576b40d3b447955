// Package pki issues TLS certificates to the proxies that front an engine
// host: it derives a proxy's subject from the engine CA, makes keys and
// certificate signing requests, and signs them into the engine's PKI
// directory in the exact formats that the engine scripts and `openssl ca`
// read and write.
//
// The package never logs and never exits: every failure is returned as an
// error that names the file or attribute and the step, and wraps one of the
// sentinels in errors.go so callers can test it with errors.Is.
package pki
