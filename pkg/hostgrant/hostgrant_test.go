package hostgrant

import (
	"strings"
	"testing"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

func TestCheck(t *testing.T) {
	teamA := map[string]string{convoyv1alpha1.AnnotationAllowedHostnames: "*.team-a.apps.example.com, API.example.com."}
	for _, tc := range []struct {
		name        string
		annotations map[string]string
		defaults    string
		hostname    string
		granted     bool
	}{
		{"wildcard one label", teamA, "", "web.team-a.apps.example.com", true},
		{"wildcard two labels", teamA, "", "a.b.team-a.apps.example.com", true},
		{"wildcard apex is not granted", teamA, "", "team-a.apps.example.com", false},
		{"exact, case and trailing dot", teamA, "", "api.example.com.", true},
		{"another tenant's name", teamA, "", "web.team-b.apps.example.com", false},
		{"suffix trick", teamA, "", "evilteam-a.apps.example.com", false},
		{"exact name's subdomain", teamA, "", "x.api.example.com", false},
		{"annotation wins over default", teamA, "*", "web.team-b.apps.example.com", false},
		{"empty annotation grants nothing", map[string]string{convoyv1alpha1.AnnotationAllowedHostnames: ""}, "*", "web.example.com", false},
		{"default allow all", nil, "*", "anything.example.com", true},
		{"default nothing", nil, "", "anything.example.com", false},
		{"default pattern", nil, "*.apps.example.com", "web.apps.example.com", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.hostname, For("team-a", tc.annotations, tc.defaults))
			if (err == nil) != tc.granted {
				t.Fatalf("Check(%s) = %v, want granted=%v", tc.hostname, err, tc.granted)
			}
		})
	}
}

func TestCheckMessageNamesHostnameAndRule(t *testing.T) {
	teamA := map[string]string{convoyv1alpha1.AnnotationAllowedHostnames: "*.team-a.apps.example.com"}
	err := Check("web.team-b.apps.example.com", For("team-a", teamA, "*"))
	want := "hostname web.team-b.apps.example.com is not granted by annotation convoy.dev/allowed-hostnames of Namespace team-a, which grants *.team-a.apps.example.com"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	err = Check("web.example.com", For("team-a", nil, ""))
	if err == nil || !strings.Contains(err.Error(), "--default-allowed-hostnames, which grants nothing") {
		t.Fatalf("got %v", err)
	}
}
