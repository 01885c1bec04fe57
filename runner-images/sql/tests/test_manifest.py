"""The job manifest as the grader writes it (tests/manifests/*.json, golden
files that crates/grader/tests/it/manifests.rs keeps equal to what the Rust
side writes) against what this image's harness reads of it: every field
the grader sends is read, and every field the harness reads is sent. A
field renamed on either side fails here."""

import json
import os
import re

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.dirname(os.path.dirname(HERE))
# A read of the job's section: config.get("x"), job["x"], job.get("x").
READ = re.compile(r'\b(?:config|job)(?:\.get\(|\[)"([a-z_]+)"')

JOBS = {"sql": ["sql/harness/grader_sql.py"]}


def golden(job):
    with open(os.path.join(HERE, "manifests", job + ".json")) as text:
        return json.load(text)


def reads(files):
    found = set()
    for name in files:
        with open(os.path.join(IMAGES, name)) as source:
            found |= set(READ.findall(source.read()))
    return found


@pytest.mark.parametrize("job", sorted(JOBS))
def test_the_harness_reads_every_field_the_grader_sends_and_no_other(job):
    manifest = golden(job)
    assert set(manifest) == {"key", job}
    sent = set(manifest[job])
    read = reads(JOBS[job])
    assert sent - read == set(), "sent, never read"
    assert read - sent == set(), "read, never sent"


@pytest.mark.parametrize("job", sorted(JOBS))
def test_entry_hands_the_jobs_section_to_its_harness(job):
    with open(os.path.join(IMAGES, "common", "entry.py")) as source:
        entry = source.read()
    assert 'manifest["%s"]' % job in entry or 'manifest.get("%s")' % job in entry
    assert 'manifest.get("key")' in entry
