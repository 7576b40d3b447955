package printable

import "testing"

func TestRedactCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"engine.example.com":                      "engine.example.com",
		"https://engine.example.com:443/x":        "https://engine.example.com:443/x",
		"http://admin:S3cret@spice.example.com:3": "http://admin:xxxxx@spice.example.com:3",
		"admin:S3cret@engine.example.com":         "admin:xxxxx@engine.example.com",
		"https://T0ken@engine.example.com":        "https://xxxxx@engine.example.com",
		"a:b:c@d@h":                               "a:xxxxx@h",
		"https://admin:pa/ss@h":                   "https://admin:xxxxx@h",
		"https://@h":                              "https://xxxxx@h",
		"@":                                       "xxxxx@",
	} {
		if got := RedactCredentials(in); got != want {
			t.Errorf("RedactCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}
