# Three waves over 5 clusters in 3 regions, walked step by step. Wave "canary" (eu-west-a) takes the canary
# preset's three steps; wave "eu-us" (eu-west-b, us-east-a, us-east-b) then goes straight to full on, two
# clusters at a time (maxConcurrency 2); wave "ap" (ap-south-a) last. While a wave moves, the waves before
# it hold their last step and the waves after it hold the incumbent whole (0/4 pods, weights 0/100), so each
# cluster keeps its share of the hostname: its weights always add up to 100.
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     us-east-b 0*/4    0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b us-east-a us-east-b
-- targetStep 0 (canary/canary-10), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     us-east-b 0*/4    0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b us-east-a us-east-b
  2  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0/4     0*/100     us-east-a 0*/4    0*/100     us-east-b 0*/4    0*/100     ap-south-a 0*/4    0/100      installing: ap-south-a eu-west-a eu-west-b us-east-b
  3  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0/4     0*/100     us-east-a 0*/4    0/100      us-east-b 0/4     0*/100     ap-south-a 0*/4    0/100      installing: ap-south-a eu-west-b us-east-b
  4  step 0 fwd   Installation       -                          eu-west-a 0/4     0*/100     eu-west-b 0/4     0*/100     us-east-a 0*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0*/4    0/100      installing: ap-south-a us-east-b
  5  step 0 fwd   Installation       -                          eu-west-a 0/4     0*/100     eu-west-b 0/4     0/100      us-east-a 0*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100      installing: us-east-b
  6  step 0 fwd   ContenderCapacity  contender capacity → 10% in eu-west-a  eu-west-a 1*/4    0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  7  step 0 fwd   ContenderTraffic   contender traffic → 10 in eu-west-a  eu-west-a 1/4     10*/100    eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  8  step 0 fwd   IncumbentTraffic   incumbent traffic → 90 in eu-west-a  eu-west-a 1/4     10/90*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  9  step 0 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 1 (canary/canary-50), from step 0 achieved
 10  step 1 fwd   ContenderCapacity  contender capacity → 50% in eu-west-a  eu-west-a 2*/4    10/90      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 11  step 1 fwd   ContenderTraffic   contender traffic → 50 in eu-west-a  eu-west-a 2/4     50*/90     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 12  step 1 fwd   IncumbentTraffic   incumbent traffic → 50 in eu-west-a  eu-west-a 2/4     50/50*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 13  step 1 fwd   Done               -                          eu-west-a 2/4     50/50      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 2 (canary/full on), from step 1 achieved
 14  step 2 fwd   ContenderCapacity  contender capacity → 100% in eu-west-a  eu-west-a 4*/4    50/50      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 15  step 2 fwd   ContenderTraffic   contender traffic → 100 in eu-west-a  eu-west-a 4/4     100*/50    eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 16  step 2 fwd   IncumbentTraffic   incumbent traffic → 0 in eu-west-a  eu-west-a 4/4     100/0*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 17  step 2 fwd   IncumbentCapacity  incumbent capacity → 0% in eu-west-a  eu-west-a 4/0*    100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 18  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 3 (eu-us/full on), from step 2 achieved
 19  step 3 fwd   ContenderCapacity  contender capacity → 100% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 20  step 3 fwd   ContenderCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4*/4    0/100      us-east-a 4/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 21  step 3 fwd   ContenderTraffic   contender traffic → 100 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100*/100   us-east-a 4/4     100*/100   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 22  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100*/100   us-east-a 4/4     100/100    us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 23  step 3 fwd   IncumbentTraffic   incumbent traffic → 0 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 24  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 25  step 3 fwd   IncumbentCapacity  incumbent capacity → 0% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 26  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 27  step 3 fwd   ContenderCapacity  contender capacity → 100% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4*/4    0/100      ap-south-a 0/4     0/100
 28  step 3 fwd   ContenderTraffic   contender traffic → 100 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100*/100   ap-south-a 0/4     0/100
 29  step 3 fwd   IncumbentTraffic   incumbent traffic → 0 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100/0*     ap-south-a 0/4     0/100
 30  step 3 fwd   IncumbentCapacity  incumbent capacity → 0% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0*    100/0      ap-south-a 0/4     0/100
 31  step 3 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 0/4     0/100
