package dns

import (
	"errors"
	"fmt"
	"strings"
)

// maxNameLen is the longest presentation name (with its trailing dot) whose
// wire form fits the 255 octets DNS allows: every dot becomes a length octet
// and the root adds one.
const maxNameLen = 254

// canonicalName lowercases a hostname, adds the trailing dot and checks that
// it is a plain hostname: labels of letters, digits, hyphens and underscores.
// convoy only publishes such names, which keeps the wire encoding escape-free
// and lets the hot path compare names as plain strings.
func canonicalName(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty name")
	}
	name := strings.ToLower(s)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	if name == "." {
		return "", errors.New("the root is not a hostname")
	}
	if len(name) > maxNameLen {
		return "", fmt.Errorf("name is %d characters long, the DNS allows %d", len(name)-1, maxNameLen-1)
	}
	for label := range strings.SplitSeq(name[:len(name)-1], ".") {
		if err := checkLabel(label); err != nil {
			return "", err
		}
	}
	return name, nil
}

func checkLabel(label string) error {
	switch {
	case label == "":
		return errors.New("empty label")
	case len(label) > 63:
		return fmt.Errorf("label %q is longer than 63 characters", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("label %q starts or ends with a hyphen", label)
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("label %q has character %q; only letters, digits, '-' and '_' are allowed", label, c)
		}
	}
	return nil
}

// parent strips the first label of a canonical name.
func parent(name string) string {
	i := strings.IndexByte(name, '.')
	return name[i+1:]
}

// inZone reports whether name (lowercase, presentation format as unpacked by
// miekg/dns, so possibly with escapes) is zone or below it. zone is canonical.
func inZone(name []byte, zone string) bool {
	if len(name) == len(zone) {
		return string(name) == zone
	}
	cut := len(name) - len(zone) // index of the zone's first byte in name
	if cut < 2 || name[cut-1] != '.' || string(name[cut:]) != zone {
		return false
	}
	// The dot before the zone must end a label, not be an escaped "\." inside
	// one: an odd run of backslashes before it escapes it.
	slashes := 0
	for i := cut - 2; i >= 0 && name[i] == '\\'; i-- {
		slashes++
	}
	return slashes%2 == 0
}

// lowerASCII lowercases in place: DNS names compare case-insensitively in
// ASCII only (RFC 4343), and miekg/dns escapes every other byte.
func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// trimDot drops a canonical name's trailing dot, for metric labels.
func trimDot(name string) string {
	return strings.TrimSuffix(name, ".")
}
