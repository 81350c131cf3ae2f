"""Official test vectors and wire schemas, copied from ``shared/vectors`` so the project stands
alone. Tests load them only through :func:`load_vectors` and :func:`vector_path`."""

import json
from pathlib import Path
from typing import Any

VECTORS_DIR = Path(__file__).parent


def vector_path(name: str) -> Path:
    """Path of a vector file, failing loudly if it is missing."""
    path = VECTORS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"test vector file {name} is missing from {VECTORS_DIR}")
    return path


def load_vectors(name: str) -> Any:
    """Parse a JSON vector file."""
    return json.loads(vector_path(name).read_text(encoding="utf-8"))
