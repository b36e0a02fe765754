package kube

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
)

// completionTimeout bounds the listing behind a completion: a shell waiting
// on an unreachable cluster would otherwise hang on TAB.
const completionTimeout = 5 * time.Second

// CompleteApplications completes a command's one APP argument with the
// names of the Applications in the namespace the flags select (-n,
// --context and --kubeconfig are parsed before completion runs). Any
// failure completes nothing rather than printing an error into the prompt.
func CompleteApplications(f *Flags) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		c, ns, err := f.Client()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		ctx := cmd.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, completionTimeout)
		defer cancel()
		apps := &convoyv1alpha1.ApplicationList{}
		if err := c.List(ctx, apps, client.InNamespace(ns)); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []string
		for _, a := range apps.Items {
			if strings.HasPrefix(a.Name, toComplete) {
				names = append(names, a.Name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
