#!/usr/bin/env bats

setup() {
  run as_learner git clone -q "$SUBMISSION/repo.bundle" repo
  assert_success
  cd repo
}

@test "the bundle verifies" {
  run as_learner git bundle verify -q "$SUBMISSION/repo.bundle"
  assert_success
}

@test "the history is linear" {
  run as_learner git rev-list --merges main
  assert_success
  assert_output ""
}

@test ".gitignore keeps out Python's caches and a virtualenv" {
  run as_learner git check-ignore -q __pycache__/tips.cpython-311.pyc
  assert_success
  run as_learner git check-ignore -q tips.pyc
  assert_success
  run as_learner git check-ignore -q venv/bin/python3
  assert_success
}

@test ".gitignore keeps out the local settings in .env" {
  run as_learner git check-ignore -q .env
  assert_success
}

@test "no commit ever held an ignored file" {
  run as_learner git log --all --format= --name-only
  assert_success
  refute_line --regexp '(^|/)(\.env|[^/]*\.pyc)$'
  refute_line --regexp '(^|/)(__pycache__|venv)/'
}
