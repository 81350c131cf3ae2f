"""The messages the pages need, and which of them a language's catalogs lack.

Used by the test that holds every page to every language, and by ``make messages-check`` for a
readable list while translating. Messages come from the templates (``_()``, ``{% trans %}``)
and from Python source through :func:`N_` (a marker for text translated later) or
``gettext(language, "…")``.
"""

from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Final

from babel.messages.extract import extract_from_dir

from civitrace.web.i18n import LANGUAGES, Language, translations

_PACKAGE_ROOT: Final = Path(str(resources.files("civitrace")))
_METHODS: Final = [("web/templates/**.html", "jinja2"), ("**.py", "python")]
_OPTIONS: Final = {
    "web/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    },
}
_KEYWORDS: Final = {"_": None, "N_": None, "gettext": (2,), "ngettext": (1, 2)}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``message`` for translation where it is defined; it is translated where shown."""
    return message


def locale_folder(language: Language) -> Path:
    """Where the ``.po`` files of ``language`` live in a source checkout."""
    return _PACKAGE_ROOT / "web" / "locales" / language.locale / "LC_MESSAGES"


def source_messages() -> dict[str, str]:
    """Every translatable message → the first file that uses it."""
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(_PACKAGE_ROOT), method_map=_METHODS, options_map=_OPTIONS, keywords=_KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, filename)
    return found


def missing(language: Language) -> Iterator[tuple[str, str]]:
    """(message, file) for each message the catalogs of ``language`` do not translate."""
    if language.locale == "en":
        return
    catalog = translations(language)
    for message, filename in sorted(source_messages().items()):
        if catalog.gettext(message) == message and not _same_in_every_language(message):
            yield message, filename


def _same_in_every_language(message: str) -> bool:
    """Names and symbols need no translation: the brand, a bare number or a lone symbol."""
    return message in {"civitrace"} or not any(character.isalpha() for character in message)


def main() -> int:
    """Print what each language lacks; non-zero when anything is missing."""
    gaps = 0
    for language in LANGUAGES:
        for message, filename in missing(language):
            print(f"{language.tag}\t{filename}\t{message}")
            gaps += 1
    return 1 if gaps else 0


if __name__ == "__main__":
    raise SystemExit(main())
