//go:build !linux

package main

import (
	"errors"
	"time"
)

var errNoCPU = errors.New("CPU time is read from Linux's /proc only")

// processCPU is not measured away from Linux.
func processCPU(int) (time.Duration, error) { return 0, errNoCPU }

// selfCPU is not measured away from Linux.
func selfCPU() (time.Duration, error) { return 0, errNoCPU }
