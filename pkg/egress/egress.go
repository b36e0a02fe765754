// Package egress decides which URLs the manager may call on a tenant's
// behalf (webhook analysis checks, notifications): only those under the
// prefixes the platform allows, so that a tenant cannot aim the manager at
// an address inside the platform's network.
package egress

import "strings"

// Allowed reports whether url is under one of the prefixes. A prefix
// matches at a path boundary, so https://hooks.example/ci does not allow
// https://hooks.example/ci-admin.
func Allowed(url string, prefixes []string) bool {
	for _, p := range prefixes {
		if url == p || strings.HasPrefix(url, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}
