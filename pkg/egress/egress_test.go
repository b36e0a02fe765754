package egress

import "testing"

func TestAllowed(t *testing.T) {
	allow := []string{"https://hooks.example/ci", "http://127.0.0.1:8080/"}
	for url, want := range map[string]bool{
		"https://hooks.example/ci":          true,
		"https://hooks.example/ci/smoke":    true,
		"https://hooks.example/ci-admin":    false,
		"http://127.0.0.1:8080/load":        true,
		"http://169.254.169.254/latest":     false,
		"https://hooks.example.evil.com/ci": false,
	} {
		if got := Allowed(url, allow); got != want {
			t.Errorf("Allowed(%s) = %v, want %v", url, got, want)
		}
	}
	if Allowed("https://hooks.example/ci", nil) {
		t.Error("with no prefix allowed, a URL was")
	}
}
