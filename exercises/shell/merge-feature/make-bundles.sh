#!/usr/bin/env bash
# Makes this exercise's bundles: the starter (main and feature/discount,
# diverged, with a conflict in prices.py), its copy in fixtures/ (the tests
# read which commits it holds), the reference (the feature merged, the
# conflict resolved keeping both changes) and each mutant. Run from this
# folder; dates and names are fixed, so the bundles come out the same on
# every run.
set -euo pipefail
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_AUTHOR_NAME="Ada Learner" GIT_AUTHOR_EMAIL="ada@example.com"
export GIT_COMMITTER_NAME="Ada Learner" GIT_COMMITTER_EMAIL="ada@example.com"
export GIT_CONFIG_NOSYSTEM=1 HOME=$work
# Quiet, whatever the git: the first branch is main.
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=init.defaultBranch GIT_CONFIG_VALUE_0=main

at() { # <minute> <git command…>: the command with both dates at 10:<minute>
  local minute=$1
  shift
  GIT_AUTHOR_DATE="2026-01-06T10:$minute:00Z" GIT_COMMITTER_DATE="2026-01-06T10:$minute:00Z" "$@"
}

# -- the starter ---------------------------------------------------------------
git init -q -b main "$work/start"
cd "$work/start"
cat > prices.py <<'PY'
TAX = 0.20


def total(prices):
    return round(sum(prices) * (1 + TAX), 2)
PY
git add prices.py
at 01 git commit -q -m "feat: total a basket with tax"
git switch -q -c feature/discount
cat > prices.py <<'PY'
TAX = 0.20


def total(prices, discount=0):
    return round(sum(prices) * (1 - discount) * (1 + TAX), 2)
PY
git add prices.py
at 02 git commit -q -m "feat: take a discount off the total"
cat > test_prices.py <<'PY'
from prices import total


def test_half_off():
    assert total([10, 20], discount=0.5) == 18.0
PY
git add test_prices.py
at 03 git commit -q -m "test: check the discount"
git switch -q main
cat > prices.py <<'PY'
TAX = 0.20


def total(prices):
    return max(0, round(sum(prices) * (1 + TAX), 2))
PY
git add prices.py
at 04 git commit -q -m "fix: never return a negative total"
mkdir -p "$here/starter" "$here/fixtures"
git bundle create -q "$here/starter/repo.bundle" HEAD main feature/discount
cp "$here/starter/repo.bundle" "$here/fixtures/starter.bundle"

# learner <name>: a clone of the starter, as a learner would start
learner() {
  git clone -q "$here/starter/repo.bundle" "$work/$1"
  cd "$work/$1"
}

resolved() { # the conflict resolved keeping both changes
  cat > prices.py <<'PY'
TAX = 0.20


def total(prices, discount=0):
    return max(0, round(sum(prices) * (1 - discount) * (1 + TAX), 2))
PY
}

finish() { # <target>
  mkdir -p "$(dirname "$1")"
  git bundle create -q "$1" HEAD main
  cd "$here"
}

# -- the reference -----------------------------------------------------------
learner reference
at 10 git merge -q --no-ff -m "feat: merge the discount" origin/feature/discount >/dev/null 2>&1 || true
resolved
git add prices.py
at 10 git commit -q --no-edit
finish "$here/reference/repo.bundle"

# -- the mutants ---------------------------------------------------------------
learner ours
at 10 git merge -q --no-ff -m "feat: merge the discount" origin/feature/discount >/dev/null 2>&1 || true
git checkout -q --ours prices.py
git add prices.py
at 10 git commit -q --no-edit
finish "$here/mutants/kept-main-only/repo.bundle"

learner theirs
at 10 git merge -q --no-ff -m "feat: merge the discount" origin/feature/discount >/dev/null 2>&1 || true
git checkout -q --theirs prices.py
git add prices.py
at 10 git commit -q --no-edit
finish "$here/mutants/kept-feature-only/repo.bundle"

learner markers
at 10 git merge -q --no-ff -m "feat: merge the discount" origin/feature/discount >/dev/null 2>&1 || true
git add prices.py
at 10 git commit -q --no-edit
finish "$here/mutants/markers-committed/repo.bundle"

learner rebased
git switch -q -c work origin/feature/discount
at 10 git rebase -q main >/dev/null 2>&1 || true
resolved
git add prices.py
GIT_EDITOR=true at 10 git rebase --continue >/dev/null 2>&1
at 11 git rebase -q main >/dev/null 2>&1 || true
git switch -q main
git merge -q --ff-only work
git branch -q -D work
finish "$here/mutants/rebased/repo.bundle"
