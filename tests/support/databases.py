"""Fresh kiosk database files for the property tests, which open hundreds of them.

`open_database` on a new path creates the schema from its snapshot in one transaction:
about 9 ms of CPU here, and a commit synced to disk (10-40 ms of wall time). The property
tests care about what the ledger does on an empty database at today's schema, not about how
it got there, so they copy one empty file made once per process and mode instead (about 3 ms).
The schema steps and the snapshot are tested in tests/unit/test_migrations.py and
tests/unit/test_db.py, on files made the real way.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from backend import db
from backend.settings import get_settings

_templates: dict[str, Path] = {}


def _template(mode: str) -> Path:
    """An empty database at today's schema, made by `open_database` under this mode's settings
    (schema step 3 gives each record's `livemode` column its mode as the default)."""
    path = _templates.get(mode)
    if path is None or not path.exists():
        folder = Path(tempfile.mkdtemp(prefix="charter-db-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / f"{mode}.sqlite3"
        db.open_database(path)
        db.close_database()  # the last connection checkpoints the WAL into the file
        _templates[mode] = path
    return path


def open_fresh_database(path: Path) -> None:
    """`db.open_database(path)` for a path that does not exist yet, from a copy of the template.

    Leaves the database bound as `open_database` does; any database bound before is closed.
    """
    if path.exists():
        raise FileExistsError(path)
    db.close_database()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template(get_settings().mode), path)
    db.open_database(path)
