# A second release walked through the vanguard preset one step at a time: 0 (staging) → 1 (canary) → 2 (full on).
# Every step: contender capacity, then contender traffic, then incumbent traffic, then incumbent capacity.
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (staging), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
  2  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0*/4    0*/100     us-east-a 0/4     0*/100     installing: eu-west-b us-east-a
  3  step 0 fwd   Installation       -                          eu-west-a 0/4     0/100      eu-west-b 0*/4    0*/100     us-east-a 0/4     0/100      installing: eu-west-b
  4  step 0 fwd   ContenderCapacity  contender capacity → 1%    eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  5  step 0 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1*/4    0/100
  6  step 0 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
  7  step 0 fwd   Done               -                          eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 1 (canary), from step 0 achieved
  8  step 1 fwd   ContenderCapacity  contender capacity → 10%   eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  9  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1*/4    0/100
 10  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
 11  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 1/4     10*/100    eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
 12  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
 13  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10/100
 14  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
 15  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90      us-east-a 1/4     10/90*
 16  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 17  step 1 fwd   IncumbentCapacity  incumbent capacity → 90%   eu-west-a 1/4*    10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 18  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4*    10/90      eu-west-b 1/4     10/90      us-east-a 1/4*    10/90
 19  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4*    10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
 20  step 1 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
-- targetStep 2 (full on), from step 1 achieved
 21  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    10/90      eu-west-b 4*/4    10/90      us-east-a 4*/4    10/90
 22  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4*/4    10/90
 23  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4/4     10/90      us-east-a 4/4     10/90
 24  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/90    eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 25  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100*/90    eu-west-b 4/4     100/90     us-east-a 4/4     100*/90
 26  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100/90     us-east-a 4/4     100*/90
 27  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
 28  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0      us-east-a 4/4     100/0*
 29  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0      us-east-a 4/4     100/0
 30  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 31  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 32  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0
 33  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 2
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (staging), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
  2  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0/4     0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a us-east-a
  3  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0/4     0*/100     us-east-a 0/4     0/100      installing: eu-west-a
  4  step 0 fwd   ContenderCapacity  contender capacity → 1%    eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  5  step 0 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1/4     0/100
  6  step 0 fwd   ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1/4     0/100
  7  step 0 fwd   Done               -                          eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 1 (canary), from step 0 achieved
  8  step 1 fwd   ContenderCapacity  contender capacity → 10%   eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  9  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1*/4    0/100
 10  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
 11  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 1/4     10*/100    eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
 12  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
 13  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10/100
 14  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
 15  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90*     us-east-a 1/4     10/90
 16  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90*     us-east-a 1/4     10/90
 17  step 1 fwd   IncumbentCapacity  incumbent capacity → 90%   eu-west-a 1/4*    10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 18  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4     10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 19  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4     10/90      eu-west-b 1/4*    10/90      us-east-a 1/4     10/90
 20  step 1 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
-- targetStep 2 (full on), from step 1 achieved
 21  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    10/90      eu-west-b 4*/4    10/90      us-east-a 4*/4    10/90
 22  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/4    10/90      eu-west-b 4*/4    10/90      us-east-a 4/4     10/90
 23  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/4     10/90      eu-west-b 4*/4    10/90      us-east-a 4/4     10/90
 24  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/90    eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 25  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 26  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100/90
 27  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
 28  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0
 29  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0
 30  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 31  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0
 32  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0
 33  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 3
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (staging), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
  2  step 0 fwd   Installation       -                          eu-west-a 0/4     0*/100     eu-west-b 0*/4    0/100      us-east-a 0*/4    0*/100     installing: eu-west-b us-east-a
  3  step 0 fwd   Installation       -                          eu-west-a 0/4     0/100      eu-west-b 0/4     0/100      us-east-a 0*/4    0*/100     installing: us-east-a
  4  step 0 fwd   ContenderCapacity  contender capacity → 1%    eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  5  step 0 fwd   ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  6  step 0 fwd   ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1/4     0/100
  7  step 0 fwd   Done               -                          eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
-- targetStep 1 (canary), from step 0 achieved
  8  step 1 fwd   ContenderCapacity  contender capacity → 10%   eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
  9  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1*/4    0/100
 10  step 1 fwd   ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
 11  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 1/4     10*/100    eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
 12  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10*/100
 13  step 1 fwd   ContenderTraffic   -                          eu-west-a 1/4     10/100     eu-west-b 1/4     10*/100    us-east-a 1/4     10/100
 14  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90*     us-east-a 1/4     10/90*
 15  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90*     eu-west-b 1/4     10/90      us-east-a 1/4     10/90*
 16  step 1 fwd   IncumbentTraffic   -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90*
 17  step 1 fwd   IncumbentCapacity  incumbent capacity → 90%   eu-west-a 1/4*    10/90      eu-west-b 1/4*    10/90      us-east-a 1/4*    10/90
 18  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4*    10/90      eu-west-b 1/4     10/90      us-east-a 1/4*    10/90
 19  step 1 fwd   IncumbentCapacity  -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4*    10/90
 20  step 1 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 1/4     10/90      us-east-a 1/4     10/90
-- targetStep 2 (full on), from step 1 achieved
 21  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    10/90      eu-west-b 4*/4    10/90      us-east-a 4*/4    10/90
 22  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/4     10/90      eu-west-b 4*/4    10/90      us-east-a 4*/4    10/90
 23  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/4     10/90      eu-west-b 4*/4    10/90      us-east-a 4/4     10/90
 24  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/4     100*/90    eu-west-b 4/4     100*/90    us-east-a 4/4     100*/90
 25  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100*/90    eu-west-b 4/4     100*/90    us-east-a 4/4     100/90
 26  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/4     100/90     eu-west-b 4/4     100*/90    us-east-a 4/4     100/90
 27  step 2 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/4     100/0*     eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
 28  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*
 29  step 2 fwd   IncumbentTraffic   -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0      us-east-a 4/4     100/0*
 30  step 2 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 31  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 32  step 2 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 33  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== every seed ends in the same state:
       eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
