# A custom 4-step strategy walked 0 → 1 → 2 → 3: warm (contender at 100% without traffic), taste (50%
# serving weight 10), half (50/50), full on. From warm to taste the contender's capacity falls while
# its traffic rises: the weight rises onto the warm capacity first, capacity falls after.
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (warm), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
  2  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0*/4    0*/100     us-east-a 0/4     0*/100     installing: eu-west-b us-east-a
  3  step 0 fwd   Installation       -                          eu-west-a 0/4     0/100      eu-west-b 0*/4    0*/100     us-east-a 0/4     0/100      installing: eu-west-b
  4  step 0 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  5  step 0 fwd   ContenderCapacity  -                          eu-west-a 4*/4    0/100      eu-west-b 4/4     0/100      us-east-a 4*/4    0/100
  6  step 0 fwd   ContenderCapacity  -                          eu-west-a 4*/4    0/100      eu-west-b 4/4     0/100      us-east-a 4/4     0/100
  7  step 0 fwd   Done               -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0/100      us-east-a 4/4     0/100
-- targetStep 1 (taste), from step 0 achieved
  8  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 4/4     10*/100    eu-west-b 4/4     10*/100    us-east-a 4/4     10*/100
  9  step 1 fwd   ContenderTraffic   -                          eu-west-a 4/4     10*/100    eu-west-b 4/4     10/100     us-east-a 4/4     10*/100
 10  step 1 fwd   ContenderTraffic   -                          eu-west-a 4/4     10*/100    eu-west-b 4/4     10/100     us-east-a 4/4     10/100
 11  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 4/4     10/90*     eu-west-b 4/4     10/90*     us-east-a 4/4     10/90*
 12  step 1 fwd   IncumbentTraffic   -                          eu-west-a 4/4     10/90      eu-west-b 4/4     10/90*     us-east-a 4/4     10/90*
 13  step 1 fwd   IncumbentTraffic   -                          eu-west-a 4/4     10/90      eu-west-b 4/4     10/90*     us-east-a 4/4     10/90
 14  step 1 fwd   ContenderCapacity  contender capacity → 50%   eu-west-a 2*/4    10/90      eu-west-b 2*/4    10/90      us-east-a 2*/4    10/90
 15  step 1 fwd   ContenderCapacity  -                          eu-west-a 2*/4    10/90      eu-west-b 2/4     10/90      us-east-a 2*/4    10/90
 16  step 1 fwd   ContenderCapacity  -                          eu-west-a 2*/4    10/90      eu-west-b 2/4     10/90      us-east-a 2/4     10/90
 17  step 1 fwd   Done               -                          eu-west-a 2/4     10/90      eu-west-b 2/4     10/90      us-east-a 2/4     10/90
-- targetStep 2 (half), from step 1 achieved
 18  step 2 fwd   ContenderTraffic   contender traffic → 50     eu-west-a 2/4     50*/90     eu-west-b 2/4     50*/90     us-east-a 2/4     50*/90
 19  step 2 fwd   ContenderTraffic   -                          eu-west-a 2/4     50*/90     eu-west-b 2/4     50/90      us-east-a 2/4     50*/90
 20  step 2 fwd   ContenderTraffic   -                          eu-west-a 2/4     50*/90     eu-west-b 2/4     50/90      us-east-a 2/4     50/90
 21  step 2 fwd   IncumbentTraffic   incumbent traffic → 50     eu-west-a 2/4     50/50*     eu-west-b 2/4     50/50*     us-east-a 2/4     50/50*
 22  step 2 fwd   IncumbentTraffic   -                          eu-west-a 2/4     50/50*     eu-west-b 2/4     50/50      us-east-a 2/4     50/50*
 23  step 2 fwd   IncumbentTraffic   -                          eu-west-a 2/4     50/50*     eu-west-b 2/4     50/50      us-east-a 2/4     50/50
 24  step 2 fwd   IncumbentCapacity  incumbent capacity → 50%   eu-west-a 2/2*    50/50      eu-west-b 2/2*    50/50      us-east-a 2/2*    50/50
 25  step 2 fwd   IncumbentCapacity  -                          eu-west-a 2/2*    50/50      eu-west-b 2/2     50/50      us-east-a 2/2*    50/50
 26  step 2 fwd   IncumbentCapacity  -                          eu-west-a 2/2     50/50      eu-west-b 2/2     50/50      us-east-a 2/2*    50/50
 27  step 2 fwd   Done               -                          eu-west-a 2/2     50/50      eu-west-b 2/2     50/50      us-east-a 2/2     50/50
