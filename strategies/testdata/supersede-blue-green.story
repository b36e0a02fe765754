# A release superseded at each step of the blue-green preset, 3 clusters.
#
# r1 completed (the incumbent); r2 was walked to the step named and achieved it; then a new template
# makes r3, which rolls out its step 0 while r2 is superseded. Each line: the tick, the write the
# release controller made (or -), then per release its capacity in percent of full, its DNS weight,
# and its share of the answers; * marks a target not reported achieved in every cluster yet, and
# "pods" the percent of pods ready. Capacity always covers share (I1); r2 keeps its weight until
# r3 and r1 hold the step's capacity, then its traffic leaves, then its capacity (I3).

== r2 superseded at step 0 (green)
start  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0%
  1  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 100        r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods   0% w   0    0.0%
  4  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods  50% w   0    0.0%
  5  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods  75% w   0    0.0%
  6  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods  88% w   0    0.0%
  7  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods  94% w   0    0.0%
  8  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods  97% w   0    0.0%
  9  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods  99% w   0    0.0%
 10  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods 100% w   0    0.0%
 11  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0    0.0% | r3 100%* pods 100% w   0    0.0%
 12  r2 superseded capacity → 0         r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 13  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 14  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 15  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%  pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%

== r2 superseded at step 1 (switch)
start  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0%
  1  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 100        r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods   0% w   0    0.0%
  4  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  50% w   0    0.0%
  5  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  75% w   0    0.0%
  6  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  88% w   0    0.0%
  7  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  94% w   0    0.0%
  8  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  97% w   0    0.0%
  9  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  99% w   0    0.0%
 10  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods 100% w   0    0.0%
 11  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods 100% w   0    0.0%
 12  r1 incumbent traffic → 100         r1 100%  pods 100% w 100*  50.0% | r2 100%  pods 100% w 100   50.0% | r3 100%  pods 100% w   0    0.0%
 13  r2 superseded traffic → 0          r1 100%  pods 100% w 100* 100.0% | r2 100%  pods 100% w   0*   0.0% | r3 100%  pods 100% w   0    0.0%
 14  -                                  r1 100%  pods 100% w 100* 100.0% | r2 100%  pods 100% w   0*   0.0% | r3 100%  pods 100% w   0    0.0%
 15  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0*   0.0% | r3 100%  pods 100% w   0    0.0%
 16  r2 superseded capacity → 0         r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 17  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 18  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 19  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%  pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%

== r2 complete, so it is r3's incumbent and r1 is superseded, at step 2 (full on)
start  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0%
  1  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 100        r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods   0% w   0    0.0%
  4  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  50% w   0    0.0%
  5  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  75% w   0    0.0%
  6  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  88% w   0    0.0%
  7  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  94% w   0    0.0%
  8  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  97% w   0    0.0%
  9  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  99% w   0    0.0%
 10  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods 100% w   0    0.0%
 11  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods 100% w   0    0.0%
 12  -                                  r1   0%  pods   0% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%  pods 100% w   0    0.0%

== r2 superseded half-way, the incumbent's weight 0 already, at step 2 (full on)
start  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0%
  1  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  2  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3   0%  pods   0% w   0    0.0%
  3  r3 contender capacity → 100        r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods   0% w   0    0.0%
  4  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  50% w   0    0.0%
  5  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  75% w   0    0.0%
  6  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  88% w   0    0.0%
  7  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  94% w   0    0.0%
  8  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  97% w   0    0.0%
  9  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods  99% w   0    0.0%
 10  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods 100% w   0    0.0%
 11  -                                  r1 100%  pods 100% w   0    0.0% | r2 100%  pods 100% w 100  100.0% | r3 100%* pods 100% w   0    0.0%
 12  r1 incumbent traffic → 100         r1 100%  pods 100% w 100*  50.0% | r2 100%  pods 100% w 100   50.0% | r3 100%  pods 100% w   0    0.0%
 13  r2 superseded traffic → 0          r1 100%  pods 100% w 100* 100.0% | r2 100%  pods 100% w   0*   0.0% | r3 100%  pods 100% w   0    0.0%
 14  -                                  r1 100%  pods 100% w 100* 100.0% | r2 100%  pods 100% w   0*   0.0% | r3 100%  pods 100% w   0    0.0%
 15  -                                  r1 100%  pods 100% w 100  100.0% | r2 100%  pods 100% w   0*   0.0% | r3 100%  pods 100% w   0    0.0%
 16  r2 superseded capacity → 0         r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 17  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 18  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%* pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
 19  -                                  r1 100%  pods 100% w 100  100.0% | r2   0%  pods   0% w   0    0.0% | r3 100%  pods 100% w   0    0.0%
