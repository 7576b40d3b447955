package host

import "fmt"

// CheckReadable checks that f.Owner can read the key and the certificates
// f names, as the service must to start: the first it cannot read is an
// error wrapping ErrUnreadable (an *UnreadableError) that says what the
// file is for. A nil Owner reads everything.
func (f Files) CheckReadable() error {
	for _, p := range []struct{ what, path string }{
		{"key", f.Key}, {"certificate", f.Cert}, {"CA certificate", f.CA}, {"engine certificate", f.EngineCert},
	} {
		if p.path == "" {
			continue
		}
		if err := f.Owner.CanRead(p.path); err != nil {
			return fmt.Errorf("%s %s: %w", p.what, p.path, err)
		}
	}
	return nil
}
