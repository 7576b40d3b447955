package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// recorded is how many certificates a peer's store holds after the run,
// read back from its own files, or -1 where the bench cannot read them
// (step-ca's badger database needs step-ca's code).
func recorded(ctx context.Context, work string, p peer) int {
	switch p := p.(type) {
	case *pkienrollPeer:
		f, err := os.Open(filepath.Join(p.dir, "database.txt"))
		if err != nil {
			return -1
		}
		defer f.Close()
		// Only the bench's hosts: serve issues its own TLS certificate
		// on first start.
		n := 0
		for s := bufio.NewScanner(f); s.Scan(); {
			if strings.Contains(s.Text(), "/CN=p") && strings.HasSuffix(s.Text(), ".example.com") {
				n++
			}
		}
		return n
	case *cfsslPeer:
		out, err := exec.CommandContext(ctx, "sqlite3", filepath.Join(work, "cfssl", "certs.db"), "select count(*) from certificates").Output()
		if err != nil {
			return -1
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			return -1
		}
		return n
	}
	return -1
}
