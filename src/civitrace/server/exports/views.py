"""``GET /exports/{region}/{name}``: ``index.txt`` and the export zips, from local storage.

Production deployments usually put a CDN or static host in front of the bucket; this router
serves the local directory backend so a single host (and the demo) needs nothing else. Names
are matched against the exact shapes the batcher writes, so nothing else under the data
directory can be reached; anything else is 404.
"""

import re
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from civitrace.server.exports.batcher import INDEX_NAME
from civitrace.server.exports.config import REGION
from civitrace.server.exports.errors import ExportStorageError
from civitrace.server.exports.storage import (
    LOCAL_EXPORTS_DIR,
    ExportStorage,
    LocalDirectoryStorage,
    content_type,
)
from civitrace.server.verification.schemas import ErrorResponse

_FILE: Final = re.compile(r"^\d{1,12}-\d{1,12}-\d{5}\.zip$")
INDEX_MAX_AGE: Final = 300  # seconds a cache may keep index.txt
FILE_MAX_AGE: Final = 86_400  # export files never change once listed

router = APIRouter(tags=["exports"])


def _storage(request: Request) -> ExportStorage:
    storage: ExportStorage | None = getattr(request.app.state, "export_storage", None)
    if storage is None:
        storage = LocalDirectoryStorage(request.app.state.settings.data_dir / LOCAL_EXPORTS_DIR)
        request.app.state.export_storage = storage
    return storage


@router.get(
    "/exports/{region}/{name}",
    responses={
        200: {
            "description": "index.txt (text/plain) or an export file (application/zip)",
            "content": {"text/plain": {}, "application/zip": {}},
        },
        404: {"model": ErrorResponse, "description": "no such region or file"},
    },
    response_class=Response,
)
def export_file(request: Request, region: str, name: str) -> Response:
    """An export object: the region's ``index.txt`` or one of the files it lists."""
    if not REGION.match(region) or not (name == INDEX_NAME or _FILE.match(name)):
        raise HTTPException(404, "no such export file")
    object_name = f"{region}/{name}"
    try:
        data = _storage(request).get(object_name)
    except ExportStorageError:
        raise HTTPException(404, "no such export file") from None
    max_age = INDEX_MAX_AGE if name == INDEX_NAME else FILE_MAX_AGE
    return Response(
        content=data,
        media_type=content_type(object_name),
        headers={"Cache-Control": f"public, max-age={max_age}"},
    )
