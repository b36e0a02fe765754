// Package v1alpha1 holds convoy's API: Applications that describe what to
// roll out and how, the Releases they produce, the per-release installation,
// capacity and traffic targets, the application Clusters they land in, and
// RolloutBlocks that stop new rollouts.
//
// +kubebuilder:object:generate=true
// +groupName=convoy.dev
package v1alpha1
