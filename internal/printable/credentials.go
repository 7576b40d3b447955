package printable

import "strings"

// RedactCredentials returns a URL or host value as an error may show it,
// without the credentials it may carry ([protocol://]USER:PASSWORD@HOST...):
// the password is replaced as url.URL.Redacted replaces it,
// USER:xxxxx@HOST, and a user without a password is replaced whole,
// xxxxx@HOST, as it may be a token. A value without '@' comes back as it
// is. It is for values that name a host; an e-mail address would lose its
// local part.
func RedactCredentials(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s[:at], "://"); i >= 0 {
		start = i + len("://")
	}
	if user, _, ok := strings.Cut(s[start:at], ":"); ok {
		return s[:start] + user + ":xxxxx" + s[at:]
	}
	return s[:start] + "xxxxx" + s[at:]
}
