"""The front page, and the check-in page that a venue's QR code opens at the same address.

A QR code's URL is ``https://<host>/?v=1#<payload>``: the ``v`` parameter is all the server
sees (the payload is in the fragment, which browsers never send), so ``/`` with ``v`` serves the
check-in page and its script reads the venue from the fragment.
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from civitrace.web.presence.pages import checkin_page
from civitrace.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The check-in page for a QR code's URL (``?v=``), else the front page."""
    if "v" in request.query_params:
        return checkin_page(request)
    return render(request, "home.html")
