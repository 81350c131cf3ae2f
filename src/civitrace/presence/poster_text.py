# ruff: noqa: RUF001 - translations use their own scripts and punctuation
"""The short explanation printed on venue posters, per language.

Each entry says which script it is written in and whether that script needs text shaping
(joining, reordering, right-to-left), which the poster renderer does not do. The renderer
refuses such languages, and any text its font cannot draw, rather than print boxes or
disconnected letters. Entries other than en, de, fr, es await review by native speakers.
"""

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class PosterText:
    language: str  # BCP 47 tag
    name: str  # the language's own name
    heading: str
    body: str
    needs_shaping: bool = False  # complex or right-to-left script


POSTER_TEXTS: Final[dict[str, PosterText]] = {
    t.language: t
    for t in (
        PosterText(
            "en",
            "English",
            "Check in here",
            "Scan to check in. Your visit stays on your phone; nobody else sees it. "
            "No app or account needed.",
        ),
        PosterText(
            "de",
            "Deutsch",
            "Hier einchecken",
            "Scannen zum Einchecken. Ihr Besuch bleibt auf Ihrem Handy; niemand sonst sieht "
            "ihn. Keine App und kein Konto nötig.",
        ),
        PosterText(
            "fr",
            "Français",
            "Enregistrez-vous ici",
            "Scannez pour vous enregistrer. Votre visite reste sur votre téléphone ; personne "
            "d'autre ne la voit. Aucune application ni aucun compte n'est nécessaire.",
        ),
        PosterText(
            "es",
            "Español",
            "Regístrese aquí",
            "Escanee para registrarse. Su visita se queda en su teléfono; nadie más la ve. "
            "No necesita aplicación ni cuenta.",
        ),
        PosterText(
            "it",
            "Italiano",
            "Registrati qui",
            "Scansiona per registrarti. La tua visita resta sul tuo telefono; nessun altro la "
            "vede. Non servono app né account.",
        ),
        PosterText(
            "nl",
            "Nederlands",
            "Hier inchecken",
            "Scan om in te checken. Uw bezoek blijft op uw telefoon; niemand anders ziet het. "
            "Geen app of account nodig.",
        ),
        PosterText(
            "pt",
            "Português",
            "Faça o check-in aqui",
            "Leia o código para fazer o check-in. A sua visita fica no seu telemóvel; mais "
            "ninguém a vê. Não precisa de aplicação nem de conta.",
        ),
        PosterText(
            "pl",
            "Polski",
            "Zamelduj się tutaj",
            "Zeskanuj, aby się zameldować. Twoja wizyta zostaje w telefonie; nikt inny jej nie "
            "widzi. Bez aplikacji i bez konta.",
        ),
        PosterText(
            "ru",
            "Русский",
            "Отметьтесь здесь",
            "Отсканируйте код, чтобы отметиться. Ваш визит остаётся на вашем телефоне; никто "
            "другой его не видит. Не нужны ни приложение, ни учётная запись.",
        ),
        PosterText(
            "zh-Hans",
            "简体中文",
            "在此签到",
            "扫码即可签到。您的到访记录只保存在您的手机上，其他人看不到。无需应用，无需账号。",
        ),
        PosterText(
            "ko",
            "한국어",
            "여기에서 체크인",
            "스캔하여 체크인하세요. 방문 기록은 휴대폰에만 남고 다른 사람은 볼 수 없습니다. "
            "앱이나 계정이 필요 없습니다.",
        ),
        PosterText(
            "ar",
            "العربية",
            "سجّل حضورك هنا",
            "امسح الرمز لتسجيل حضورك. تبقى زيارتك على هاتفك فقط ولا يراها أحد غيرك. "
            "لا حاجة إلى تطبيق أو حساب.",
            needs_shaping=True,
        ),
    )
}
