package main

import "syscall"

// dieWithParent has a server killed when the harness dies, so that no
// benchmark server outlives a killed run (Linux's parent-death signal).
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
