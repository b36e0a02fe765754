// Package strategies is convoy's pure decision code: given a strategy, the
// contender's target step, whether there is an incumbent, and what was
// observed in each cluster, it says what capacity and traffic each release
// should have in each cluster and whether the step is achieved. It does no
// I/O and imports neither client-go nor controller-runtime; the controllers
// do the I/O and call it. The strategy engine lands with issue 4.
package strategies
