#!/usr/bin/env bats

setup() {
  run as_learner git clone -q "$SUBMISSION/repo.bundle" repo
  assert_success
  cd repo
}

total() { # <python arguments of total()>: what main's prices.py gives, run as the learner
  as_learner python3 -I -c "import sys; sys.path.insert(0, '.'); from prices import total; print(total($1))"
}

@test "the total takes the feature's discount" {
  run total "[10, 20], discount=0.5"
  assert_success
  assert_output "18.0"
}

@test "the total still never goes below zero" {
  run total "[-100]"
  assert_success
  assert_output "0"
}

@test "the feature's test file is on main" {
  run as_learner git cat-file -e main:test_prices.py
  assert_success
}
