package main

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/kong"
)

// usageError is a mistake on the command line that kong's parser lets
// through and pkienroll finds: run exits 80 for it, as for kong's own
// (docs/cli.md, exit codes).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf is fmt.Errorf for a usage error.
func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// pkiDirEnv is the variable that gives --pki-dir its default.
const pkiDirEnv = "PKIENROLL_PKI_DIR"

// checkGiven refuses, after kong's parse, what kong accepts but is as good
// as missing: a one-of group tagged oneof with no member given (see
// isRequired), any flag given an empty value (`--keyout "$UNSET"` would
// make a request for a key nobody keeps, `verify --crl "$UNSET"` would skip
// the revocation check and report success) unless its tag emptyok says
// what empty means, the same of a positional argument (`inspect "$UNSET"`), and a PKIENROLL_PKI_DIR that is set but empty, or not UTF-8,
// where --pki-dir is not given.
func checkGiven(kctx *kong.Context) error {
	pkiDirGiven := false
	for _, p := range kctx.Path {
		if a := p.Positional; a != nil && anyEmpty(a.Target) && !a.Tag.Has("emptyok") {
			return usageErrorf("the argument <%s> is empty", a.Name)
		}
		f := p.Flag
		if f == nil || p.Resolved {
			continue
		}
		if f.Name == "pki-dir" {
			pkiDirGiven = true
		}
		if emptyValue(f.Target) && !f.Tag.Has("emptyok") {
			return emptyFlagError(f)
		}
	}
	if m := missingFlags(kctx); m != "" {
		return usageErrorf("%s", m)
	}
	if v, set := os.LookupEnv(pkiDirEnv); set && !pkiDirGiven && (v == "" || !utf8.ValidString(v)) {
		for _, f := range kctx.Flags() {
			switch {
			case f.Name != "pki-dir":
			case v == "":
				return usageErrorf("%s is set but empty: unset it, or give --pki-dir", pkiDirEnv)
			default:
				// kong read it through encoding/json, U+FFFD for each bad byte (see checkArgsUTF8).
				return notUTF8(pkiDirEnv, v, false)
			}
		}
	}
	return nil
}

// emptyValue reports whether a flag's value is an empty string: a string,
// a *string set to "", or a list whose every item is "".
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		return v.String() == ""
	case reflect.Pointer:
		return !v.IsNil() && emptyValue(v.Elem())
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return false
		}
		for i := range v.Len() {
			if v.Index(i).String() != "" {
				return false
			}
		}
		return true
	}
	return false
}

// anyEmpty reports whether a positional argument is an empty string, or
// a list with an empty item: each item is a file or name of its own.
func anyEmpty(v reflect.Value) bool {
	if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String {
		for i := range v.Len() {
			if v.Index(i).String() == "" {
				return true
			}
		}
		return false
	}
	return emptyValue(v)
}

// emptyFlagError is the usage error of flag f given an empty value. An
// optional flag may also be left out, and the line says so.
func emptyFlagError(f *kong.Flag) error {
	if isRequired(f) || len(f.Xor) > 0 {
		return usageErrorf("--%s is empty: give %s", f.Name, placeholder(f))
	}
	return usageErrorf("--%s is empty: give %s, or leave --%s out", f.Name, placeholder(f), f.Name)
}

// placeholder is the word help shows for the flag's value, such as FILE.
func placeholder(f *kong.Flag) string {
	if f.PlaceHolder != "" {
		return f.PlaceHolder
	}
	return strings.ToUpper(f.Name)
}
