# A release superseded at each step of the canary preset, 3 clusters.
#
# r1 completed (the incumbent); r2 was walked to the step named and achieved it; then a new template
# makes r3, which rolls out its step 0 while r2 is superseded. Each line: the tick, the write the
# release controller made (or -), then per release its capacity in percent of full, its DNS weight,
# and its share of the answers; * marks a target not reported achieved in every cluster yet, and
# "pods" the percent of pods ready. Capacity always covers share (I1); r2 keeps its weight until
# r3 and r1 hold the step's capacity, then its traffic leaves, then its capacity (I3).

== r2 superseded at step 0 (canary-10)
start  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0%
  1  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 10         r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3  10%* pods   0% w   0    0.0%
  4  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3  10%* pods   5% w   0    0.0%
  5  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3  10%* pods   8% w   0    0.0%
  6  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3  10%* pods   9% w   0    0.0%
  7  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3  10%* pods  10% w   0    0.0%
  8  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w  10   10.0% | r3  10%* pods  10% w   0    0.0%
  9  r3 contender traffic → 10          r1 100%  pods 100% w  90   81.8% | r2  10%  pods  10% w  10    9.1% | r3  10%  pods  10% w  10*   9.1%
 10  -                                  r1 100%  pods 100% w  90   81.8% | r2  10%  pods  10% w  10    9.1% | r3  10%  pods  10% w  10*   9.1%
 11  -                                  r1 100%  pods 100% w  90   81.8% | r2  10%  pods  10% w  10    9.1% | r3  10%  pods  10% w  10*   9.1%
 12  r2 superseded traffic → 0          r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 13  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 14  -                                  r1 100%  pods 100% w  90   90.0% | r2  10%  pods  10% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 15  r2 superseded capacity → 0         r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 16  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 17  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 18  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%  pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%

== r2 superseded at step 1 (canary-50)
start  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0%
  1  -                                  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 10         r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3  10%* pods   0% w   0    0.0%
  4  -                                  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3  10%* pods   5% w   0    0.0%
  5  -                                  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3  10%* pods   8% w   0    0.0%
  6  -                                  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3  10%* pods   9% w   0    0.0%
  7  -                                  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3  10%* pods  10% w   0    0.0%
  8  -                                  r1 100%  pods 100% w  50   50.0% | r2  50%  pods  50% w  50   50.0% | r3  10%* pods  10% w   0    0.0%
  9  r3 contender traffic → 10          r1 100%  pods 100% w  50   45.5% | r2  50%  pods  50% w  50   45.5% | r3  10%  pods  10% w  10*   9.1%
 10  -                                  r1 100%  pods 100% w  50   45.5% | r2  50%  pods  50% w  50   45.5% | r3  10%  pods  10% w  10*   9.1%
 11  -                                  r1 100%  pods 100% w  50   45.5% | r2  50%  pods  50% w  50   45.5% | r3  10%  pods  10% w  10*   9.1%
 12  r1 incumbent traffic → 90          r1 100%  pods 100% w  90*  60.0% | r2  50%  pods  50% w  50   33.3% | r3  10%  pods  10% w  10    6.7%
 13  r2 superseded traffic → 0          r1 100%  pods 100% w  90*  90.0% | r2  50%  pods  50% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 14  -                                  r1 100%  pods 100% w  90*  90.0% | r2  50%  pods  50% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 15  -                                  r1 100%  pods 100% w  90   90.0% | r2  50%  pods  50% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 16  r2 superseded capacity → 0         r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 17  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 18  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 19  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%  pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%

== r2 complete, so it is r3's incumbent and r1 is superseded, at step 2 (full on)
start  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0%
  1  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 10         r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   0% w   0    0.0%
  4  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   5% w   0    0.0%
  5  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   8% w   0    0.0%
  6  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   9% w   0    0.0%
  7  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods  10% w   0    0.0%
  8  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods  10% w   0    0.0%
  9  r3 contender traffic → 10          r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100   90.9% | r3  10%  pods  10% w  10*   9.1%
 10  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100   90.9% | r3  10%  pods  10% w  10*   9.1%
 11  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100   90.9% | r3  10%  pods  10% w  10*   9.1%
 12  r2 incumbent traffic → 90          r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w  90*  90.0% | r3  10%  pods  10% w  10   10.0%
 13  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w  90*  90.0% | r3  10%  pods  10% w  10   10.0%
 14  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w  90*  90.0% | r3  10%  pods  10% w  10   10.0%
 15  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w  90   90.0% | r3  10%  pods  10% w  10   10.0%

== r2 superseded half-way, the incumbent's weight 0 already, at step 2 (full on)
start  r1 100%  pods 100% w   0*   0.0% | r2 100%  pods 100% w 100  100.0%
  1  -                                  r1 100%  pods 100% w   0*   0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1 100%  pods 100% w   0*   0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 10         r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   0% w   0    0.0%
  4  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   5% w   0    0.0%
  5  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   8% w   0    0.0%
  6  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods   9% w   0    0.0%
  7  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods  10% w   0    0.0%
  8  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3  10%* pods  10% w   0    0.0%
  9  r3 contender traffic → 10          r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100   90.9% | r3  10%  pods  10% w  10*   9.1%
 10  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100   90.9% | r3  10%  pods  10% w  10*   9.1%
 11  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100   90.9% | r3  10%  pods  10% w  10*   9.1%
 12  r1 incumbent traffic → 90          r1 100%  pods 100% w  90*  45.0% | r2 100%  pods 100% w 100   50.0% | r3  10%  pods  10% w  10    5.0%
 13  r2 superseded traffic → 0          r1 100%  pods 100% w  90*  90.0% | r2 100%  pods 100% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 14  -                                  r1 100%  pods 100% w  90*  90.0% | r2 100%  pods 100% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 15  -                                  r1 100%  pods 100% w  90   90.0% | r2 100%  pods 100% w   0*   0.0% | r3  10%  pods  10% w  10   10.0%
 16  r2 superseded capacity → 0         r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 17  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 18  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%* pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
 19  -                                  r1 100%  pods 100% w  90   90.0% | r2   0%  pods   0% w   0    0.0% | r3  10%  pods  10% w  10   10.0%
