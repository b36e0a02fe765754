// Package inspect implements convoy's read commands: get (one
// application's rollout as a tree, or as a RolloutView document), list (the
// applications of a namespace) and history (an application's releases).
//
// Each printer is split in two pure steps, so that golden tests cover them
// without a cluster: a builder turns what pkg/cli/kube read into a view
// (RolloutView, ListView, HistoryView), and a renderer turns the view into
// text. The machine-readable formats (json, yaml) encode the views, never
// the raw objects, so scripts do not depend on convoy's API internals.
package inspect
