// Package devenv runs convoy's local multi-cluster environment: a management
// cluster and several application clusters, each a real control plane (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler) started by kwokctl's
// binary runtime, with kwok standing in for kubelets so Deployments really get
// scheduled, ready pods.
//
// Up is idempotent: it creates what is missing, registers each application
// cluster as a convoy Cluster in the management cluster (with a least
// privilege service account token as its credentials), and writes one
// kubeconfig with a context per cluster. convoy reaches each application
// cluster through a loopback proxy (package apiproxy) that CutAPI cuts, while
// the kubeconfig's contexts reach the API servers directly. Down removes every process and file
// it made. The same environment backs `convoy dev`, `make demo` and the tests.
//
// Nothing here is part of the product's logic: it stands in for what a cloud
// provides (clusters, nodes, load balancer addresses).
package devenv
