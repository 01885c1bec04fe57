-- Loaded into a fresh PostgreSQL database before the app starts, every job.
CREATE TABLE tasks (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    done BOOLEAN NOT NULL DEFAULT FALSE
);

INSERT INTO tasks (title, done) VALUES
    ('Read the SQLAlchemy tutorial', TRUE),
    ('Write the tasks API', FALSE);
