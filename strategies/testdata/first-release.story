# A first release: no incumbent, vanguard preset, 3 clusters in 2 regions (eu-west, us-east).
# Its target step is 0, but with nothing to protect it goes straight to the last step (full on).
# The incumbent's stages are never visited: its columns stay "-".
#
# Each line: iteration, the step executed (fwd/back), the stage Plan waits for, the patch it wrote,
# then per cluster the pods (Replicas of 4: 1% and 10% are 1, 50% is 2, 90% is 4) and the DNS
# weights, contender/incumbent, after the patch; * marks a value not reported ready in that cluster
# yet. Each seed shuffles the order in which clusters get ready.

== seed 1
start  eu-west-a 0*/-    0*/-       eu-west-b 0*/-    0*/-       us-east-a 0*/-    0*/-       installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (staging), from a new release
  1  step 2 fwd   Installation       -                          eu-west-a 0*/-    0*/-       eu-west-b 0*/-    0*/-       us-east-a 0*/-    0*/-       installing: eu-west-a eu-west-b us-east-a
  2  step 2 fwd   Installation       -                          eu-west-a 0*/-    0/-        eu-west-b 0*/-    0*/-       us-east-a 0/-     0*/-       installing: eu-west-b us-east-a
  3  step 2 fwd   Installation       -                          eu-west-a 0/-     0/-        eu-west-b 0*/-    0*/-       us-east-a 0/-     0/-        installing: eu-west-b
  4  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/-    0/-        eu-west-b 4*/-    0/-        us-east-a 4*/-    0/-
  5  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/-    0/-        eu-west-b 4/-     0/-        us-east-a 4*/-    0/-
  6  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/-    0/-        eu-west-b 4/-     0/-        us-east-a 4/-     0/-
  7  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/-     100*/-     eu-west-b 4/-     100*/-     us-east-a 4/-     100*/-
  8  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/-     100*/-     eu-west-b 4/-     100/-      us-east-a 4/-     100*/-
  9  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/-     100*/-     eu-west-b 4/-     100/-      us-east-a 4/-     100/-
 10  step 2 fwd   Done               -                          eu-west-a 4/-     100/-      eu-west-b 4/-     100/-      us-east-a 4/-     100/-

== seed 2
start  eu-west-a 0*/-    0*/-       eu-west-b 0*/-    0*/-       us-east-a 0*/-    0*/-       installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (staging), from a new release
  1  step 2 fwd   Installation       -                          eu-west-a 0*/-    0*/-       eu-west-b 0*/-    0*/-       us-east-a 0*/-    0*/-       installing: eu-west-a eu-west-b us-east-a
  2  step 2 fwd   Installation       -                          eu-west-a 0*/-    0/-        eu-west-b 0/-     0*/-       us-east-a 0*/-    0*/-       installing: eu-west-a us-east-a
  3  step 2 fwd   Installation       -                          eu-west-a 0*/-    0/-        eu-west-b 0/-     0*/-       us-east-a 0/-     0/-        installing: eu-west-a
  4  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/-    0/-        eu-west-b 4*/-    0/-        us-east-a 4*/-    0/-
  5  step 2 fwd   ContenderCapacity  -                          eu-west-a 4*/-    0/-        eu-west-b 4*/-    0/-        us-east-a 4/-     0/-
  6  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/-     0/-        eu-west-b 4*/-    0/-        us-east-a 4/-     0/-
  7  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/-     100*/-     eu-west-b 4/-     100*/-     us-east-a 4/-     100*/-
  8  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/-     100*/-     eu-west-b 4/-     100/-      us-east-a 4/-     100*/-
  9  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/-     100*/-     eu-west-b 4/-     100/-      us-east-a 4/-     100/-
 10  step 2 fwd   Done               -                          eu-west-a 4/-     100/-      eu-west-b 4/-     100/-      us-east-a 4/-     100/-

== seed 3
start  eu-west-a 0*/-    0*/-       eu-west-b 0*/-    0*/-       us-east-a 0*/-    0*/-       installing: eu-west-a eu-west-b us-east-a
-- targetStep 0 (staging), from a new release
  1  step 2 fwd   Installation       -                          eu-west-a 0*/-    0*/-       eu-west-b 0*/-    0*/-       us-east-a 0*/-    0*/-       installing: eu-west-a eu-west-b us-east-a
  2  step 2 fwd   Installation       -                          eu-west-a 0/-     0*/-       eu-west-b 0*/-    0/-        us-east-a 0*/-    0*/-       installing: eu-west-b us-east-a
  3  step 2 fwd   Installation       -                          eu-west-a 0/-     0/-        eu-west-b 0/-     0/-        us-east-a 0*/-    0*/-       installing: us-east-a
  4  step 2 fwd   ContenderCapacity  contender capacity → 100%  eu-west-a 4*/-    0/-        eu-west-b 4*/-    0/-        us-east-a 4*/-    0/-
  5  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/-     0/-        eu-west-b 4*/-    0/-        us-east-a 4*/-    0/-
  6  step 2 fwd   ContenderCapacity  -                          eu-west-a 4/-     0/-        eu-west-b 4*/-    0/-        us-east-a 4/-     0/-
  7  step 2 fwd   ContenderTraffic   contender traffic → 100    eu-west-a 4/-     100*/-     eu-west-b 4/-     100*/-     us-east-a 4/-     100*/-
  8  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/-     100*/-     eu-west-b 4/-     100/-      us-east-a 4/-     100*/-
  9  step 2 fwd   ContenderTraffic   -                          eu-west-a 4/-     100*/-     eu-west-b 4/-     100/-      us-east-a 4/-     100/-
 10  step 2 fwd   Done               -                          eu-west-a 4/-     100/-      eu-west-b 4/-     100/-      us-east-a 4/-     100/-

== every seed ends in the same state:
       eu-west-a 4/-     100/-      eu-west-b 4/-     100/-      us-east-a 4/-     100/-
