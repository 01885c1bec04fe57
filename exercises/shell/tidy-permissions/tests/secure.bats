#!/usr/bin/env bats
# Each test copies the site/ fixture into a fresh play folder, gives some
# of its files loose permissions as the learner, then runs secure.sh.

setup() {
  play_with site
  as_learner chmod 0755 site/lib/helpers.sh
  as_learner chmod 0666 site/index.html
  as_learner chmod 0644 site/deploy.sh
}

@test "takes write permission from others" {
  run learner secure.sh site
  assert_success
  run stat -c %a site/index.html
  assert_output "664"
}

@test "makes a script executable by its owner" {
  run learner secure.sh site
  assert_success
  run stat -c %a site/deploy.sh
  assert_output "744"
}

@test "prints each file it changes, sorted" {
  run learner secure.sh site
  assert_success
  assert_output "$(printf 'site/deploy.sh\nsite/index.html')"
}

@test "a folder that is already tidy gives no output and status 0" {
  as_learner chmod 0644 site/index.html
  as_learner chmod 0755 site/deploy.sh
  run learner secure.sh site
  assert_success
  assert_output ""
}

@test "a missing folder is a usage error" {
  run learner secure.sh no-such-folder
  assert_failure 2
  assert_output --partial "usage"
}