-- targetStep 4 (ap/full on), from step 3 achieved
 32  step 4 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4*/4    0/100
 33  step 4 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/4     100*/100
 34  step 4 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/4     100/0*
 35  step 4 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/0*    100/0
 36  step 4 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/0     100/0

== seed 2
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     us-east-b 0*/4    0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b us-east-a us-east-b
-- targetStep 0 (canary/canary-10), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     us-east-b 0*/4    0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b us-east-a us-east-b
  2  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0/4     0*/100     us-east-b 0*/4    0/100      ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b us-east-a
  3  step 0 fwd   Installation       -                          eu-west-a 0/4     0*/100     eu-west-b 0*/4    0*/100     us-east-a 0/4     0/100      us-east-b 0*/4    0/100      ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b
  4  step 0 fwd   Installation       -                          eu-west-a 0/4     0*/100     eu-west-b 0/4     0*/100     us-east-a 0/4     0/100      us-east-b 0*/4    0/100      ap-south-a 0*/4    0/100      installing: eu-west-a eu-west-b
  5  step 0 fwd   Installation       -                          eu-west-a 0/4     0/100      eu-west-b 0/4     0*/100     us-east-a 0/4     0/100      us-east-b 0*/4    0/100      ap-south-a 0/4     0/100      installing: eu-west-a
  6  step 0 fwd   ContenderCapacity  contender capacity → 10% in eu-west-a  eu-west-a 1*/4    0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  7  step 0 fwd   ContenderTraffic   contender traffic → 10 in eu-west-a  eu-west-a 1/4     10*/100    eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  8  step 0 fwd   IncumbentTraffic   incumbent traffic → 90 in eu-west-a  eu-west-a 1/4     10/90*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  9  step 0 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 1 (canary/canary-50), from step 0 achieved
 10  step 1 fwd   ContenderCapacity  contender capacity → 50% in eu-west-a  eu-west-a 2*/4    10/90      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 11  step 1 fwd   ContenderTraffic   contender traffic → 50 in eu-west-a  eu-west-a 2/4     50*/90     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 12  step 1 fwd   IncumbentTraffic   incumbent traffic → 50 in eu-west-a  eu-west-a 2/4     50/50*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 13  step 1 fwd   Done               -                          eu-west-a 2/4     50/50      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 2 (canary/full on), from step 1 achieved
 14  step 2 fwd   ContenderCapacity  contender capacity → 100% in eu-west-a  eu-west-a 4*/4    50/50      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 15  step 2 fwd   ContenderTraffic   contender traffic → 100 in eu-west-a  eu-west-a 4/4     100*/50    eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 16  step 2 fwd   IncumbentTraffic   incumbent traffic → 0 in eu-west-a  eu-west-a 4/4     100/0*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 17  step 2 fwd   IncumbentCapacity  incumbent capacity → 0% in eu-west-a  eu-west-a 4/0*    100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 18  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 3 (eu-us/full on), from step 2 achieved
 19  step 3 fwd   ContenderCapacity  contender capacity → 100% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 20  step 3 fwd   ContenderCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4*/4    0/100      us-east-a 4/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 21  step 3 fwd   ContenderTraffic   contender traffic → 100 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100*/100   us-east-a 4/4     100*/100   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 22  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100*/100   us-east-a 4/4     100/100    us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 23  step 3 fwd   IncumbentTraffic   incumbent traffic → 0 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 24  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/0      us-east-a 4/4     100/0*     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 25  step 3 fwd   IncumbentCapacity  incumbent capacity → 0% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 26  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 27  step 3 fwd   ContenderCapacity  contender capacity → 100% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4*/4    0/100      ap-south-a 0/4     0/100
 28  step 3 fwd   ContenderTraffic   contender traffic → 100 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100*/100   ap-south-a 0/4     0/100
 29  step 3 fwd   IncumbentTraffic   incumbent traffic → 0 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100/0*     ap-south-a 0/4     0/100
 30  step 3 fwd   IncumbentCapacity  incumbent capacity → 0% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0*    100/0      ap-south-a 0/4     0/100
 31  step 3 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 0/4     0/100
