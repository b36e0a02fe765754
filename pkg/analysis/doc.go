// Package analysis judges a step's analysis checks: the small pure
// policies the release controller applies to what it measured, kept apart
// from the measuring (Prometheus queries, webhook calls) so that each rule
// has one home and a table test.
//
//   - Placeholders: a check's query names the cluster, region, release,
//     application and namespace it measures as {{cluster}}, {{region}},
//     {{release}}, {{application}} and {{namespace}}, and its interval as
//     {{interval}}. Expand fills them in; Placeholders lists them, so that
//     `convoy lint` finds an unknown one, or a cluster's placeholder in a
//     global check, offline.
//   - Conditions: successCondition and failureCondition are CEL
//     expressions over result, the list of the query's sample values (a
//     scalar is a list of one). A measurement is Failed when the failure
//     condition holds, Successful when the success condition holds, and
//     Inconclusive when a check has both and neither holds. With only a
//     success condition, not holding is a failure; with only a failure
//     condition, not holding is a success; with neither, every measurement
//     that could be taken succeeds. An expression that cannot be evaluated
//     (result[0] of an empty result) is an Error, a failed measurement
//     rather than a failed release. These are the rules Argo Rollouts'
//     analysis users know.
//   - Verdict: a check takes count measurements, interval apart. It
//     fails on the first failed measurement beyond failureLimit, or the
//     first error beyond consecutiveErrorLimit in a row; it is
//     inconclusive (the release holds for a person) beyond
//     inconclusiveLimit; otherwise it succeeds once count measurements are
//     taken. The verdict needs only a Tally, never the measurements
//     themselves, so a status keeps the last few measurements and the
//     counts, bounded in size, and a restarted manager judges from the
//     status what it would have judged from memory.
package analysis
