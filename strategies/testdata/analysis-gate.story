# The vanguard preset with gates on step 1 (canary): a 5-minute soak and an error-rate check.
# Once the canary's capacity and traffic are achieved in every cluster, the step waits at Analysis
# (here for two iterations) and is achieved only when its gates pass. Nothing moves meanwhile, so
# the checks measure the step's own traffic. Step 2 has no gates and is achieved as before.
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 1 (canary), from step 0 achieved
  1  step 1 fwd   ContenderCapacity  contender capacity → 10%   eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  2  step 1 fwd   ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  3  step 1 fwd   ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1/4     0/100
  4  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 1/4     10*/100    eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
  5  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10*/100    eu-west-b 1/4     10*/100    us-east-a 1/4     10/100
  6  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10/100
  7  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
  8  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
  9  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90*     us-east-a 1/4     10/90
 10  step 1 fwd   IncumbentCapacity  incumbent capacity → 90%   eu-west-a 1/4*    10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 11  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4*    10/90      eu-west-b 1/4     10/90      us-east-a 1/4*    10/90
 12  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4*    10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 13  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 14  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 15  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 16  step 1 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
-- targetStep 2 (full on), from step 1 achieved
 17  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    10/90      eu-west-b 4*/4    10/90      us-east-a 4*/4    10/90
 18  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4*/4    10/90
 19  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4/4     10/90
 20  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/90    eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 21  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 22  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100/90
 23  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
 24  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0      us-east-a 4/4     100/0*
 25  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0      us-east-a 4/4     100/0
 26  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 27  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 28  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
 29  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 2
start  eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 1 (canary), from step 0 achieved
  1  step 1 fwd   ContenderCapacity  contender capacity → 10%   eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  2  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1*/4    0/100
  3  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
  4  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 1/4     10*/100    eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
  5  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10*/100    eu-west-b 1/4     10/100     us-east-a 1/4     10*/100
  6  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10*/100    eu-west-b 1/4     10/100     us-east-a 1/4     10/100
  7  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
  8  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
  9  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90*     us-east-a 1/4     10/90
 10  step 1 fwd   IncumbentCapacity  incumbent capacity → 90%   eu-west-a 1/4*    10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 11  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4*    10/90      eu-west-b 1/4*    10/90      us-east-a 1/4     10/90
 12  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4     10/90      eu-west-b 1/4*    10/90      us-east-a 1/4     10/90
 13  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 14  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 15  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 16  step 1 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
-- targetStep 2 (full on), from step 1 achieved
 17  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    10/90      eu-west-b 4*/4    10/90      us-east-a 4*/4    10/90
 18  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4*/4    10/90
 19  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4/4     10/90
 20  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/90    eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 21  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 22  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100/90
 23  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
 24  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0
 25  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0
 26  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 27  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 28  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0
 29  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 3
start  eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 1 (canary), from step 0 achieved
  1  step 1 fwd   ContenderCapacity  contender capacity → 10%   eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  2  step 1 fwd   ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  3  step 1 fwd   ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1*/4    0/100
  4  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 1/4     10*/100    eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
  5  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
  6  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10/100     us-east-a 1/4     10*/100
  7  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
  8  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90      us-east-a 1/4     10/90*
  9  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90*
 10  step 1 fwd   IncumbentCapacity  incumbent capacity → 90%   eu-west-a 1/4*    10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 11  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4     10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 12  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4     10/90      eu-west-b 1/4*    10/90      us-east-a 1/4     10/90
 13  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 14  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 15  step 1 fwd   Analysis           -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 16  step 1 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
-- targetStep 2 (full on), from step 1 achieved
 17  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    10/90      eu-west-b 4*/4    10/90      us-east-a 4*/4    10/90
 18  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4*/4    10/90
 19  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4/4     10/90
 20  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/90    eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 21  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 22  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100/90
 23  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
 24  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0      us-east-a 4/4     100/0*
 25  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0      us-east-a 4/4     100/0*
 26  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 27  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 28  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 29  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== every seed ends in the same state:
       eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
