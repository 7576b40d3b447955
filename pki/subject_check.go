package pki

import (
	"fmt"

	"github.com/pkienroll/pkienroll/pki/dn"
)

// refusePlaceholderSubject refuses the subject CN=/ of the requests
// engine-setup's remote enrollment makes (its Python cryptography cannot
// make an empty subject, so it names the request "/"). Like the empty
// subject of pki-enroll-pkcs12.sh's requests, it is a placeholder that
// --subject replaces: signed as it is, it would make a certificate for the
// name "/" with no SAN at all (a "/" is neither a DNS name nor an address),
// which no client accepts. src names the request.
func refusePlaceholderSubject(subject dn.Name, src string) error {
	if len(subject) == 1 && len(subject[0]) == 1 && subject[0][0].ShortName() == "CN" && subject[0][0].Value == "/" {
		return fmt.Errorf("%s has the subject CN=/ (engine-setup's placeholder) and no subject replaces it: %w", src, ErrNoSubject)
	}
	return nil
}
