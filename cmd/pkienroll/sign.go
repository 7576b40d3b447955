package main

import (
	"fmt"

	"github.com/pkienroll/pkienroll/pki"
)

// signCmd signs requests into the PKI directory, like the engine's
// `pki-enroll-request.sh --name=NAME --days=N --subject=S`.
type signCmd struct {
	storeFlags
	lockFlags
	Name    []string `required:"" placeholder:"NAME" help:"Sign requests/NAME.req into certs/NAME.cer; repeat (or separate with commas) to sign several under one lock."`
	Subject string   `placeholder:"S" help:"Replace the request's subject with this one."`
	profileFlags
}

// Run signs every --name in one batch.
func (c *signCmd) Run(e *env) error {
	// kong turns --name "" (an unset variable in a script) into no names;
	// signing nothing and exiting 0 would hide the mistake.
	if len(c.Name) == 0 {
		return fmt.Errorf("--name is empty: give the NAME of requests/NAME.req")
	}
	base, err := c.signRequest(c.Subject)
	if err != nil {
		return err
	}
	store, err := c.openStore(c.storeFlags)
	if err != nil {
		return err
	}
	reqs := make([]pki.SignRequest, len(c.Name))
	for i, name := range c.Name {
		reqs[i] = base
		reqs[i].Name = name
	}
	e.log.Debug("signing", "dir", store.Dir(), "names", c.Name)
	issued, err := store.SignBatch(e.ctx, reqs)
	if err != nil {
		return err
	}
	for _, is := range issued {
		logIssued(e, is)
	}
	return nil
}
