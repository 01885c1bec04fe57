"""Tests of the projects API, over HTTP.

They talk to the app at BASE_URL (the grader sets it; by hand, start the
app and run `BASE_URL=http://127.0.0.1:8000 pytest`). Every test starts
from an empty database: between two tests the grader empties every table.
"""

import os

import pytest
import requests

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
PASSWORD = "correct horse"


def url(path):
    return BASE_URL + path


def register(username, password=PASSWORD):
    return requests.post(url("/register"), json={"username": username, "password": password})


def login(username, password=PASSWORD):
    return requests.post(url("/login"), json={"username": username, "password": password})


def signed_in(username):
    """Headers of a freshly registered user's requests."""
    assert register(username).status_code == 201
    answer = login(username)
    assert answer.status_code == 200
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


@pytest.fixture
def alice():
    return signed_in("alice")


@pytest.fixture
def bob():
    return signed_in("bob")


def new_project(headers, name="Thesis"):
    answer = requests.post(url("/projects"), json={"name": name}, headers=headers)
    assert answer.status_code == 201
    return answer.json()


def test_register_then_log_in():
    assert register("alice").status_code == 201
    answer = login("alice")
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer"


def test_a_taken_username_is_409():
    assert register("alice").status_code == 201
    assert register("alice").status_code == 409


def test_a_wrong_password_is_401():
    assert register("alice").status_code == 201
    assert login("alice", "not the password").status_code == 401


def test_projects_need_a_token():
    assert requests.get(url("/projects")).status_code == 401


def test_a_token_with_a_forged_signature_is_401(alice):
    header, payload, _ = alice["Authorization"][len("Bearer "):].split(".")
    forged = ".".join([header, payload, "A" * 43])
    answer = requests.get(url("/projects"), headers={"Authorization": "Bearer " + forged})
    assert answer.status_code == 401


def test_a_created_project_can_be_read_back(alice):
    project = new_project(alice)
    answer = requests.get(url(f"/projects/{project['id']}"), headers=alice)
    assert answer.status_code == 200
    assert answer.json()["name"] == "Thesis"


def test_a_blank_name_is_422(alice):
    answer = requests.post(url("/projects"), json={"name": "   "}, headers=alice)
    assert answer.status_code == 422


def test_someone_elses_project_is_404(alice, bob):
    project = new_project(alice)
    assert requests.get(url(f"/projects/{project['id']}"), headers=bob).status_code == 404


def test_no_task_goes_into_someone_elses_project(alice, bob):
    project = new_project(alice)
    answer = requests.post(
        url(f"/projects/{project['id']}/tasks"), json={"title": "Sneak in"}, headers=bob
    )
    assert answer.status_code == 404
    tasks = requests.get(url(f"/projects/{project['id']}/tasks"), headers=alice).json()
    assert tasks["total"] == 0


def test_pages_of_projects_cover_each_project_once(alice):
    names = [f"Project {number}" for number in range(5)]
    for name in names:
        new_project(alice, name)
    seen = []
    for offset in (0, 2, 4):
        answer = requests.get(url(f"/projects?limit=2&offset={offset}"), headers=alice)
        assert answer.status_code == 200
        assert answer.json()["total"] == 5
        seen += [project["name"] for project in answer.json()["items"]]
    assert seen == names


def test_a_task_can_be_marked_done(alice):
    project = new_project(alice)
    task = requests.post(
        url(f"/projects/{project['id']}/tasks"), json={"title": "Write"}, headers=alice
    ).json()
    answer = requests.patch(url(f"/tasks/{task['id']}"), json={"done": True}, headers=alice)
    assert answer.status_code == 200
    assert answer.json()["done"] is True
    done = requests.get(url(f"/projects/{project['id']}/tasks?done=true"), headers=alice)
    assert [item["id"] for item in done.json()["items"]] == [task["id"]]


def test_deleting_a_project_deletes_its_tasks(alice):
    project = new_project(alice)
    task = requests.post(
        url(f"/projects/{project['id']}/tasks"), json={"title": "Write"}, headers=alice
    ).json()
    assert requests.delete(url(f"/projects/{project['id']}"), headers=alice).status_code == 204
    assert requests.patch(url(f"/tasks/{task['id']}"), json={"done": True}, headers=alice).status_code == 404