-- targetStep 3 (full on), from step 2 achieved
 28  step 3 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/2    50/50      eu-west-b 4*/2    50/50      us-east-a 4*/2    50/50
 29  step 3 fwd   ContenderCapacity  -                          eu-west-a 4*/2    50/50      eu-west-b 4/2     50/50      us-east-a 4*/2    50/50
 30  step 3 fwd   ContenderCapacity  -                          eu-west-a 4*/2    50/50      eu-west-b 4/2     50/50      us-east-a 4/2     50/50
 31  step 3 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/2     100*/50    eu-west-b 4/2     100*/50    us-east-a 4/2     100*/50
 32  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/2     100/50     eu-west-b 4/2     100*/50    us-east-a 4/2     100*/50
 33  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/2     100/50     eu-west-b 4/2     100*/50    us-east-a 4/2     100/50
 34  step 3 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/2     100/0*     eu-west-b 4/2     100/0*     us-east-a 4/2     100/0*
 35  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/2     100/0*     eu-west-b 4/2     100/0      us-east-a 4/2     100/0*
 36  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/2     100/0*     eu-west-b 4/2     100/0      us-east-a 4/2     100/0
 37  step 3 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 38  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 39  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 40  step 3 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 2
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (warm), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
  2  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0/4     0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a us-east-a
  3  step 0 fwd   Installation       -                          eu-west-a 0*/4    0/100      eu-west-b 0/4     0*/100     us-east-a 0/4     0/100      installing: eu-west-a
  4  step 0 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  5  step 0 fwd   ContenderCapacity  -                          eu-west-a 4*/4    0/100      eu-west-b 4*/4    0/100      us-east-a 4/4     0/100
  6  step 0 fwd   ContenderCapacity  -                          eu-west-a 4/4     0/100      eu-west-b 4*/4    0/100      us-east-a 4/4     0/100
  7  step 0 fwd   Done               -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0/100      us-east-a 4/4     0/100
-- targetStep 1 (taste), from step 0 achieved
  8  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 4/4     10*/100    eu-west-b 4/4     10*/100    us-east-a 4/4     10*/100
  9  step 1 fwd   ContenderTraffic   -                          eu-west-a 4/4     10*/100    eu-west-b 4/4     10/100     us-east-a 4/4     10*/100
 10  step 1 fwd   ContenderTraffic   -                          eu-west-a 4/4     10*/100    eu-west-b 4/4     10/100     us-east-a 4/4     10/100
 11  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 4/4     10/90*     eu-west-b 4/4     10/90*     us-east-a 4/4     10/90*
 12  step 1 fwd   IncumbentTraffic   -                          eu-west-a 4/4     10/90      eu-west-b 4/4     10/90*     us-east-a 4/4     10/90*
 13  step 1 fwd   IncumbentTraffic   -                          eu-west-a 4/4     10/90      eu-west-b 4/4     10/90*     us-east-a 4/4     10/90
 14  step 1 fwd   ContenderCapacity  contender capacity → 50%   eu-west-a 2*/4    10/90      eu-west-b 2*/4    10/90      us-east-a 2*/4    10/90
 15  step 1 fwd   ContenderCapacity  -                          eu-west-a 2*/4    10/90      eu-west-b 2*/4    10/90      us-east-a 2/4     10/90
 16  step 1 fwd   ContenderCapacity  -                          eu-west-a 2/4     10/90      eu-west-b 2*/4    10/90      us-east-a 2/4     10/90
 17  step 1 fwd   Done               -                          eu-west-a 2/4     10/90      eu-west-b 2/4     10/90      us-east-a 2/4     10/90
