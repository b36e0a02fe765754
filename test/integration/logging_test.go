package integration

import (
	"fmt"
	"testing"
	"time"
)

// The manager's log lines about a rollout name what they are about: the
// namespace and name of the object, the release and application, the
// cluster and the step where one is concerned.
func TestLogLinesNameTheirObjects(t *testing.T) {
	_, _, mgmt, ns := begin(t)
	app := dnsApplication(ns, "logged", helloRepo(t).URL)
	first, _ := completeFirstRelease(t, mgmt, app)
	find := func(msg string, keys ...string) error {
		for _, line := range managerLogs.lines() {
			if line["msg"] != msg || line["release"] != first.Name {
				continue
			}
			for _, k := range keys {
				if _, ok := line[k]; !ok {
					return fmt.Errorf("%q line %v lacks %q", msg, line, k)
				}
			}
			if line["namespace"] != ns {
				return fmt.Errorf("%q line %v: namespace %v, want %s", msg, line, line["namespace"], ns)
			}
			return nil
		}
		return fmt.Errorf("no %q line about release %s", msg, first.Name)
	}
	eventually(t, 30*time.Second, func() error { return find("step achieved", "application", "step", "name") })
	eventually(t, 30*time.Second, func() error { return find("capacity true", "cluster", "percent", "name") })
	eventually(t, 30*time.Second, func() error { return find("the cluster gets DNS weight", "cluster", "application", "hostname") })
}
