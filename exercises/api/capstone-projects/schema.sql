-- Loaded into a fresh PostgreSQL database before the app starts, every
-- job. Between two of the learner's tests every table is emptied and its
-- ids start again from 1 (exercises/README.md, "The learner's tests of an app
-- (a capstone)").
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL
);

CREATE TABLE projects (
    id SERIAL PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100)
);

CREATE TABLE tasks (
    id SERIAL PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    done BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE INDEX tasks_by_project ON tasks (project_id, id);
