#!/usr/bin/env bats
# Each test starts in a fresh play folder; `play_with` copies the logs in,
# `learner` runs report.sh there as the learner.

@test "top lists the three busiest clients" {
  play_with access.log
  run learner report.sh top access.log
  assert_success
  assert_output "$(printf '4 198.51.100.23\n4 203.0.113.7\n3 192.0.2.44')"
}

@test "status counts the requests that got a code" {
  play_with access.log
  run learner report.sh status access.log 500
  assert_success
  assert_output "1"
}

@test "errors lists each failing path once, sorted" {
  play_with access.log
  run learner report.sh errors access.log
  assert_success
  assert_output "$(printf '/.env\n/admin\n/api/items\n/favicon.ico\n/wp-login.php')"
}

@test "a log that cannot be read is an error" {
  run learner report.sh top missing.log
  assert_failure 1
  assert_output --partial "missing.log"
}

@test "an unknown command shows the usage" {
  play_with access.log
  run learner report.sh summary access.log
  assert_failure 2
  assert_output --partial "usage"
}
