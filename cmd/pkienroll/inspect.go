package main

import (
	"encoding/json"
	"fmt"

	"github.com/pkienroll/pkienroll/internal/printable"

	"github.com/pkienroll/pkienroll/pki/inspect"
)

// inspectCmd shows what a certificate, request, CRL or key file holds.
type inspectCmd struct {
	File string `arg:"" placeholder:"FILE" help:"File to show: certificates, requests, CRLs (PEM or DER, several PEM blocks allowed) or keys."`
	JSON bool   `name:"json" help:"Print one JSON object instead of text (schema in docs/cli.md)."`
}

// Run prints the description.
func (c *inspectCmd) Run(e *env) error {
	in, err := inspect.File(c.File, inspect.Options{Now: now()})
	if err != nil {
		return err
	}
	if !c.JSON {
		return in.WriteText(e.stdout)
	}
	out, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return fmt.Errorf("inspect %s: encode JSON: %w", c.File, err)
	}
	// encoding/json leaves DEL, C1 and format characters (U+202E) raw.
	_, err = fmt.Fprintf(e.stdout, "%s\n", printable.JSON(out))
	return err
}
