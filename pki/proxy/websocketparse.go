package proxy

import (
	"fmt"
	"strings"
)

// ParseWebsocketConfig reads a file of the websocket proxy's configuration
// as the service's loader does, and returns its settings. Each line is
// blank, a comment (# first), or KEY=VALUE with KEY of letters, digits and
// underscores. In a value, \ takes the next character as it is, double
// quotes start and end a quoted part, ${NAME} is an earlier setting (empty
// when unset), and outside quotes a space or # ends the value. Anything
// else the loader would refuse is an error naming the line.
func ParseWebsocketConfig(data []byte) (map[string]string, error) {
	values := map[string]string{}
	for i, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimLeft(line, " \t\v\f")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		key, raw, ok := strings.Cut(trimmed, "=")
		if !ok || key == "" || strings.TrimFunc(key, isKeyRune) != "" {
			return nil, fmt.Errorf("line %d: want KEY=VALUE: %w", i+1, ErrBadValue)
		}
		value, err := expandValue(raw, values)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", i+1, err, ErrBadValue)
		}
		values[key] = value
	}
	return values, nil
}

func isKeyRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// valueError is what is wrong with a value, without a sentinel.
type valueError string

func (e valueError) Error() string { return string(e) }

// expandValue applies the loader's rules to one value.
func expandValue(raw string, earlier map[string]string) (string, error) {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 < len(raw) {
				i++
				b.WriteByte(raw[i])
			}
		case c == '$':
			rest := raw[i+1:]
			if !strings.HasPrefix(rest, "{") {
				return "", valueError("$ without {NAME}")
			}
			name, _, ok := strings.Cut(rest[1:], "}")
			if !ok {
				return "", valueError("${ without }")
			}
			b.WriteString(earlier[name])
			i += len(name) + 2
		case c == '"':
			quoted = !quoted
		case (c == ' ' || c == '#') && !quoted:
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
