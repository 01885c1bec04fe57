"""A notes API: create, list, read, update and delete notes."""

from typing import Dict

from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, constr

app = FastAPI()


class NoteIn(BaseModel):
    title: constr(strip_whitespace=True, min_length=1, max_length=100)
    body: str = ""


class Note(NoteIn):
    id: int


notes: Dict[int, Note] = {}
next_id = 1


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/notes", status_code=201, response_model=Note)
def create_note(note: NoteIn):
    global next_id
    created = Note(id=next_id, **note.dict())
    notes[created.id] = created
    next_id += 1
    return created


@app.get("/notes", response_model=list[Note])
def list_notes():
    return list(notes.values())


@app.get("/notes/{note_id}", response_model=Note)
def read_note(note_id: int):
    if note_id not in notes:
        raise HTTPException(status_code=404, detail="note not found")
    return notes[note_id]


@app.put("/notes/{note_id}", response_model=Note)
def update_note(note_id: int, note: NoteIn):
    if note_id not in notes:
        raise HTTPException(status_code=404, detail="note not found")
    notes[note_id] = Note(id=note_id, **note.dict())
    return notes[note_id]


@app.delete("/notes/{note_id}")
def delete_note(note_id: int):
    if notes.pop(note_id, None) is None:
        raise HTTPException(status_code=404, detail="note not found")
    return {"deleted": note_id}
