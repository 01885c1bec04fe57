#!/usr/bin/env bats

@test "top takes how many clients to list" {
  play_with ties.log
  run learner report.sh top ties.log 4
  assert_success
  assert_output "$(printf '3 10.0.0.100\n2 10.0.0.10\n2 10.0.0.9\n1 10.0.0.2')"
}

@test "counts compare as numbers" {
  play_with busy.log
  run learner report.sh top busy.log 2
  assert_success
  assert_output "$(printf '12 10.1.1.1\n9 10.2.2.2')"
}

@test "status reads the status field only" {
  play_with access.log
  run learner report.sh status access.log 404
  assert_success
  assert_output "5"
}

@test "a log in a folder with a space in its name" {
  play_with access.log
  as_learner mkdir "web logs"
  as_learner mv access.log "web logs/"
  run learner report.sh status "web logs/access.log" 200
  assert_success
  assert_output "6"
}

@test "status without a code shows the usage" {
  play_with access.log
  run learner report.sh status access.log
  assert_failure 2
  assert_output --partial "usage"
}
