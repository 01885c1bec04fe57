#!/usr/bin/env bats

@test "lower-case errors count too" {
  play_with mixed.log
  run learner {{module}}.sh mixed.log
  assert_success
  assert_output "3"
}

@test "a log without errors gives 0" {
  printf 'all good\nstill fine\n' | as_learner tee calm.log >/dev/null
  run learner {{module}}.sh calm.log
  assert_success
  assert_output "0"
}
