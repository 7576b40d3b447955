package proxy

import (
	"slices"
	"testing"
)

// TestReadSquidParse picks the line that says what is wrong from Squid's
// output as Squid 5 writes it.
func TestReadSquidParse(t *testing.T) {
	const file = "/tmp/pkienroll-squid-1.conf"
	tests := []struct {
		name, out, complaint string
		warnings             []string
	}{
		{"clean", "2026/11/27 05:34:04| Processing Configuration File: " + file + " (depth 0)\n" +
			"2026/11/27 05:34:04| Processing: http_port 3128\n", "", nil},
		{"fatal, then bungled", "2026/11/27 05:34:04| Processing: https_port 8443 defaultsite=e\n" +
			"2026/11/27 05:34:04| FATAL: https_port: defaultsite option requires Acceleration mode flag.\n" +
			"2026/11/27 05:34:04| FATAL: Bungled " + file + " line 1: https_port 8443 defaultsite=e\n",
			"FATAL: https_port: defaultsite option requires Acceleration mode flag.", nil},
		{"unknown directive", "2026/11/27 05:35:33| " + file + "(11): unrecognized: 'foo_bar'\n",
			"line 11: unrecognized: 'foo_bar'", nil},
		{"error, SMP kid", "2026/11/27 05:35:33 kid1| ERROR: something is off\n", "ERROR: something is off", nil},
		{"warning", "2026/11/27 05:35:33| WARNING: option x is deprecated in " + file + "\n", "",
			[]string{"WARNING: option x is deprecated in the configuration"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			complaint, warnings := readSquidParse(tc.out, file)
			if complaint != tc.complaint || !slices.Equal(warnings, tc.warnings) {
				t.Errorf("got %q, %q; want %q, %q", complaint, warnings, tc.complaint, tc.warnings)
			}
		})
	}
}
