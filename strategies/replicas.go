package strategies

// Replicas is the number of pods percent of a full replica count of total
// comes to in one cluster: ceil(total × percent / 100), the rule Shipper
// used ("rather over than under capacity"), computed in integers so no
// float rounding can move a boundary. A non-zero percent of a non-zero total
// is never 0 pods, and 0% is always 0 pods.
//
// A negative total counts as 0 and percent is clamped to 0..100, so the
// result is always between 0 and total.
func Replicas(total, percent int32) int32 {
	if total <= 0 || percent <= 0 {
		return 0
	}
	if percent >= 100 {
		return total
	}
	// int64: total × percent overflows int32 from about 21 million pods.
	return int32((int64(total)*int64(percent) + 99) / 100)
}
