# A jump from step 0 (staging) straight to the last step (full on) of the vanguard preset.
# The contender's capacity reaches 100% in every cluster before any weight moves; the incumbent keeps
# its capacity until its weight is 0 everywhere.
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 2 (full on), from step 0 achieved
  1  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  2  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/4     0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  3  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/4     0/100      eu-west-b 4*/4    0/100      us-east-a 4/4     0/100
  4  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/100   eu-west-b 4/4     100*/100   us-east-a 4/4     100*/100
  5  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100*/100   eu-west-b 4/4     100*/100   us-east-a 4/4     100/100
  6  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/100    eu-west-b 4/4     100*/100   us-east-a 4/4     100/100
  7  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
  8  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
  9  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0
 10  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 11  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 12  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
 13  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 2
start  eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 2 (full on), from step 0 achieved
  1  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  2  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    0/100      eu-west-b 4/4     0/100      us-east-a 4*/4    0/100
  3  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    0/100      eu-west-b 4/4     0/100      us-east-a 4/4     0/100
  4  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/100   eu-west-b 4/4     100*/100   us-east-a 4/4     100*/100
  5  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100*/100   eu-west-b 4/4     100/100    us-east-a 4/4     100*/100
  6  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100*/100   eu-west-b 4/4     100/100    us-east-a 4/4     100/100
  7  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
  8  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
  9  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0
 10  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 11  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0
 12  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0
 13  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 3
start  eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 2 (full on), from step 0 achieved
  1  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  2  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/4     0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  3  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0/100      us-east-a 4*/4    0/100
  4  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/100   eu-west-b 4/4     100*/100   us-east-a 4/4     100*/100
  5  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/100    eu-west-b 4/4     100*/100   us-east-a 4/4     100*/100
  6  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/100    eu-west-b 4/4     100/100    us-east-a 4/4     100*/100
  7  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
  8  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0      us-east-a 4/4     100/0*
  9  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0      us-east-a 4/4     100/0*
 10  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 11  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 12  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0
 13  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== every seed ends in the same state:
       eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
