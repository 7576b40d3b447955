//go:build openssl && cgo

package opensslsign

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/golang-fips/openssl/v2"
)

// Built reports whether this binary was built with the OpenSSL signer
// (build tag "openssl" and cgo). It is true in this build.
const Built = true

// libraries are the libcrypto names tried, in order, by dlopen: OpenSSL
// 3, then 1.1 under the names distributions give it.
func libraries() []string {
	if runtime.GOOS == "darwin" {
		return []string{"libcrypto.3.dylib", "libcrypto.1.1.dylib"}
	}
	return []string{"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so.11", "libcrypto.so.111"}
}

// load finds and initialises libcrypto once, at the first use, and gives
// its version text.
var load = sync.OnceValues(func() (string, error) {
	var tried []string
	for _, lib := range libraries() {
		if ok, _ := openssl.CheckVersion(lib); !ok {
			tried = append(tried, lib)
			continue
		}
		if err := openssl.Init(lib); err != nil {
			// Init takes effect once: a failure here is final.
			return "", fmt.Errorf("opensslsign: load %s: %w", lib, err)
		}
		return openssl.VersionText(), nil
	}
	return "", fmt.Errorf("opensslsign: no libcrypto (tried %s)", strings.Join(tried, ", "))
})

// Status names the signer New gives RSA keys: "openssl (OpenSSL 3.0.19 …)"
// when libcrypto loaded, else "go (why not)".
func Status() string {
	if use, reason := choice(); !use {
		return "go (" + reason + ")"
	}
	v, err := load()
	if err != nil {
		return "go (" + err.Error() + ")"
	}
	return "openssl (" + v + ")"
}