-- targetStep 2 (half), from step 1 achieved
 18  step 2 fwd   ContenderTraffic   contender traffic → 50     eu-west-a 2/4     50*/90     eu-west-b 2/4     50*/90     us-east-a 2/4     50*/90
 19  step 2 fwd   ContenderTraffic   -                          eu-west-a 2/4     50/90      eu-west-b 2/4     50*/90     us-east-a 2/4     50*/90
 20  step 2 fwd   ContenderTraffic   -                          eu-west-a 2/4     50/90      eu-west-b 2/4     50*/90     us-east-a 2/4     50/90
 21  step 2 fwd   IncumbentTraffic   incumbent traffic → 50     eu-west-a 2/4     50/50*     eu-west-b 2/4     50/50*     us-east-a 2/4     50/50*
 22  step 2 fwd   IncumbentTraffic   -                          eu-west-a 2/4     50/50*     eu-west-b 2/4     50/50*     us-east-a 2/4     50/50
 23  step 2 fwd   IncumbentTraffic   -                          eu-west-a 2/4     50/50      eu-west-b 2/4     50/50*     us-east-a 2/4     50/50
 24  step 2 fwd   IncumbentCapacity  incumbent capacity → 50%   eu-west-a 2/2*    50/50      eu-west-b 2/2*    50/50      us-east-a 2/2*    50/50
 25  step 2 fwd   IncumbentCapacity  -                          eu-west-a 2/2     50/50      eu-west-b 2/2*    50/50      us-east-a 2/2*    50/50
 26  step 2 fwd   IncumbentCapacity  -                          eu-west-a 2/2     50/50      eu-west-b 2/2*    50/50      us-east-a 2/2     50/50
 27  step 2 fwd   Done               -                          eu-west-a 2/2     50/50      eu-west-b 2/2     50/50      us-east-a 2/2     50/50
-- targetStep 3 (full on), from step 2 achieved
 28  step 3 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/2    50/50      eu-west-b 4*/2    50/50      us-east-a 4*/2    50/50
 29  step 3 fwd   ContenderCapacity  -                          eu-west-a 4*/2    50/50      eu-west-b 4*/2    50/50      us-east-a 4/2     50/50
 30  step 3 fwd   ContenderCapacity  -                          eu-west-a 4/2     50/50      eu-west-b 4*/2    50/50      us-east-a 4/2     50/50
 31  step 3 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/2     100*/50    eu-west-b 4/2     100*/50    us-east-a 4/2     100*/50
 32  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/2     100*/50    eu-west-b 4/2     100*/50    us-east-a 4/2     100/50
 33  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/2     100/50     eu-west-b 4/2     100*/50    us-east-a 4/2     100/50
 34  step 3 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/2     100/0*     eu-west-b 4/2     100/0*     us-east-a 4/2     100/0*
 35  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/2     100/0      eu-west-b 4/2     100/0*     us-east-a 4/2     100/0*
 36  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/2     100/0      eu-west-b 4/2     100/0*     us-east-a 4/2     100/0
 37  step 3 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 38  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 39  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 40  step 3 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== seed 3
start  eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (warm), from a new release
  1  step 0 fwd   Installation       -                          eu-west-a 0*/4    0*/100     eu-west-b 0*/4    0*/100     us-east-a 0*/4    0*/100     installing: eu-west-a eu-west-b us-east-a
  2  step 0 fwd   Installation       -                          eu-west-a 0/4     0*/100     eu-west-b 0*/4    0/100      us-east-a 0*/4    0*/100     installing: eu-west-b us-east-a
  3  step 0 fwd   Installation       -                          eu-west-a 0/4     0/100      eu-west-b 0/4     0/100      us-east-a 0*/4    0*/100     installing: us-east-a
  4  step 0 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/4    0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  5  step 0 fwd   ContenderCapacity  -                          eu-west-a 4/4     0/100      eu-west-b 4*/4    0/100      us-east-a 4*/4    0/100
  6  step 0 fwd   ContenderCapacity  -                          eu-west-a 4/4     0/100      eu-west-b 4*/4    0/100      us-east-a 4/4     0/100
  7  step 0 fwd   Done               -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0/100      us-east-a 4/4     0/100
-- targetStep 1 (taste), from step 0 achieved
  8  step 1 fwd   ContenderTraffic   contender traffic → 10     eu-west-a 4/4     10*/100    eu-west-b 4/4     10*/100    us-east-a 4/4     10*/100
  9  step 1 fwd   ContenderTraffic   -                          eu-west-a 4/4     10*/100    eu-west-b 4/4     10/100     us-east-a 4/4     10*/100
 10  step 1 fwd   ContenderTraffic   -                          eu-west-a 4/4     10*/100    eu-west-b 4/4     10/100     us-east-a 4/4     10/100
 11  step 1 fwd   IncumbentTraffic   incumbent traffic → 90     eu-west-a 4/4     10/90*     eu-west-b 4/4     10/90*     us-east-a 4/4     10/90*
 12  step 1 fwd   IncumbentTraffic   -                          eu-west-a 4/4     10/90      eu-west-b 4/4     10/90*     us-east-a 4/4     10/90*
 13  step 1 fwd   IncumbentTraffic   -                          eu-west-a 4/4     10/90      eu-west-b 4/4     10/90*     us-east-a 4/4     10/90
 14  step 1 fwd   ContenderCapacity  contender capacity → 50%   eu-west-a 2*/4    10/90      eu-west-b 2*/4    10/90      us-east-a 2*/4    10/90
 15  step 1 fwd   ContenderCapacity  -                          eu-west-a 2*/4    10/90      eu-west-b 2/4     10/90      us-east-a 2*/4    10/90
 16  step 1 fwd   ContenderCapacity  -                          eu-west-a 2/4     10/90      eu-west-b 2/4     10/90      us-east-a 2*/4    10/90
 17  step 1 fwd   Done               -                          eu-west-a 2/4     10/90      eu-west-b 2/4     10/90      us-east-a 2/4     10/90
