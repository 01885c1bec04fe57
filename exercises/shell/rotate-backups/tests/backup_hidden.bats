#!/usr/bin/env bats

# Four older archives of data/ in backups/, and two files that are not.
setup() {
  play_with data
  as_learner mkdir backups
  for stamp in 20240101-000000 20240102-000000 20240103-000000 20240104-000000; do
    as_learner touch "backups/data-$stamp.tar.gz"
  done
  as_learner touch backups/app-20200101-000000.tar.gz backups/notes.txt
}

@test "keeps the newest three archives by default" {
  run learner backup.sh data backups
  assert_success
  new=$(basename "$output")
  run bash -c 'ls backups | grep "^data-"'
  assert_output "$(printf 'data-20240103-000000.tar.gz\ndata-20240104-000000.tar.gz\n%s' "$new")"
}

@test "-k says how many to keep" {
  run learner backup.sh -k 1 data backups
  assert_success
  new=$(basename "$output")
  run bash -c 'ls backups | grep "^data-"'
  assert_output "$new"
}

@test "other files and other folders' archives stay" {
  run learner backup.sh -k 1 data backups
  assert_success
  assert_file_exists backups/app-20200101-000000.tar.gz
  assert_file_exists backups/notes.txt
}

@test "the archive holds the folder by its name, whatever the path given" {
  as_learner mkdir -p projects
  as_learner mv data projects/
  run learner backup.sh "$PLAY/projects/data/" "$PLAY/backups"
  assert_success
  run tar -tzf "$output"
  assert_line "data/notes.txt"
  refute_line --partial "projects"
}

@test "-k must be a positive number" {
  run learner backup.sh -k 0 data backups
  assert_failure 2
  run learner backup.sh -k many data backups
  assert_failure 2
}
