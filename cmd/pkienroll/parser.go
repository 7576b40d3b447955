package main

import (
	"reflect"
	"strings"

	"github.com/alecthomas/kong"
)

// Building kong's model of all seventeen commands, with their flags, tags
// and interpolated help, was a third of the CPU time of a pkienroll process
// before it started work (docs/performance.md). A process runs one command,
// so when the command line names one, newParser builds the model of that
// command alone, on the same cli struct: the root's global flags plus the
// command, added as a kong.DynamicCommand with the name and help of its field
// in cli. Anything else (no command, an unknown word, help of the whole
// program) gets the model of every command. TestOneCommandModelMatchesWhole
// holds the two to the same output, byte for byte.

// newParser returns kong's parser for args over c. With whole, or when args
// do not start with a command (after global flags), it models every command.
func newParser(c *cli, args []string, whole bool, options ...kong.Option) (*kong.Kong, error) {
	if !whole {
		if field, ok := commandField(args); ok {
			cmd := reflect.ValueOf(c).Elem().FieldByIndex(field.Index).Addr().Interface()
			options = append(options, kong.DynamicCommand(commandName(field), field.Tag.Get("help"), "", cmd))
			return kong.New(&c.Globals, options...)
		}
	}
	return kong.New(c, options...)
}

// commandField finds the field of cli for the command that args run: the
// first word after the global flags. It reports false when there is none,
// or when anything it does not know comes first.
func commandField(args []string) (reflect.StructField, bool) {
	for _, arg := range args {
		switch arg {
		case "-v", "--verbose", "-q", "--quiet", "-vq", "-qv":
			continue
		}
		if strings.HasPrefix(arg, "-") {
			return reflect.StructField{}, false
		}
		for _, field := range commandFields() {
			if commandName(field) == arg {
				return field, true
			}
		}
		return reflect.StructField{}, false
	}
	return reflect.StructField{}, false
}

// commandFields lists the command fields of cli, in their order.
func commandFields() []reflect.StructField {
	t := reflect.TypeFor[cli]()
	var fields []reflect.StructField
	for i := range t.NumField() {
		if f := t.Field(i); !f.Anonymous {
			if _, ok := f.Tag.Lookup("cmd"); ok {
				fields = append(fields, f)
			}
		}
	}
	return fields
}

// commandName is the command's name as kong derives it: the name tag, or the
// field name in lower case (every command with several words has a tag).
// Command fields carry no tags but cmd, name and help, which
// TestCommandFields holds to: DynamicCommand is given exactly those.
func commandName(field reflect.StructField) string {
	if name, ok := field.Tag.Lookup("name"); ok {
		return name
	}
	return strings.ToLower(field.Name)
}
