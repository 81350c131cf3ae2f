"""What a public page says after the sunset, in every page language.

The texts live here rather than in the web layer's gettext catalogs because the governance
package must answer even when the web layer has no page for a path; a test checks that every
language of :data:`civitrace.web.i18n.LANGUAGES` has one. Dates are written by Babel in the
language's own long format.
"""

from dataclasses import dataclass
from datetime import date
from typing import Final

from babel.dates import format_date

from civitrace.web.i18n import DEFAULT, Language


@dataclass(frozen=True, slots=True)
class SunsetText:
    """Title, body (with ``{date}``) and the transparency link's text."""

    title: str
    body: str
    link: str


TEXTS: Final = {
    "en": SunsetText(
        "This service has ended",
        "This service ended on {date}. As its rules require, all personal data it held has "
        "been deleted.",
        "What it collected and how it was governed",
    ),
    "es": SunsetText(
        "Este servicio ha terminado",
        "Este servicio terminó el {date}. Como exigen sus reglas, se han eliminado todos los "
        "datos personales que guardaba.",
        "Qué recogió y cómo se gobernó",
    ),
    "ar": SunsetText(
        "انتهت هذه الخدمة",
        "انتهت هذه الخدمة في {date}. وكما تقتضي قواعدها، حُذفت جميع البيانات الشخصية التي "
        "كانت تحتفظ بها.",
        "ما جمعته الخدمة وكيف كانت تُدار",
    ),
    "zh-Hans": SunsetText(
        "本服务已结束",
        "本服务已于{date}结束。按照其规则\uff0c它保存的所有个人数据均已删除。",
        "它收集了什么以及如何治理",
    ),
    "zh-Hant": SunsetText(
        "本服務已結束",
        "本服務已於{date}結束。依照其規則\uff0c它保存的所有個人資料均已刪除。",
        "它收集了什麼以及如何治理",
    ),
    "ko": SunsetText(
        "이 서비스는 종료되었습니다",
        "이 서비스는 {date}에 종료되었습니다. 규칙에 따라 보관하던 모든 개인 데이터가 "
        "삭제되었습니다.",
        "수집한 정보와 운영 방식",
    ),
    "ms": SunsetText(
        "Perkhidmatan ini telah tamat",
        "Perkhidmatan ini tamat pada {date}. Seperti yang dikehendaki oleh peraturannya, semua "
        "data peribadi yang disimpannya telah dipadamkan.",
        "Apa yang dikumpul dan bagaimana ia ditadbir",
    ),
    "ta": SunsetText(
        "இந்தச் சேவை முடிவடைந்தது",
        "இந்தச் சேவை {date} அன்று முடிவடைந்தது. அதன் விதிகளின்படி, அது வைத்திருந்த "
        "அனைத்துத் தனிப்பட்ட தரவுகளும் நீக்கப்பட்டன.",
        "அது சேகரித்தவை மற்றும் அது நிர்வகிக்கப்பட்ட விதம்",
    ),
}


def sunset_text(language: Language) -> SunsetText:
    """The texts of ``language`` (English for a language added without them)."""
    return TEXTS.get(language.tag, TEXTS[DEFAULT.tag])


def long_date(day: date, language: Language) -> str:
    """``day`` in the language's long date format (``30 June 2027``, ``2027年6月30日``)."""
    return format_date(day, format="long", locale=language.locale)
