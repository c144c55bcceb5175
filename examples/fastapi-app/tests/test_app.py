import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import app

SCHEMA = Path(__file__).parent.parent / "app" / "schema.sql"


def test_notes_round_trip(tmp_path, monkeypatch):
    database = tmp_path / "notes.db"
    with sqlite3.connect(database) as db:
        db.executescript(SCHEMA.read_text())
    monkeypatch.setenv("DATABASE_PATH", str(database))
    client = TestClient(app)

    assert client.get("/api/health").json() == {"status": "ok", "database": "ready"}
    assert client.post("/api/notes", json={"body": "hello"}).json()["id"] == 1
    assert client.get("/api/notes").json() == [{"id": 1, "body": "hello"}]
