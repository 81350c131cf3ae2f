"""Languages of the pages, the choice of one per request, and the gettext catalogs.

Every page is offered in every language of :data:`LANGUAGES`; a test fails when a template's
message lacks a translation in any of them. Catalogs are plain gettext ``.po`` files under
``web/locales/<locale>/LC_MESSAGES/<area>.po``, one file per area (common, presence, console,
stats, consult, …) so that areas change independently; the files of one language are merged
into one :class:`babel.support.Translations` at first use. Compiling them in memory at start-up
keeps the checkout free of generated ``.mo`` files.

The choice is, in order: an explicit ``?lang=`` on the URL (the visible switcher's links), the
``lang`` preference cookie it sets, the browser's ``Accept-Language``, and English.
"""

import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


@dataclass(frozen=True, slots=True)
class Language:
    """One page language: its BCP 47 tag (``lang=``), gettext locale, own name and direction."""

    tag: str  # BCP 47, as in <html lang> and ?lang=
    locale: str  # gettext/Babel locale id: the catalog directory's name
    name: str  # the language's name in itself, for the switcher
    rtl: bool = False

    @property
    def direction(self) -> str:
        """``rtl`` or ``ltr``, for ``<html dir>``."""
        return "rtl" if self.rtl else "ltr"


LANGUAGES: Final = (
    Language("en", "en", "English"),
    Language("es", "es", "Español"),
    Language("ar", "ar", "العربية", rtl=True),
    Language("zh-Hans", "zh_Hans", "简体中文"),
    Language("zh-Hant", "zh_Hant", "繁體中文"),
    Language("ko", "ko", "한국어"),
    Language("ms", "ms", "Bahasa Melayu"),
    Language("ta", "ta", "தமிழ்"),
)
DEFAULT: Final = LANGUAGES[0]
BY_TAG: Final = {language.tag.lower(): language for language in LANGUAGES}
LANG_COOKIE: Final = "lang"  # holds a tag of LANGUAGES, nothing else

# Browser tags that name a script-specific Chinese by region rather than by script.
_CHINESE_BY_REGION: Final = {
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-my": "zh-hans",
    "zh-tw": "zh-hant",
    "zh-hk": "zh-hant",
    "zh-mo": "zh-hant",
    "zh": "zh-hans",
}


def language_for(tag: str | None) -> Language | None:
    """The offered language a tag names (``zh-TW`` → Traditional Chinese), or ``None``."""
    if not tag:
        return None
    wanted = tag.strip().lower().replace("_", "-")
    if wanted in BY_TAG:
        return BY_TAG[wanted]
    for script in ("zh-hant", "zh-hans"):  # a script subtag outranks a region
        if wanted.startswith(script + "-"):
            return BY_TAG[script]
    for prefix, target in _CHINESE_BY_REGION.items():
        if wanted == prefix or wanted.startswith(prefix + "-"):
            return BY_TAG[target]
    return BY_TAG.get(wanted.split("-", 1)[0])


def _accepted(header: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):  # a cap: headers are input
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(
    query: str | None = None, cookie: str | None = None, accept_language: str | None = None
) -> Language:
    """A request's language: ``?lang=``, then the cookie, then Accept-Language, then English."""
    for explicit in (query, cookie):
        found = language_for(explicit)
        if found is not None:
            return found
    for tag in _accepted(accept_language or ""):
        found = language_for(tag)
        if found is not None:
            return found
    return DEFAULT


def _catalog_files(locale: str) -> list[resources.abc.Traversable]:
    folder = resources.files("civitrace.web") / "locales" / locale / "LC_MESSAGES"
    if not folder.is_dir():
        return []
    return sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".po")),
        key=lambda entry: entry.name,
    )


@cache
def translations(language: Language) -> NullTranslations:
    """Every area's catalog of ``language`` merged, compiled once per process."""
    merged: NullTranslations | None = None
    for source in _catalog_files(language.locale):
        with source.open("rb") as handle:
            catalog = read_po(handle, locale=language.locale)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        area = Translations(compiled, domain=source.name.removesuffix(".po"))
        if isinstance(merged, Translations):
            merged.merge(area)
        else:
            merged = area
    return merged if merged is not None else NullTranslations()


def gettext(language: Language, message: str) -> str:
    """``message`` in ``language`` (English source text when a catalog lacks it)."""
    return translations(language).gettext(message)
