"""Your tests of the projects API, over HTTP.

The grader runs them against its own app, correct, and against copies of
it with bugs: each bug your tests catch earns points. BASE_URL says where
the app listens; every test starts from an empty database.
"""

import os

import requests

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")


def test_the_app_is_up():
    answer = requests.get(BASE_URL + "/health")
    assert answer.status_code == 200


# Register users, log in, create projects and tasks, and check what the
# API must refuse: see the README.
