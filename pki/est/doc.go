// Package est serves enrollment over the network: the EST protocol of
// RFC 7030 (cacerts, simpleenroll, simplereenroll, csrattrs under
// /.well-known/est/), issuing every certificate through the same pki.Store
// as `pkienroll sign`, so the engine's scripts, `openssl ca` and the
// network path share one lock, one index and one serial counter.
//
// It owns two things besides the protocol: the one-time enrollment tokens
// (Tokens), kept as SHA-256 hashes in <pki-dir>/est/tokens/, and the rules
// that decide who may have which certificate: a first enrollment needs a
// token bound to a name, subject and SANs; a renewal needs the client's
// current, unrevoked certificate from this CA over TLS. Like pki, it never
// logs: the Server reports each request as an Event for the caller to log.
package est
