#!/usr/bin/env bats

# Every file tidy to begin with: each test loosens what it is about.
setup() {
  play_with site
  as_learner chmod 0755 site/deploy.sh site/lib/helpers.sh
}

@test "files in sub-folders and hidden files are tidied too" {
  as_learner chmod 0646 site/lib/config.ini site/.env
  as_learner chmod 0600 site/lib/helpers.sh
  run learner secure.sh site
  assert_success
  assert_output "$(printf 'site/.env\nsite/lib/config.ini\nsite/lib/helpers.sh')"
  run stat -c %a site/lib/config.ini site/.env site/lib/helpers.sh
  assert_output "$(printf '644\n644\n700')"
}

@test "a name with a space in it" {
  as_learner chmod 0666 "site/my notes.txt"
  run learner secure.sh site
  assert_success
  assert_output "site/my notes.txt"
  run stat -c %a "site/my notes.txt"
  assert_output "664"
}

@test "the owner keeps the right to write" {
  as_learner chmod 0662 site/index.html
  run learner secure.sh site
  run stat -c %a site/index.html
  assert_output "660"
}

@test "--check says what would change and changes nothing" {
  as_learner chmod 0666 site/index.html
  run learner secure.sh --check site
  assert_failure 1
  assert_output "site/index.html"
  run stat -c %a site/index.html
  assert_output "666"
}

@test "--check on a tidy folder succeeds quietly" {
  run learner secure.sh --check site
  assert_success
  assert_output ""
}
