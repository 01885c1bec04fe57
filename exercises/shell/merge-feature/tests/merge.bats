#!/usr/bin/env bats
# The learner's repository, cloned from their bundle as the learner; the
# starter's own bundle (fixtures/starter.bundle) says which commits each of
# its branches held.

setup() {
  starter_main=$(git bundle list-heads "$FIXTURES/starter.bundle" refs/heads/main | cut -d' ' -f1)
  starter_feature=$(git bundle list-heads "$FIXTURES/starter.bundle" refs/heads/feature/discount | cut -d' ' -f1)
  [[ -n $starter_main && -n $starter_feature ]]
  run as_learner git clone -q "$SUBMISSION/repo.bundle" repo
  assert_success
  cd repo
}

@test "main holds every commit of both branches, unchanged" {
  for commit in "$starter_main" "$starter_feature"; do
    as_learner git merge-base --is-ancestor "$commit" main 2>/dev/null ||
      fail "main's history does not hold the starter's commit $commit as it was"
  done
}

@test "the feature came in through a merge commit" {
  run as_learner git log --merges --format=%P main
  assert_success
  assert_output --partial "$starter_feature"
}

@test "no conflict marker is left" {
  run as_learner git grep -n -E '^(<<<<<<<|=======|>>>>>>>)( |$)' main
  assert_failure 1
  assert_output ""
}
