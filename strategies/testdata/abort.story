# An abort: a retreat from step 2 (full on) to step 0 (staging) of the vanguard preset.
# Going backward the order reverses: the incumbent's capacity comes back first, then its traffic,
# then the contender's traffic leaves, and only then does the contender shrink to one pod.
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
-- targetStep 0 (staging), from step 2 achieved
  1  step 0 back  IncumbentCapacity  incumbent capacity → 100%  eu-west-a 4/4*    100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0
  2  step 0 back  IncumbentCapacity  -                          eu-west-a 4/4     100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0
  3  step 0 back  IncumbentCapacity  -                          eu-west-a 4/4     100/0      eu-west-b 4/4*    100/0      us-east-a 4/4     100/0
  4  step 0 back  IncumbentTraffic   incumbent traffic → 100    eu-west-a 4/4     100/100*   eu-west-b 4/4     100/100*   us-east-a 4/4     100/100*
  5  step 0 back  IncumbentTraffic   -                          eu-west-a 4/4     100/100*   eu-west-b 4/4     100/100*   us-east-a 4/4     100/100
  6  step 0 back  IncumbentTraffic   -                          eu-west-a 4/4     100/100    eu-west-b 4/4     100/100*   us-east-a 4/4     100/100
  7  step 0 back  ContenderTraffic   contender traffic → 0      eu-west-a 4/4     0*/100     eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100
  8  step 0 back  ContenderTraffic   -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100
  9  step 0 back  ContenderTraffic   -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0*/100     us-east-a 4/4     0/100
 10  step 0 back  ContenderCapacity  contender capacity → 1%    eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
 11  step 0 back  ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1*/4    0/100
 12  step 0 back  ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
 13  step 0 back  Done               -                          eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100

== seed 2
start  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
-- targetStep 0 (staging), from step 2 achieved
  1  step 0 back  IncumbentCapacity  incumbent capacity → 100%  eu-west-a 4/4*    100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0
  2  step 0 back  IncumbentCapacity  -                          eu-west-a 4/4*    100/0      eu-west-b 4/4     100/0      us-east-a 4/4*    100/0
  3  step 0 back  IncumbentCapacity  -                          eu-west-a 4/4*    100/0      eu-west-b 4/4     100/0      us-east-a 4/4     100/0
  4  step 0 back  IncumbentTraffic   incumbent traffic → 100    eu-west-a 4/4     100/100*   eu-west-b 4/4     100/100*   us-east-a 4/4     100/100*
  5  step 0 back  IncumbentTraffic   -                          eu-west-a 4/4     100/100*   eu-west-b 4/4     100/100    us-east-a 4/4     100/100*
  6  step 0 back  IncumbentTraffic   -                          eu-west-a 4/4     100/100*   eu-west-b 4/4     100/100    us-east-a 4/4     100/100
  7  step 0 back  ContenderTraffic   contender traffic → 0      eu-west-a 4/4     0*/100     eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100
  8  step 0 back  ContenderTraffic   -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100
  9  step 0 back  ContenderTraffic   -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0*/100     us-east-a 4/4     0/100
 10  step 0 back  ContenderCapacity  contender capacity → 1%    eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
 11  step 0 back  ContenderCapacity  -                          eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1/4     0/100
 12  step 0 back  ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1/4     0/100
 13  step 0 back  Done               -                          eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100

== seed 3
start  eu-west-a 4/0     100/0      eu-west-b 4/0     100/0      us-east-a 4/0     100/0
-- targetStep 0 (staging), from step 2 achieved
  1  step 0 back  IncumbentCapacity  incumbent capacity → 100%  eu-west-a 4/4*    100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0
  2  step 0 back  IncumbentCapacity  -                          eu-west-a 4/4     100/0      eu-west-b 4/4*    100/0      us-east-a 4/4*    100/0
  3  step 0 back  IncumbentCapacity  -                          eu-west-a 4/4     100/0      eu-west-b 4/4     100/0      us-east-a 4/4*    100/0
  4  step 0 back  IncumbentTraffic   incumbent traffic → 100    eu-west-a 4/4     100/100*   eu-west-b 4/4     100/100*   us-east-a 4/4     100/100*
  5  step 0 back  IncumbentTraffic   -                          eu-west-a 4/4     100/100    eu-west-b 4/4     100/100*   us-east-a 4/4     100/100*
  6  step 0 back  IncumbentTraffic   -                          eu-west-a 4/4     100/100    eu-west-b 4/4     100/100    us-east-a 4/4     100/100*
  7  step 0 back  ContenderTraffic   contender traffic → 0      eu-west-a 4/4     0*/100     eu-west-b 4/4     0*/100     us-east-a 4/4     0*/100
  8  step 0 back  ContenderTraffic   -                          eu-west-a 4/4     0*/100     eu-west-b 4/4     0/100      us-east-a 4/4     0*/100
  9  step 0 back  ContenderTraffic   -                          eu-west-a 4/4     0/100      eu-west-b 4/4     0/100      us-east-a 4/4     0*/100
 10  step 0 back  ContenderCapacity  contender capacity → 1%    eu-west-a 1*/4    0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
 11  step 0 back  ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1*/4    0/100
 12  step 0 back  ContenderCapacity  -                          eu-west-a 1/4     0/100      eu-west-b 1*/4    0/100      us-east-a 1/4     0/100
 13  step 0 back  Done               -                          eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100

== every seed ends in the same state:
       eu-west-a 1/4     0/100      eu-west-b 1/4     0/100      us-east-a 1/4     0/100
