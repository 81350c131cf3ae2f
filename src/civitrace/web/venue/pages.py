"""``GET /venue/new``: the form a venue owner fills in to get a check-in code and a poster.

The page is a shell: its script (``static/venue/new.js``) checks the form by the scheme's rules,
draws a random seed with ``crypto.getRandomValues``, encodes the payload itself
(``static/venue/payload.js``) and shows the check-in URL, a QR preview, poster downloads and the
kiosk link. The server learns nothing from this page; only when the owner asks for a preview or
a poster is the payload sent, to :mod:`civitrace.web.venue.poster_api`, which keeps nothing.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from civitrace.presence.constants import MAX_CHECK_IN_LENGTH_MINUTES, MAX_TEXT_LENGTH
from civitrace.presence.poster import MAX_LANGUAGES, Paper
from civitrace.presence.poster_text import POSTER_TEXTS
from civitrace.web.i18n import LANGUAGES, Language, gettext
from civitrace.web.templating import client_messages, render, request_language
from civitrace.web.venue.labels import RULE_MESSAGES, SCRIPT_MESSAGES, TYPE_LABELS
from civitrace.web.venue.poster_api import POSTER_PATH

router = APIRouter(include_in_schema=False)
DEFAULT_STAY_MINUTES = 60  # the form's suggestion for places open regularly


def _rule_messages(language: Language) -> dict[str, str]:
    limits = {
        "description.max-length": MAX_TEXT_LENGTH,
        "address.max-length": MAX_TEXT_LENGTH,
        "permanent.check-in-length": MAX_CHECK_IN_LENGTH_MINUTES,
    }
    messages = {}
    for rule, message in RULE_MESSAGES.items():
        text = gettext(language, message)
        messages[rule] = text % {"count": limits[rule]} if rule in limits else text
    return messages


def _config(language: Language) -> dict[str, Any]:
    return {
        "posterPath": POSTER_PATH,
        "maxText": MAX_TEXT_LENGTH,
        "maxStay": MAX_CHECK_IN_LENGTH_MINUTES,
        "maxLanguages": MAX_LANGUAGES,
        "permanentTypes": [label.value for label in TYPE_LABELS if label.permanent],
        "rules": _rule_messages(language),
        "messages": client_messages(language, SCRIPT_MESSAGES),
    }


@router.get("/venue/new", response_class=HTMLResponse)
def new_venue(request: Request) -> HTMLResponse:
    """The venue form, in the owner's language; every poster language offered."""
    language = request_language(request)
    poster_languages = [
        (page_language, POSTER_TEXTS[page_language.tag])
        for page_language in LANGUAGES
        if page_language.tag in POSTER_TEXTS
    ]
    return render(
        request,
        "venue/new.html",
        {
            "types": TYPE_LABELS,
            "poster_languages": poster_languages,
            "papers": list(Paper),
            "default_stay": DEFAULT_STAY_MINUTES,
            "max_stay": MAX_CHECK_IN_LENGTH_MINUTES,
            "max_text": MAX_TEXT_LENGTH,
            "config": _config(language),
        },
    )
