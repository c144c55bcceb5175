"""A notes API: one SQLite table, a health endpoint for the smoke test."""

import os
import sqlite3
from pathlib import Path

from fastapi import FastAPI, HTTPException

app = FastAPI(title="notes")


def database_path() -> Path:
    return Path(os.environ.get("DATABASE_PATH", "notes.db"))


def connect() -> sqlite3.Connection:
    return sqlite3.connect(database_path())


@app.get("/")
def index() -> dict:
    return {"app": "notes"}


@app.get("/api/health")
def health() -> dict:
    if not database_path().exists():
        return {"status": "ok", "database": "absent"}
    with connect() as db:
        db.execute("SELECT count(*) FROM notes").fetchone()
    return {"status": "ok", "database": "ready"}


@app.get("/api/notes")
def list_notes() -> list[dict]:
    with connect() as db:
        rows = db.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
    return [{"id": row[0], "body": row[1]} for row in rows]


@app.post("/api/notes")
def add_note(note: dict) -> dict:
    body = note.get("body")
    if not isinstance(body, str) or not body:
        raise HTTPException(status_code=422, detail="body must be a non-empty string")
    with connect() as db:
        cursor = db.execute("INSERT INTO notes (body) VALUES (?)", (body,))
    return {"id": cursor.lastrowid, "body": body}
