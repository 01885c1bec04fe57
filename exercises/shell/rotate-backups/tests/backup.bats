#!/usr/bin/env bats
# Each test copies the data/ fixture into a fresh play folder and runs
# backup.sh there as the learner.

setup() {
  play_with data
}

@test "creates an archive named after the folder and the time" {
  run learner backup.sh data backups
  assert_success
  assert_output --regexp '^backups/data-[0-9]{8}-[0-9]{6}\.tar\.gz$'
  assert_file_exists "$output"
}

@test "the archive holds the folder and its files" {
  run learner backup.sh data backups
  assert_success
  run tar -tzf "$output"
  assert_line "data/notes.txt"
  assert_line "data/src/app.py"
}

@test "the time in the name is now, in UTC" {
  before=$(date -u +%Y%m%d%H%M%S)
  run learner backup.sh data backups
  after=$(date -u +%Y%m%d%H%M%S)
  stamp=$(basename "$output" .tar.gz)
  stamp=${stamp#data-}
  stamp=${stamp/-/}
  ((before <= stamp && stamp <= after))
}

@test "a source that is not a folder is an error" {
  run learner backup.sh no-such-folder backups
  assert_failure 1
  assert_output --partial "no-such-folder"
  assert_not_exists backups
}

@test "without its two folders it shows the usage" {
  run learner backup.sh data
  assert_failure 2
  assert_output --partial "usage"
}
