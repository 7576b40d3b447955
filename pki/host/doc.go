// Package host keeps one service's files on a proxy host, as pki.Store
// keeps the engine's PKI directory: the service's private key, its
// certificate, the CA certificate it was issued under, the engine's
// certificate (for the websocket proxy, which checks console tickets with
// it), the certificate signing request carried to the engine by hand and
// the service's configuration, with their modes and the account that owns
// them.
//
// A proxy's tools go through Files for every step that touches them:
//
//   - LoadOrMakeKey makes the key or reuses the one on disk, by one rule;
//   - NewCSR makes the certificate signing request, with the subject the
//     engine derives from its CA (dn.DeriveFrom) and the proxy's name as CN;
//   - Install writes what was issued all or nothing: each file staged,
//     synced and given to the owner before the first is renamed into
//     place, each replaced one kept as FILE.YYYYMMDDHHMMSS;
//   - CheckReadable says whether the service's account can read what it
//     must;
//   - MarkPending remembers that the service has not taken renewed files
//     yet (its reload failed), until ClearPending.
//
// "Request" in this package is never a certificate signing request: that
// is a CSR. Requests are the plain structs callers pass (est.EnrollRequest).
//
// The EST client (pki/est's EnrollFiles and RenewFiles), the websocket
// proxy's configuration (pki/proxy) and the pkienroll commands run on a
// proxy host all use it. Like the rest of pki, the package never logs and
// never exits; its errors name the file and the step.
package host
