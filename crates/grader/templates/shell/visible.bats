#!/usr/bin/env bats
# Each test starts in a fresh play folder ($PLAY), the learner's; `learner`
# runs a submitted script there as the learner, `play_with` copies
# fixtures in. bats-assert's and bats-file's helpers are loaded.

@test "counts the error lines of a log" {
  play_with app.log
  run learner {{module}}.sh app.log
  assert_success
  assert_output "2"
}

@test "without a file it says how to use it" {
  run learner {{module}}.sh
  assert_failure 1
  assert_output --partial "usage"
}
