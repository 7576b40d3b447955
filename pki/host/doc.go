// Package host keeps one service's files on a proxy host, as pki.Store
// keeps the engine's PKI directory: the service's private key, its
// certificate, the CA certificate it was issued under, the engine's
// certificate (for the websocket proxy, which checks console tickets with
// it) and the request carried to the engine by hand, with their modes and
// the account that owns them.
//
// A proxy's tools go through Files for every step that touches them:
//
//   - Key makes the key or reuses the one on disk, by one rule;
//   - Request makes the certificate signing request, with the subject the
//     engine derives from its CA (dn.DeriveFrom) and the proxy's name as CN;
//   - Install writes what was issued all or nothing: each file staged,
//     synced and given to the owner before the first is renamed into
//     place, each replaced one kept as FILE.YYYYMMDDHHMMSS;
//   - CheckReadable says whether the service's account can read what it
//     must.
//
// The EST client (pki/est's EnrollFiles and RenewFiles), the websocket
// proxy's configuration (pki/proxy) and the pkienroll commands run on a
// proxy host all use it. Like the rest of pki, the package never logs and
// never exits; its errors name the file and the step.
package host
