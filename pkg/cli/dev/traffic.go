package dev

import (
	"fmt"
	"os/signal"
	"sort"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/convoy-rollouts/convoy/pkg/cli/clierr"
	"github.com/convoy-rollouts/convoy/pkg/cli/kube"
	"github.com/convoy-rollouts/convoy/pkg/devenv"
	"github.com/convoy-rollouts/convoy/pkg/devenv/dnsprobe"
	"github.com/convoy-rollouts/convoy/pkg/render/helm"
)

func newTrafficCommand(o *options) *cobra.Command {
	var namespace, server string
	var queries int
	var byCluster bool
	cmd := &cobra.Command{
		Use:   "traffic APP --dns ADDR [--by-cluster]",
		Short: "Measure the traffic split clients see, from DNS answers",
		Long: `Resolve the application's hostname against a DNS server many times, as clients
would, and print each release's share of the answers next to the share the
contender's step asks for.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := devenv.Load(o.devenv().Dir)
			if err != nil {
				return err
			}
			c, _, err := (&kube.Flags{Kubeconfig: env.Kubeconfig, Context: env.ManagementContext}).Client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			r, err := kube.LoadRollout(ctx, c, namespace, args[0])
			if err != nil {
				return err
			}
			traffic := r.Application.Spec.Template.Traffic
			if traffic == nil || traffic.DNS == nil {
				return clierr.Usage("application %s/%s has no traffic.dns: convoy does not publish its traffic", namespace, args[0])
			}
			owners, err := dnsprobe.Owners(ctx, c, namespace, traffic.DNS.Hostname)
			if err != nil {
				return err
			}
			shares, err := dnsprobe.Measure(ctx, server, traffic.DNS.Hostname, queries, owners)
			if err != nil {
				return err
			}
			printShares(o, r, shares, traffic.DNS.Hostname, server)
			if byCluster {
				printClusterShares(o, r, shares)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "default", "the application's namespace")
	cmd.Flags().StringVar(&server, "dns", "127.0.0.1:5354", "the DNS server to ask")
	cmd.Flags().IntVar(&queries, "queries", 2000, "how many queries to send")
	cmd.Flags().BoolVar(&byCluster, "by-cluster", false, "also print each cluster's share of the answers, and the contender's share of those")
	return cmd
}

// printShares prints each release's measured share, and what the
// contender's achieved step asks for.
func printShares(o *options, r *kube.Rollout, s dnsprobe.Shares, hostname, server string) {
	fmt.Fprintf(o.out, "traffic to %s seen by %d queries to %s:\n", hostname, s.Total, server)
	asks := map[string]string{}
	if rel := r.Contender; rel != nil && rel.Status.AchievedStep != nil && r.Incumbent != nil {
		step := rel.Spec.Environment.Strategy.Steps[rel.Status.AchievedStep.Step]
		split := step.Traffic
		total := float64(split.Contender + split.Incumbent)
		asks[rel.Name] = fmt.Sprintf("step %q asks %.1f%%", step.Name, 100*float64(split.Contender)/total)
		asks[r.Incumbent.Name] = fmt.Sprintf("step %q asks %.1f%%", step.Name, 100*float64(split.Incumbent)/total)
	}
	var releases []string
	for rel := range s.ByRelease {
		releases = append(releases, rel)
	}
	for _, rel := range []*kube.Release{r.Contender, r.Incumbent} {
		if rel != nil && s.ByRelease[rel.Name] == 0 {
			releases = append(releases, rel.Name)
		}
	}
	sort.Strings(releases)
	for _, rel := range releases {
		role := ""
		switch {
		case r.Contender != nil && rel == r.Contender.Name:
			role = " (contender)"
		case r.Incumbent != nil && rel == r.Incumbent.Name:
			role = " (incumbent)"
		}
		fmt.Fprintf(o.out, "  %-34s %6.1f%%   %s\n", rel+role, s.Percent(rel), asks[rel])
	}
}

func newChartsCommand(o *options) *cobra.Command {
	var listen, dir string
	cmd := &cobra.Command{
		Use:    "charts CHART_DIR... [--listen ADDR]",
		Short:  "Serve chart directories as an HTTP chart repository (for the demo)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				dir = o.devenv().Dir + "/charts"
			}
			repo, err := helm.ServeRepository(listen, dir, args...)
			if err != nil {
				return err
			}
			defer repo.Close()
			fmt.Fprintf(o.out, "chart repository %s serves %d charts from %s\n", repo.URL, len(args), dir)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			<-ctx.Done()
			return nil
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8879", "address to serve on")
	cmd.Flags().StringVar(&dir, "dir", "", "where to put the packaged charts (default: the environment's directory)")
	return cmd
}

// printClusterShares prints each cluster's share of the answers and the
// contender's share of that cluster's: with waves, clusters hold different
// steps.
func printClusterShares(o *options, r *kube.Rollout, s dnsprobe.Shares) {
	clusters := make([]string, 0, len(s.ByCluster))
	for c := range s.ByCluster {
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	fmt.Fprintf(o.out, "  by cluster:\n")
	for _, c := range clusters {
		var all int
		for _, n := range s.ByCluster[c] {
			all += n
		}
		contender := 0.0
		if r.Contender != nil && all > 0 {
			contender = 100 * float64(s.ByCluster[c][r.Contender.Name]) / float64(all)
		}
		fmt.Fprintf(o.out, "    %-12s %5.1f%% of the answers, %5.1f%% of them the contender's\n", c, 100*float64(all)/float64(max(s.Total, 1)), contender)
	}
}
