package pki

import (
	"errors"
	"io/fs"

	"github.com/pkienroll/pkienroll/internal/atomicfile"
	"github.com/pkienroll/pkienroll/internal/flock"
	"github.com/pkienroll/pkienroll/internal/safefile"
)

// Sentinel errors. Every error the package returns wraps at most one of these
// with the file or attribute and the step, so callers can test the kind with
// errors.Is and still print one line that says what and where.
var (
	// ErrBadSAN reports a subject alternative name list that is not in
	// openssl syntax (DNS:a,IP:192.0.2.1,email:x@y,URI:...).
	ErrBadSAN = errors.New("invalid subject alternative name")
	// ErrBadUsage reports an unknown key usage or extended key usage name.
	ErrBadUsage = errors.New("invalid key usage")
	// ErrBadName reports a certificate name that is not a plain file name.
	ErrBadName = errors.New("invalid name")
	// ErrBadDays reports a validity period outside the allowed range.
	ErrBadDays = errors.New("invalid validity period")
	// ErrWeakKey reports a key that is too small or of an unsupported type.
	ErrWeakKey = errors.New("weak or unsupported key")
	// ErrNotKey reports a file that holds no private key.
	ErrNotKey = errors.New("not a private key")
	// ErrBadRequest reports a certificate signing request that cannot be
	// parsed, is too large, or whose signature does not verify.
	ErrBadRequest = errors.New("invalid certificate request")
	// ErrKeyMismatch reports a private key that does not belong to the
	// certificate it is used with.
	ErrKeyMismatch = errors.New("private key does not match certificate")
	// ErrNoSubject reports a request with an empty subject (as the engine's
	// pki-enroll-pkcs12.sh makes them) signed without a subject to replace
	// it.
	ErrNoSubject = errors.New("no subject to issue the certificate to")
	// ErrExists reports a file that would be replaced without permission.
	ErrExists = atomicfile.ErrExists
	// ErrSameFile reports two outputs of one operation that name the same
	// file, however spelled (./k.key and k.key, a symbolic link to the
	// directory): the second would replace the first.
	ErrSameFile = atomicfile.ErrSameFile
	// ErrStoreFile reports an output path that names one of the PKI
	// directory's own files (CA key or certificate, serial, index, issued
	// certificates, keys, requests), which no output may replace.
	ErrStoreFile = errors.New("is a file of the pki directory")
	// ErrSymlink reports a path that is a symbolic link where a regular file
	// must be read or written.
	ErrSymlink = safefile.ErrSymlink
	// ErrLocked reports a PKI directory whose lock was not obtained in time.
	ErrLocked = flock.ErrLocked
	// ErrBadStore reports a PKI directory whose files are missing or malformed.
	ErrBadStore = errors.New("invalid pki directory")
	// ErrNotCertificate reports data that holds no certificate.
	ErrNotCertificate = errors.New("not a certificate")
	// ErrNotFound reports a serial or name that the CA has not issued.
	ErrNotFound = errors.New("not found")
	// ErrPassword reports a wrong or missing password: one that does not
	// open an encrypted key or a PKCS#12 bundle, none given for one that
	// needs it, or an empty one to encrypt a key with.
	ErrPassword = errors.New("wrong password")
	// ErrPassphrase is ErrPassword, under the name key handling used.
	//
	// Deprecated: use ErrPassword; both are the same value.
	ErrPassphrase = ErrPassword
	// ErrBadPassword reports a password that a bundle cannot be protected
	// with: empty, or with characters PKCS#12 cannot hold. It is the
	// caller's choice of password that is wrong, not its knowledge of one
	// (ErrPassword).
	ErrBadPassword = errors.New("unusable PKCS#12 password")
	// ErrNotPKCS12 reports data that is not a PKCS#12 bundle, or one in a
	// form that cannot be read.
	ErrNotPKCS12 = errors.New("not a PKCS#12 bundle")
	// ErrNoKey reports a PKCS#12 bundle without a private key, such as
	// `openssl pkcs12 -export -nokeys` writes.
	ErrNoKey = errors.New("no private key in the bundle")
	// ErrNotCRL reports data that holds no certificate revocation list.
	ErrNotCRL = errors.New("not a certificate revocation list")
	// ErrNoStore reports a PKI directory that does not exist. It matches
	// fs.ErrNotExist too.
	ErrNoStore error = &notExistError{"no such directory"}
	// ErrNoCA reports a PKI directory without its CA certificate (NAME.pem),
	// one that InitStore has not made. It comes with ErrBadStore.
	ErrNoCA = errors.New("no CA certificate")
	// ErrNoRequest reports a request (requests/NAME.req, or the file given)
	// that does not exist. It matches fs.ErrNotExist too.
	ErrNoRequest error = &notExistError{"no such file"}
	// ErrUnfinished reports an enrollment or a CA renewal that a crash or an
	// error left half done; Store.Check finishes it.
	ErrUnfinished = errors.New("left unfinished")
	// ErrAfterCommit reports a step that failed after the commit point,
	// once the certificate's index line was durable (such as replacing
	// certs/NAME.cer): the certificate is issued, and Sign, SignBatch and
	// SignQueue.Sign return it along with the error. Signing it again would
	// issue a second certificate.
	ErrAfterCommit = errors.New("issued, but a later step failed")
	// ErrRevoked reports a certificate that Revoke finds revoked already;
	// the index is left as it was, with the first revocation's date and
	// reason.
	ErrRevoked = errors.New("revoked already")
	// ErrBadReason reports a revocation reason that is not openssl's, or
	// one a full CRL may not carry (removeFromCRL).
	ErrBadReason = errors.New("invalid revocation reason")
)

// notExistError is a sentinel that is also fs.ErrNotExist, so that callers
// may test for the package's own or the standard one. Each is a distinct
// pointer with its own text: ErrNoStore is not ErrNoRequest.
type notExistError struct{ msg string }

func (e *notExistError) Error() string { return e.msg }

// Is reports whether target is fs.ErrNotExist.
func (e *notExistError) Is(target error) bool { return target == fs.ErrNotExist }