-- targetStep 4 (ap/full on), from step 3 achieved
 32  step 4 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4*/4    0/100
 33  step 4 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/4     100*/100
 34  step 4 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/4     100/0*
 35  step 4 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/0*    100/0
 36  step 4 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/0     100/0

== seed 3
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     us-east-b 0*/4    0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b us-east-a us-east-b
-- targetStep 0 (canary/canary-10), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     us-east-b 0*/4    0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-a eu-west-b us-east-a us-east-b
  2  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     us-east-b 0/4     0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a eu-west-b us-east-a us-east-b
  3  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0*/4    0*/100     us-east-a 0/4     0/100      us-east-b 0/4     0*/100     ap-south-a 0*/4    0*/100     installing: ap-south-a us-east-a us-east-b
  4  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0/4     0*/100     us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0*/4    0*/100     installing: us-east-a us-east-b
  5  step 0 fwd   Installation       -                          eu-west-a 0/4     0/100      eu-west-b 0/4     0*/100     us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0*/4    0/100      installing: us-east-b
  6  step 0 fwd   ContenderCapacity  contender capacity → 10% in eu-west-a  eu-west-a 1*/4    0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  7  step 0 fwd   ContenderTraffic   contender traffic → 10 in eu-west-a  eu-west-a 1/4     10*/100    eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  8  step 0 fwd   IncumbentTraffic   incumbent traffic → 90 in eu-west-a  eu-west-a 1/4     10/90*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  9  step 0 fwd   Done               -                          eu-west-a 1/4     10/90      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 1 (canary/canary-50), from step 0 achieved
 10  step 1 fwd   ContenderCapacity  contender capacity → 50% in eu-west-a  eu-west-a 2*/4    10/90      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 11  step 1 fwd   ContenderTraffic   contender traffic → 50 in eu-west-a  eu-west-a 2/4     50*/90     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 12  step 1 fwd   IncumbentTraffic   incumbent traffic → 50 in eu-west-a  eu-west-a 2/4     50/50*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 13  step 1 fwd   Done               -                          eu-west-a 2/4     50/50      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 2 (canary/full on), from step 1 achieved
 14  step 2 fwd   ContenderCapacity  contender capacity → 100% in eu-west-a  eu-west-a 4*/4    50/50      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 15  step 2 fwd   ContenderTraffic   contender traffic → 100 in eu-west-a  eu-west-a 4/4     100*/50    eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 16  step 2 fwd   IncumbentTraffic   incumbent traffic → 0 in eu-west-a  eu-west-a 4/4     100/0*     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 17  step 2 fwd   IncumbentCapacity  incumbent capacity → 0% in eu-west-a  eu-west-a 4/0*    100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 18  step 2 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
-- targetStep 3 (eu-us/full on), from step 2 achieved
 19  step 3 fwd   ContenderCapacity  contender capacity → 100% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 20  step 3 fwd   ContenderCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/4     0/100      us-east-a 4*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 21  step 3 fwd   ContenderTraffic   contender traffic → 100 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100*/100   us-east-a 4/4     100*/100   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 22  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100*/100   us-east-a 4/4     100/100    us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 23  step 3 fwd   IncumbentTraffic   incumbent traffic → 0 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100/0*     us-east-a 4/4     100/0*     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 24  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/0      us-east-a 4/4     100/0*     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 25  step 3 fwd   IncumbentCapacity  incumbent capacity → 0% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 26  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0*    100/0      us-east-a 4/0     100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 27  step 3 fwd   ContenderCapacity  contender capacity → 100% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4*/4    0/100      ap-south-a 0/4     0/100
 28  step 3 fwd   ContenderTraffic   contender traffic → 100 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100*/100   ap-south-a 0/4     0/100
 29  step 3 fwd   IncumbentTraffic   incumbent traffic → 0 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100/0*     ap-south-a 0/4     0/100
 30  step 3 fwd   IncumbentCapacity  incumbent capacity → 0% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0*    100/0      ap-south-a 0/4     0/100
 31  step 3 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 0/4     0/100
-- targetStep 4 (ap/full on), from step 3 achieved
 32  step 4 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4*/4    0/100
 33  step 4 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/4     100*/100
 34  step 4 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/4     100/0*
 35  step 4 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/0*    100/0
 36  step 4 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/0     100/0

== every seed ends in the same state:
       eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 4/0     100/0
