// Package metrics exposes a PKI directory's certificates, its CRLs and
// `pkienroll serve`'s own state as Prometheus metrics.
//
// The certificate and CRL metrics carry the names and labels of
// enix/x509-certificate-exporter (x509_cert_not_after, x509_cert_expired,
// x509_crl_next_update, x509_read_errors; labels serial_number,
// subject_CN, issuer_CN, filepath, ...), so that the dashboards and alerts
// written for it work unchanged on an engine host. The server's own are
// named pkienroll_*.
//
// Every collector reads its state when it is scraped (a Collect call):
// the files as they are then, the tokens' records, the connection
// limiter's counts. Only the request counts and latencies, which are
// events, are counted as they happen (Requests.Observe).
package metrics
