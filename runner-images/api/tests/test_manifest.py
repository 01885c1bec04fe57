"""The job manifest as the grader writes it (tests/manifests/*.json, golden
files that crates/grader/tests/it/manifests.rs keeps equal to what the Rust
side writes) against what this image's harness reads of it: every field
the grader sends is read, and every field the harness reads is sent. A
field renamed on either side fails here."""

import pytest
from harness_testing import check_manifest

JOBS = {
    'api': ['api/harness/grader_api.py', 'api/harness/grader_services.py', 'api/harness/grader_launch.py'],
    'tests': ['common/grader_tests.py'],
}


@pytest.mark.parametrize("job", sorted(JOBS))
def test_the_harness_reads_every_field_the_grader_sends_and_no_other(job):
    check_manifest("api", job, JOBS[job])
