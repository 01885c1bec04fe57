#!/usr/bin/env bash
# Makes this exercise's bundles: the reference, the starter and each
# mutant, each a small project's history as a learner could have written
# it. Run from this folder; dates and names are fixed, so the bundles come
# out the same on every run.
set -euo pipefail
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_AUTHOR_NAME="Ada Learner" GIT_AUTHOR_EMAIL="ada@example.com"
export GIT_COMMITTER_NAME="Ada Learner" GIT_COMMITTER_EMAIL="ada@example.com"
export GIT_CONFIG_NOSYSTEM=1 HOME=$work
# Quiet, whatever the git: the first branch is main.
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=init.defaultBranch GIT_CONFIG_VALUE_0=main

tick=0
commit() { # <message>
  tick=$((tick + 1))
  GIT_AUTHOR_DATE="2026-01-05T10:0$tick:00Z" GIT_COMMITTER_DATE="2026-01-05T10:0$tick:00Z" \
    git commit -q -m "$1"
}

# project <name> <first message> [options]: a history of four steps.
#   --no-env-ignore   .gitignore leaves .env out
#   --commit-env      .env is committed, then removed in a later commit
#   --merge           the second feature comes in through a merge commit
#   --bad-message     one commit message is not Conventional
project() {
  local name=$1 first=$2
  shift 2
  local env_ignore=true commit_env=false merge=false bad=false
  for option in "$@"; do
    case $option in
      --no-env-ignore) env_ignore=false ;;
      --commit-env) commit_env=true ;;
      --merge) merge=true ;;
      --bad-message) bad=true ;;
    esac
  done
  tick=0
  local repo=$work/$name
  git init -q -b main "$repo"
  cd "$repo"
  printf '# Tip calculator\n' > README.md
  printf 'def tip(amount, rate):\n    return round(amount * rate, 2)\n' > tips.py
  git add README.md tips.py
  commit "$first"
  printf '__pycache__/\n*.pyc\nvenv/\n' > .gitignore
  $env_ignore && printf '.env\n' >> .gitignore
  git add .gitignore
  commit "chore: ignore Python's caches and local settings"
  if $commit_env; then
    printf 'API_KEY=not-a-real-key\n' > .env
    git add -f .env
    commit "feat: read the API key from .env"
  fi
  if $merge; then
    git switch -q -c feature/split
  fi
  printf 'def split(total, people):\n    return round(total / people, 2)\n' >> tips.py
  git add tips.py
  if $bad; then commit "Added split"; else commit "feat(tips): split a bill between people"; fi
  if $merge; then
    git switch -q main
    printf '\nRun `python3 -m tips`.\n' >> README.md
    git add README.md
    commit "docs: say how to run it"
    tick=$((tick + 1))
    GIT_AUTHOR_DATE="2026-01-05T10:0$tick:00Z" GIT_COMMITTER_DATE="2026-01-05T10:0$tick:00Z" \
      git merge -q --no-ff -m "feat: merge the bill splitter" feature/split
  else
    printf '\nRun `python3 -m tips`.\n' >> README.md
    git add README.md
    commit "docs: say how to run it"
  fi
  if $commit_env; then
    git rm -q --cached .env
    commit "fix: stop tracking .env"
  fi
  cd "$here"
}

bundle() { # <name> <target> <first message> [options]
  local name=$1 target=$2 first=$3
  shift 3
  project "$name" "$first" "$@"
  (cd "$work/$name" && git bundle create -q "$target" HEAD main)
}

mkdir -p reference starter mutants/one-message-is-not-conventional mutants/env-is-not-ignored \
  mutants/env-was-committed mutants/merge-commit
bundle reference "$here/reference/repo.bundle" "feat: compute a tip"
bundle bad "$here/mutants/one-message-is-not-conventional/repo.bundle" "feat: compute a tip" --bad-message
bundle noenv "$here/mutants/env-is-not-ignored/repo.bundle" "feat: compute a tip" --no-env-ignore
bundle env "$here/mutants/env-was-committed/repo.bundle" "feat: compute a tip" --commit-env
bundle merged "$here/mutants/merge-commit/repo.bundle" "feat: compute a tip" --merge

# The starter: one commit, as `git init` and a first save leave it.
git init -q -b main "$work/starter"
cd "$work/starter"
printf '# Tip calculator\n' > README.md
printf 'def tip(amount, rate):\n    return round(amount * rate, 2)\n' > tips.py
git add README.md tips.py
tick=0
commit "first commit"
git bundle create -q "$here/starter/repo.bundle" HEAD main
