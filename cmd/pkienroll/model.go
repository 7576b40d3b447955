package main

import (
	"reflect"
	"strings"

	"github.com/alecthomas/kong"
)

// wholeModel names the commands whose work is the model of every command:
// help and the man page print it, completion answers from it.
var wholeModel = map[string]bool{"help": true, "man": true, "completion": true}

// oneCommand is, for a command line that names a command and asks for no
// help or version, a root holding the globals and only that command (with
// its subcommands), and the globals inside it. Kong builds and interpolates
// its model of every command and flag on each start, which was most of a
// `sign` process (docs/performance.md); one command's model is a few
// percent of it. The tags are cli's own, so the command parses as it does
// in the whole model; run falls back to the whole model for anything that
// does not parse, so errors and their help read as they always have.
// ok is false when the whole model is needed.
func oneCommand(args []string) (root any, g *Globals, ok bool) {
	name, ok := commandName(args)
	if !ok || wholeModel[name] {
		return nil, nil, false
	}
	t := reflect.TypeFor[cli]()
	globals, _ := t.FieldByName("Globals")
	for i := range t.NumField() {
		f := t.Field(i)
		if _, isCmd := f.Tag.Lookup("cmd"); !isCmd || commandTagName(f) != name {
			continue
		}
		st := reflect.StructOf([]reflect.StructField{
			{Name: globals.Name, Type: globals.Type, Tag: globals.Tag, Anonymous: true},
			{Name: f.Name, Type: f.Type, Tag: f.Tag},
		})
		v := reflect.New(st)
		return v.Interface(), v.Elem().Field(0).Addr().Interface().(*Globals), true
	}
	return nil, nil, false
}

// commandTagName is the name kong gives the command field f: its name tag,
// else its field name in lower case (every command of more than one word
// has a name tag).
func commandTagName(f reflect.StructField) string {
	if n := f.Tag.Get("name"); n != "" {
		return n
	}
	return strings.ToLower(f.Name)
}

// commandName is the command args name after the global flags, and false
// when args name none, carry a flag before it that is not a global one, or
// ask anywhere for help or the version: those take the whole model.
func commandName(args []string) (string, bool) {
	name := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-h" || a == "--help" || a == "--version":
			return "", false
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.ContainsRune(a, 'h'):
			return "", false
		case name != "":
		case a == "--verbose" || a == "--quiet" || strings.HasPrefix(a, "--log-format="):
		case a == "--log-format":
			i++
		case len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "vq") == "":
		case strings.HasPrefix(a, "-"):
			return "", false
		default:
			name = a
		}
	}
	return name, name != ""
}

// varsUsed keeps of vars those a struct tag of t names, as ${name} or
// ${name=default}: t itself if it is a struct, its fields' types and
// theirs, through pointers, slices, arrays and maps. Kong interpolates
// every variable in scope into every flag it models, whether the flag
// names it or not, which with all of them was about a tenth of a `sign`
// process; a variable a tag names but vars lacks stays an error of kong's.
func varsUsed(t reflect.Type, vars kong.Vars) kong.Vars {
	used := kong.Vars{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if tag := string(f.Tag); strings.Contains(tag, "${") {
				for name, v := range vars {
					if strings.Contains(tag, "${"+name+"}") || strings.Contains(tag, "${"+name+"=") {
						used[name] = v
					}
				}
			}
			walk(f.Type)
		}
	}
	walk(t)
	return used
}
