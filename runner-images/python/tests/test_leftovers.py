"""common/grader_leftovers.py: what a learner's job leaves in a learners'
container, found and removed (the whole of it runs against the real
engine in crates/grader-sandbox/tests/it/forks.rs)."""

import os

import grader_leftovers

SHM = """\
  key shmid perms size cpid lpid nattch   uid   gid  cuid  cgid atime dtime      ctime rss swap
 4660     3   666 4096   17    0      0 20001 20001 20001 20001     0     0 1700000000   0    0
    0     7   600 4096   18    0      0     0     0 20001 20001     0     0 1700000000   0    0
"""
SEM = """       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime
      4661          0   666          1 20002 20002 20002 20002          0 1700000000
"""


def test_system_v_objects_are_read_by_their_columns():
    assert grader_leftovers.sysv_objects(SHM, "shmid") == [(3, 20001, 20001), (7, 0, 20001)]
    assert grader_leftovers.sysv_objects(SEM, "semid") == [(0, 20002, 20002)]
    assert grader_leftovers.sysv_objects("", "msqid") == []
    # A table without the columns, or with a torn line, yields what it can.
    assert grader_leftovers.sysv_objects("key id\n1 2\n", "shmid") == []
    assert grader_leftovers.sysv_objects(SHM.splitlines()[0] + "\n 1 2\n", "shmid") == []


def test_the_process_limits_refusals_are_its_max_events():
    assert grader_leftovers.pids_max_events("max 12\n") == 12
    assert grader_leftovers.pids_max_events("") == 0
    assert grader_leftovers.pids_max_events("max x\n") == 0


def test_loosen_gives_back_the_rights_on_every_folder(tmp_path):
    top = tmp_path / "job"
    (top / "a" / "b").mkdir(parents=True)
    for folder in (top / "a" / "b", top / "a", top):
        folder.chmod(0)
    grader_leftovers.loosen(str(top))
    assert [oct(folder.stat().st_mode & 0o777) for folder in (top, top / "a", top / "a" / "b")] == ["0o700"] * 3


def test_a_folder_is_emptied_of_files_links_fifos_and_locked_folders(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    locked = tmp_path / "locked" / "inner"
    locked.mkdir(parents=True)
    (locked / "left").write_text("x")
    locked.chmod(0)
    locked.parent.chmod(0)
    grader_leftovers.empty(str(tmp_path))
    assert os.listdir(tmp_path) == []
    assert os.path.exists("/etc/passwd")


def test_a_folder_that_is_not_there_is_nothing_to_empty(tmp_path):
    grader_leftovers.empty(str(tmp_path / "missing"))
