//go:build !linux

package main

import "syscall"

// dieWithParent: elsewhere there is no parent-death signal; the harness's
// context and its deadline stop the servers.
func dieWithParent() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
