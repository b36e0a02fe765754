// Package hostgrant decides whether a namespace may publish a hostname: the
// platform grants each namespace hostname patterns (an annotation on the
// management cluster's Namespace), with a manager-wide default for
// namespaces it did not annotate. It is pure, so that the traffic
// controller and anything else that publishes names apply one rule.
package hostgrant

import (
	"fmt"
	"strings"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// ReasonHostnameNotGranted is the condition reason of a hostname the
// platform did not grant to the namespace.
const ReasonHostnameNotGranted = "HostnameNotGranted"

// AllowAll is the pattern that grants every hostname.
const AllowAll = "*"

// Rule is the hostname patterns granted to one namespace, and where they
// come from, for messages.
type Rule struct {
	Patterns []string
	// Source names where the patterns were set.
	Source string
}

// For is the rule of a namespace: its annotation when set (even empty:
// nothing granted), else the manager's default.
func For(namespace string, annotations map[string]string, defaultPatterns string) Rule {
	if v, ok := annotations[convoyv1alpha1.AnnotationAllowedHostnames]; ok {
		return Rule{Patterns: Parse(v), Source: fmt.Sprintf("annotation %s of Namespace %s", convoyv1alpha1.AnnotationAllowedHostnames, namespace)}
	}
	return Rule{Patterns: Parse(defaultPatterns), Source: "the manager's --default-allowed-hostnames"}
}

// Parse splits comma-separated patterns, normalized.
func Parse(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = normalize(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func normalize(s string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
}

// Check returns nil when the rule grants hostname, else an error naming
// the hostname, the patterns and their source.
func Check(hostname string, rule Rule) error {
	host := normalize(hostname)
	for _, p := range rule.Patterns {
		if Match(p, host) {
			return nil
		}
	}
	granted := "nothing"
	if len(rule.Patterns) > 0 {
		granted = strings.Join(rule.Patterns, ", ")
	}
	return fmt.Errorf("hostname %s is not granted by %s, which grants %s", hostname, rule.Source, granted)
}

// Match reports whether pattern grants hostname (both normalized): "*"
// grants everything, "*.example.com" every name below example.com at any
// depth but not example.com itself, anything else exactly that name.
func Match(pattern, hostname string) bool {
	switch {
	case pattern == AllowAll:
		return true
	case strings.HasPrefix(pattern, "*."):
		suffix := pattern[1:] // ".example.com"
		return len(hostname) > len(suffix) && strings.HasSuffix(hostname, suffix)
	default:
		return hostname == pattern
	}
}
