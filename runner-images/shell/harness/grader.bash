# The shell kind's preamble: sourced on the first line of every test file
# (grader_shell.py puts it there, on the same line, so the file's line
# numbers stay as the author wrote them), for each test and for the file.
#
# It loads bats-support, bats-assert and bats-file, and gives the tests:
#
#   learner <file> [arg…]     runs a file of the submission as the learner
#   as_learner <cmd> [arg…]   runs any command as the learner (set-up)
#   play_with [fixture…]      a fresh play folder with those fixtures
#   $PLAY                     the test's play folder, its working folder
#   $FIXTURES                 the exercise's fixtures/ (the tests' only)
#   $SUBMISSION               the submitted files
#
# The learner's code runs only in a play folder, whose files are the
# learner's (grader_broker.py); each test starts in a fresh, empty one.

# The three libraries, joined into one file when the image was built
# (customize.sh).
source /usr/local/lib/grader/bats-libraries.bash

FIXTURES=/work/.fixtures
SUBMISSION=/work/submission

learner() {
  python3 -I -S /opt/grader/grader_learner.py run "$@"
}

as_learner() {
  python3 -I -S /opt/grader/grader_learner.py as "$@"
}

export -f learner as_learner

# A fresh play folder, the learner's, holding a copy of each fixture named
# (a file or a folder under the exercise's fixtures/, by the same name,
# modes kept); the test moves into it.
play_with() {
  # A name no learner can guess: a folder the learner made ahead of it
  # would carry their files into the test.
  PLAY="/work/play/${GRADER_FILE_INDEX:-0}-${BATS_TEST_NUMBER:-file}-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  cd /work/play || return 1
  if (($# > 0)); then
    # One call: the folder made and the fixtures unpacked in it.
    (cd "$FIXTURES" && tar -cf - -- "$@") |
      as_learner sh -c 'mkdir -m 0755 -- "$1" && exec tar -xpf - -C "$1"' play "$PLAY" || return 1
  else
    as_learner mkdir -m 0755 -- "$PLAY" || return 1
  fi
  cd "$PLAY" || return 1
  export PLAY
}

# Each test starts in its own empty play folder, which the harness made
# before the file ran and listed, one a line, in $GRADER_PLAYS_FILE
# (grader_shell.py, `play_folders`): no call here.
if [[ -n "${BATS_TEST_NUMBER:-}" ]]; then
  PLAY=$(sed -n "${BATS_TEST_NUMBER}p" "$GRADER_PLAYS_FILE")
  cd "$PLAY" || return 1
  export PLAY
fi
