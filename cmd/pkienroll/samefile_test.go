package main

import (
	"testing"
)

// TestOutputsSameFile: every command that writes two or more files refuses
// two of its output flags naming the same file, however spelled, as a
// usage error before anything is read, sent or written (the request over
// the key it was made with, the key then lost). request and
// websocket-proxy request are in their own tables.
func TestOutputsSameFile(t *testing.T) {
	pass := func(t *testing.T, f *fixture) { writeFile(t, f.path("pass"), "secret\n") }
	checkBadInput(t, []badCase{
		{name: "pkcs12 extract", setup: pass,
			args: flags("pkcs12", "extract", "--in", "{dir}/none.p12", "--passin-file", "{dir}/pass",
				"--key", "{dir}/out.pem", "--cert", "{dir}/./out.pem"),
			code: exitUsage, want: []string{"out.pem", "the same file is named for two outputs"}},
		// Refused before the server is asked: the token is not spent.
		{name: "obtain", args: flags("obtain", "--server", "https://127.0.0.1:1", "--token", "t0ken",
			"--ca-fingerprint", "SHA256:"+zeros64, "--cn", proxyCN,
			"--key", "{dir}/host.pem", "--cert", "{dir}/host.cer", "--ca-out", "{dir}/sub/../host.pem"),
			setup: func(t *testing.T, f *fixture) { mkdirs(t, f.path("sub")) },
			code:  exitUsage, want: []string{"host.pem", "the same file is named for two outputs"}},
	})
}

// zeros64 is 64 hexadecimal digits, the form of a SHA-256 fingerprint.
const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"
