package kube

import (
	"context"
	"fmt"
	"slices"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	convoyv1alpha1 "github.com/convoy-rollouts/convoy/apis/convoy/v1alpha1"
	"github.com/convoy-rollouts/convoy/pkg/roles"
)

// Rollout is an Application's rollout as read at one moment.
type Rollout struct {
	Application *convoyv1alpha1.Application
	// Releases, oldest first, each with its targets.
	Releases []*Release
	// Contender and Incumbent as the Application's status names them; nil
	// when it names none.
	Contender, Incumbent *Release
	// Clusters are the application clusters by name.
	Clusters map[string]*convoyv1alpha1.Cluster
}

// Release is a Release with its targets; a target not created yet is nil.
type Release struct {
	*convoyv1alpha1.Release
	Installation *convoyv1alpha1.InstallationTarget
	Capacity     *convoyv1alpha1.CapacityTarget
	Traffic      *convoyv1alpha1.TrafficTarget
}

// NotFoundError is an Application that does not exist.
type NotFoundError struct{ Namespace, Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("application %s not found in namespace %s", e.Name, e.Namespace)
}

// LoadRollout reads the named Application's rollout: the Application
// first, so that the releases its status names are already in the lists
// read after it, then the rest together, in one round trip rather than
// five.
func LoadRollout(ctx context.Context, c client.Reader, namespace, name string) (*Rollout, error) {
	app := &convoyv1alpha1.Application{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, app); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &NotFoundError{namespace, name}
		}
		return nil, fmt.Errorf("reading application %s/%s: %w", namespace, name, err)
	}
	rels := &convoyv1alpha1.ReleaseList{}
	its := &convoyv1alpha1.InstallationTargetList{}
	cts := &convoyv1alpha1.CapacityTargetList{}
	tts := &convoyv1alpha1.TrafficTargetList{}
	clusters := &convoyv1alpha1.ClusterList{}
	ofApp := []client.ListOption{client.InNamespace(namespace), client.MatchingLabels{convoyv1alpha1.LabelApplication: name}}
	lists := []struct {
		list client.ObjectList
		what string
	}{{rels, "releases"}, {its, "targets"}, {cts, "targets"}, {tts, "targets"}}
	errs := make([]error, len(lists))
	var wg sync.WaitGroup
	for i, l := range lists {
		wg.Go(func() {
			if err := c.List(ctx, l.list, ofApp...); err != nil {
				errs[i] = fmt.Errorf("listing the %s of %s/%s: %w", l.what, namespace, name, err)
			}
		})
	}
	// The Clusters only name clusters in what commands print: failing to
	// list them is no error.
	wg.Go(func() {
		if c.List(ctx, clusters) != nil {
			clusters.Items = nil
		}
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	r := &Rollout{Application: app, Clusters: map[string]*convoyv1alpha1.Cluster{}}
	for i := range rels.Items {
		rel := &Release{Release: &rels.Items[i]}
		for j := range its.Items {
			if its.Items[j].Name == rel.Name {
				rel.Installation = &its.Items[j]
			}
		}
		for j := range cts.Items {
			if cts.Items[j].Name == rel.Name {
				rel.Capacity = &cts.Items[j]
			}
		}
		for j := range tts.Items {
			if tts.Items[j].Name == rel.Name {
				rel.Traffic = &tts.Items[j]
			}
		}
		r.Releases = append(r.Releases, rel)
	}
	slices.SortFunc(r.Releases, func(a, b *Release) int { return roles.Compare(a.Release, b.Release) })
	for _, rel := range r.Releases {
		switch rel.Name {
		case app.Status.Contender:
			r.Contender = rel
		case app.Status.Incumbent:
			r.Incumbent = rel
		}
	}
	for i := range clusters.Items {
		r.Clusters[clusters.Items[i].Name] = &clusters.Items[i]
	}
	return r, nil
}
