package config

import (
	"strconv"
	"strings"
)

// property is one key=value pair of a Java properties file, with the line its logical
// line starts on.
type property struct {
	Key, Value string
	Line       int
}

// parseProperties reads text as java.util.Properties.load does: '#' and '!' comment
// lines, key and value separated by '=', ':' or whitespace, backslash line
// continuations and escapes (\t \n \r \f \uXXXX, \x for any other x). Unlike Java it
// keeps every pair in file order, so duplicates and line numbers stay visible, and it
// reads UTF-8 rather than ISO-8859-1.
func parseProperties(file, text string) ([]property, error) {
	var props []property
	lines := splitLines(text)
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := trimLeftWS(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines: a line ending in an odd number of backslashes.
		logical := line
		for endsWithContinuation(logical) && i+1 < len(lines) {
			i++
			logical = logical[:len(logical)-1] + trimLeftWS(lines[i])
		}
		if endsWithContinuation(logical) {
			logical = logical[:len(logical)-1]
		}
		key, value, err := splitKeyValue(logical)
		if err != nil {
			return nil, &Error{File: file, Line: start, Key: key, Reason: err.Error()}
		}
		props = append(props, property{Key: key, Value: value, Line: start})
	}
	return props, nil
}

// splitLines splits on \n, \r\n and \r, as Java's LineReader does.
func splitLines(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i])
		if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
			i++
		}
		text = text[i+1:]
	}
	return out
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeftWS(s string) string {
	i := 0
	for i < len(s) && isWS(s[i]) {
		i++
	}
	return s[i:]
}

func endsWithContinuation(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitKeyValue splits a logical line (leading whitespace already gone). The key ends
// at the first unescaped '=', ':' or whitespace; whitespace and at most one '=' or ':'
// separate it from the value.
func splitKeyValue(line string) (key, value string, err error) {
	end := len(line)
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == '\\' {
			i++
			continue
		}
		if c == '=' || c == ':' || isWS(c) {
			end = i
			break
		}
	}
	rest := line[end:]
	rest = trimLeftWS(rest)
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = trimLeftWS(rest[1:])
	}
	rawKey := line[:end]
	if key, err = unescape(rawKey); err != nil {
		return rawKey, "", err
	}
	if value, err = unescape(rest); err != nil {
		return key, "", err
	}
	return key, value, nil
}

func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", errMalformedUnicode
			}
			r, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", errMalformedUnicode
			}
			b.WriteRune(rune(r))
			i += 4
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}
