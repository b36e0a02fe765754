# An abort in the middle wave of the waves story: wave "eu-us" (eu-west-b, us-east-a, us-east-b, two at a time)
# is at full on, after the canary cluster; wave "ap" has not started. The abort retreats the waves done so
# far in reverse order and by the same groups: us-east-b first, then eu-west-b and us-east-a, then the canary
# cluster; in each, the incumbent's capacity comes back before any weight leaves the contender, and the next
# group starts only once the one before is settled. Wave "ap" never moves.
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 0/4     0/100
-- targetStep 0 (canary/canary-10), from step 3 achieved
  1  step 0 back  IncumbentCapacity  incumbent capacity → 100% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4*    100/0      ap-south-a 0/4     0/100
  2  step 0 back  IncumbentTraffic   incumbent traffic → 100 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100/100*   ap-south-a 0/4     0/100
  3  step 0 back  ContenderTraffic   contender traffic → 0 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     0*/100     ap-south-a 0/4     0/100
  4  step 0 back  ContenderCapacity  contender capacity → 0% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 0*/4    0/100      ap-south-a 0/4     0/100
  5  step 0 back  IncumbentCapacity  incumbent capacity → 100% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  6  step 0 back  IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/0      us-east-a 4/4*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  7  step 0 back  IncumbentTraffic   incumbent traffic → 100 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100/100*   us-east-a 4/4     100/100*   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  8  step 0 back  IncumbentTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/100    us-east-a 4/4     100/100*   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  9  step 0 back  ContenderTraffic   contender traffic → 0 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 10  step 0 back  ContenderTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     0/100      us-east-a 4/4     0*/100     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 11  step 0 back  ContenderCapacity  contender capacity → 0% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 0*/4    0/100      us-east-a 0*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 12  step 0 back  ContenderCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 0*/4    0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 13  step 0 back  IncumbentCapacity  incumbent capacity → 100%  eu-west-a 4/4*    100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 14  step 0 back  IncumbentTraffic   incumbent traffic → 100    eu-west-a 4/4     100/100*   eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 15  step 0 back  ContenderTraffic   contender traffic → 0      eu-west-a 4/4     0*/100     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 16  step 0 back  ContenderCapacity  contender capacity → 0%    eu-west-a 0*/4    0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 17  step 0 back  Done               -                          eu-west-a 0/4     0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100

== seed 2
start  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 0/4     0/100
-- targetStep 0 (canary/canary-10), from step 3 achieved
  1  step 0 back  IncumbentCapacity  incumbent capacity → 100% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4*    100/0      ap-south-a 0/4     0/100
  2  step 0 back  IncumbentTraffic   incumbent traffic → 100 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100/100*   ap-south-a 0/4     0/100
  3  step 0 back  ContenderTraffic   contender traffic → 0 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     0*/100     ap-south-a 0/4     0/100
  4  step 0 back  ContenderCapacity  contender capacity → 0% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 0*/4    0/100      ap-south-a 0/4     0/100
  5  step 0 back  IncumbentCapacity  incumbent capacity → 100% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  6  step 0 back  IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/4*    100/0      us-east-a 4/4     100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  7  step 0 back  IncumbentTraffic   incumbent traffic → 100 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100/100*   us-east-a 4/4     100/100*   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  8  step 0 back  IncumbentTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/100*   us-east-a 4/4     100/100    us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  9  step 0 back  ContenderTraffic   contender traffic → 0 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 10  step 0 back  ContenderTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     0*/100     us-east-a 4/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 11  step 0 back  ContenderCapacity  contender capacity → 0% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 0*/4    0/100      us-east-a 0*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 12  step 0 back  ContenderCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 0*/4    0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 13  step 0 back  IncumbentCapacity  incumbent capacity → 100%  eu-west-a 4/4*    100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 14  step 0 back  IncumbentTraffic   incumbent traffic → 100    eu-west-a 4/4     100/100*   eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 15  step 0 back  ContenderTraffic   contender traffic → 0      eu-west-a 4/4     0*/100     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 16  step 0 back  ContenderCapacity  contender capacity → 0%    eu-west-a 0*/4    0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 17  step 0 back  Done               -                          eu-west-a 0/4     0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100

== seed 3
start  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/0     100/0      ap-south-a 0/4     0/100
-- targetStep 0 (canary/canary-10), from step 3 achieved
  1  step 0 back  IncumbentCapacity  incumbent capacity → 100% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4*    100/0      ap-south-a 0/4     0/100
  2  step 0 back  IncumbentTraffic   incumbent traffic → 100 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     100/100*   ap-south-a 0/4     0/100
  3  step 0 back  ContenderTraffic   contender traffic → 0 in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 4/4     0*/100     ap-south-a 0/4     0/100
  4  step 0 back  ContenderCapacity  contender capacity → 0% in us-east-b  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0      us-east-b 0*/4    0/100      ap-south-a 0/4     0/100
  5  step 0 back  IncumbentCapacity  incumbent capacity → 100% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  6  step 0 back  IncumbentCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/0      us-east-a 4/4*    100/0      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  7  step 0 back  IncumbentTraffic   incumbent traffic → 100 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     100/100*   us-east-a 4/4     100/100*   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  8  step 0 back  IncumbentTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     100/100    us-east-a 4/4     100/100*   us-east-b 0/4     0/100      ap-south-a 0/4     0/100
  9  step 0 back  ContenderTraffic   contender traffic → 0 in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 10  step 0 back  ContenderTraffic   -                          eu-west-a 4/0     100/0      eu-west-b 4/4     0/100      us-east-a 4/4     0*/100     us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 11  step 0 back  ContenderCapacity  contender capacity → 0% in eu-west-b, us-east-a  eu-west-a 4/0     100/0      eu-west-b 0*/4    0/100      us-east-a 0*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 12  step 0 back  ContenderCapacity  -                          eu-west-a 4/0     100/0      eu-west-b 0/4     0/100      us-east-a 0*/4    0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 13  step 0 back  IncumbentCapacity  incumbent capacity → 100%  eu-west-a 4/4*    100/0      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 14  step 0 back  IncumbentTraffic   incumbent traffic → 100    eu-west-a 4/4     100/100*   eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 15  step 0 back  ContenderTraffic   contender traffic → 0      eu-west-a 4/4     0*/100     eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 16  step 0 back  ContenderCapacity  contender capacity → 0%    eu-west-a 0*/4    0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
 17  step 0 back  Done               -                          eu-west-a 0/4     0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100

== every seed ends in the same state:
       eu-west-a 0/4     0/100      eu-west-b 0/4     0/100      us-east-a 0/4     0/100      us-east-b 0/4     0/100      ap-south-a 0/4     0/100
