package dnsserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/miekg/dns"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/dnsrecords"
	"github.com/convoy-rollouts/convoy/test/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Run(m)) }

// `convoy dns` on its own serves the DNSRecordSets of its zones from the
// management cluster, reports the generation it serves in their status,
// announces itself with a Lease naming its zones, and gives the Lease up
// when it stops.
func TestStandaloneServerServesRecordSets(t *testing.T) {
	env := testenv.Get(t)
	mgmt := env.ManagementClient(t)
	ns := env.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rs := &convoyv1alpha1.DNSRecordSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api.standalone.test"},
		Spec: convoyv1alpha1.DNSRecordSetSpec{Hostname: "api.standalone.test", TTLSeconds: 5, Provider: convoyv1alpha1.DNSProviderConvoy,
			Records: []convoyv1alpha1.DNSRecord{{SetIdentifier: "eu/api-1", Cluster: "eu", Release: "api-1", Addresses: []string{"127.1.1.7"}, Weight: 1}}},
	}
	if err := mgmt.Create(ctx, rs); err != nil {
		t.Fatal(err)
	}

	serverCtx, stop := context.WithCancel(ctx)
	logs, logWriter := io.Pipe()
	done := make(chan error, 1)
	go func() {
		cmd := NewCommand(logWriter)
		cmd.SetArgs([]string{"--listen", "127.0.0.1:0", "--zone", "standalone.test", "--name", "convoy-dns-standalone",
			"--lease-namespace", ns, "--kubeconfig", env.Kubeconfig, "--context", env.ManagementContext})
		done <- cmd.ExecuteContext(serverCtx)
		logWriter.Close()
	}()
	addr := listeningAddress(t, logs)

	// The record is answered with the set's TTL.
	eventually(t, func() error {
		m := new(dns.Msg)
		m.SetQuestion("api.standalone.test.", dns.TypeA)
		in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, addr)
		if err != nil {
			return err
		}
		if len(in.Answer) != 1 || in.Answer[0].(*dns.A).A.String() != "127.1.1.7" || in.Answer[0].Header().Ttl != 5 {
			return fmt.Errorf("answer %v", in.Answer)
		}
		return nil
	})
	eventually(t, func() error {
		if err := mgmt.Get(ctx, client.ObjectKeyFromObject(rs), rs); err != nil {
			return err
		}
		if !dnsrecords.Serving(rs, "convoy-dns-standalone") {
			return fmt.Errorf("status %+v does not report generation %d served", rs.Status, rs.Generation)
		}
		return nil
	})
	// The lease follows the first records served.
	lease := &coordinationv1.Lease{}
	eventually(t, func() error {
		return mgmt.Get(ctx, client.ObjectKey{Namespace: ns, Name: "convoy-dns-standalone"}, lease)
	})
	if lease.Labels[convoyv1alpha1.LabelDNSServer] == "" || lease.Annotations[convoyv1alpha1.AnnotationDNSZones] != "standalone.test" || lease.Spec.RenewTime == nil {
		t.Errorf("lease %+v", lease.ObjectMeta)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := mgmt.Get(ctx, client.ObjectKeyFromObject(lease), lease); !apierrors.IsNotFound(err) {
		t.Errorf("lease still there after the server stopped: %v", err)
	}
}

// listeningAddress reads the server's address from its JSON log.
func listeningAddress(t *testing.T, logs io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		scanner := bufio.NewScanner(logs)
		for scanner.Scan() {
			var line struct{ Msg, Address string }
			if json.Unmarshal(scanner.Bytes(), &line) == nil && line.Msg == "DNS server listening" {
				found <- line.Address
				break
			}
		}
		_, _ = io.Copy(io.Discard, logs)
	}()
	select {
	case addr := <-found:
		return addr
	case <-time.After(time.Minute):
		t.Fatal("the server never said where it listens")
		return ""
	}
}

func eventually(t *testing.T, check func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