-- targetStep 2 (half), from step 1 achieved
 18  step 2 fwd   ContenderTraffic   contender traffic → 50     eu-west-a 2/4     50*/90     eu-west-b 2/4     50*/90     us-east-a 2/4     50*/90
 19  step 2 fwd   ContenderTraffic   -                          eu-west-a 2/4     50*/90     eu-west-b 2/4     50/90      us-east-a 2/4     50*/90
 20  step 2 fwd   ContenderTraffic   -                          eu-west-a 2/4     50/90      eu-west-b 2/4     50/90      us-east-a 2/4     50*/90
 21  step 2 fwd   IncumbentTraffic   incumbent traffic → 50     eu-west-a 2/4     50/50*     eu-west-b 2/4     50/50*     us-east-a 2/4     50/50*
 22  step 2 fwd   IncumbentTraffic   -                          eu-west-a 2/4     50/50      eu-west-b 2/4     50/50*     us-east-a 2/4     50/50*
 23  step 2 fwd   IncumbentTraffic   -                          eu-west-a 2/4     50/50      eu-west-b 2/4     50/50*     us-east-a 2/4     50/50
 24  step 2 fwd   IncumbentCapacity  incumbent capacity → 50%   eu-west-a 2/2*    50/50      eu-west-b 2/2*    50/50      us-east-a 2/2*    50/50
 25  step 2 fwd   IncumbentCapacity  -                          eu-west-a 2/2*    50/50      eu-west-b 2/2*    50/50      us-east-a 2/2     50/50
 26  step 2 fwd   IncumbentCapacity  -                          eu-west-a 2/2     50/50      eu-west-b 2/2*    50/50      us-east-a 2/2     50/50
 27  step 2 fwd   Done               -                          eu-west-a 2/2     50/50      eu-west-b 2/2     50/50      us-east-a 2/2     50/50
-- targetStep 3 (full on), from step 2 achieved
 28  step 3 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/2    50/50      eu-west-b 4*/2    50/50      us-east-a 4*/2    50/50
 29  step 3 fwd   ContenderCapacity  -                          eu-west-a 4/2     50/50      eu-west-b 4*/2    50/50      us-east-a 4*/2    50/50
 30  step 3 fwd   ContenderCapacity  -                          eu-west-a 4/2     50/50      eu-west-b 4/2     50/50      us-east-a 4*/2    50/50
 31  step 3 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/2     100*/50    eu-west-b 4/2     100*/50    us-east-a 4/2     100*/50
 32  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/2     100/50     eu-west-b 4/2     100*/50    us-east-a 4/2     100*/50
 33  step 3 fwd   ContenderTraffic   -                          eu-west-a 4/2     100/50     eu-west-b 4/2     100/50     us-east-a 4/2     100*/50
 34  step 3 fwd   IncumbentTraffic   incumbent traffic → 0      eu-west-a 4/2     100/0*     eu-west-b 4/2     100/0*     us-east-a 4/2     100/0*
 35  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/2     100/0*     eu-west-b 4/2     100/0      us-east-a 4/2     100/0*
 36  step 3 fwd   IncumbentTraffic   -                          eu-west-a 4/2     100/0      eu-west-b 4/2     100/0      us-east-a 4/2     100/0*
 37  step 3 fwd   IncumbentCapacity  incumbent capacity → 0%    eu-west-a 4/0*    100/0      eu-west-b 4/0*    100/0      us-east-a 4/0*    100/0
 38  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0*    100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 39  step 3 fwd   IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0*    100/0
 40  step 3 fwd   Done               -                          eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0

== every seed ends in the same state:
       eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
