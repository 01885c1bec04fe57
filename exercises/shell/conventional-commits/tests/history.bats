#!/usr/bin/env bats
# The learner's repository, cloned from their bundle as the learner. Git
# runs nothing of the learner's: a bundle carries commits and refs, never a
# hook, a config or an alias.

setup() {
  run as_learner git clone -q "$SUBMISSION/repo.bundle" repo
  assert_success
  cd repo
}

@test "the bundle holds a main branch" {
  run as_learner git rev-parse --verify -q refs/heads/main
  assert_success
}

@test "main has at least three commits" {
  run as_learner git rev-list --count main
  assert_success
  ((output >= 3)) || fail "main has $output commit(s)"
}

@test "every commit message follows Conventional Commits" {
  run as_learner git log --format=%s main
  assert_success
  pattern='^(feat|fix|docs|style|refactor|perf|test|build|ci|chore|revert)(\([a-z0-9._/-]+\))?!?: [^ ]'
  while IFS= read -r subject; do
    [[ $subject =~ $pattern ]] || fail "not a Conventional Commit: \"$subject\""
  done <<<"$output"
}
