# ruff: noqa: RUF001 - translations use their own scripts and punctuation
"""The short explanation printed on venue posters, per language: the one source of these texts.

Each entry names the font face its script is set in (:class:`~civitrace.presence._fonts.Face`)
and whether it reads right to left; the renderer shapes every line (joining Arabic letters,
reordering Tamil vowel signs) with HarfBuzz through fpdf2. The page that makes posters offers the
languages of this table. en, de, fr and es have been checked; the other texts await review by
native speakers.
"""

from dataclasses import dataclass
from typing import Final

from civitrace.presence._fonts import Face


@dataclass(frozen=True, slots=True)
class PosterText:
    language: str  # BCP 47 tag
    name: str  # the language's own name
    heading: str
    body: str
    face: Face = Face.BASE  # the font face of its script
    rtl: bool = False  # written right to left


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
            face=Face.CJK_SC,
        ),
        PosterText(
            "ko",
            "한국어",
            "여기에서 체크인",
            "스캔하여 체크인하세요. 방문 기록은 휴대폰에만 남고 다른 사람은 볼 수 없습니다. "
            "앱이나 계정이 필요 없습니다.",
            face=Face.CJK_KR,
        ),
        PosterText(
            "ar",
            "العربية",
            "سجّل حضورك هنا",
            "امسح الرمز لتسجيل حضورك. تبقى زيارتك على هاتفك فقط ولا يراها أحد غيرك. "
            "لا حاجة إلى تطبيق أو حساب.",
            face=Face.ARABIC,
            rtl=True,
        ),
        PosterText(
            "zh-Hant",
            "繁體中文",
            "在此簽到",
            "掃描即可簽到。您的到訪紀錄只保存在您的手機上，其他人看不到。無需應用程式，無需帳號。",
            face=Face.CJK_TC,
        ),
        PosterText(
            "ms",
            "Bahasa Melayu",
            "Daftar masuk di sini",
            "Imbas untuk daftar masuk. Lawatan anda kekal dalam telefon anda; tiada orang lain "
            "dapat melihatnya. Tiada aplikasi atau akaun diperlukan.",
        ),
        PosterText(
            "ta",
            "தமிழ்",
            "இங்கே பதிவு செய்யுங்கள்",
            "ஸ்கேன் செய்து பதிவு செய்யுங்கள். உங்கள் வருகை உங்கள் கைப்பேசியில் மட்டுமே இருக்கும்; "
            "வேறு யாரும் அதைப் பார்க்க முடியாது. செயலியோ கணக்கோ தேவையில்லை.",
            face=Face.TAMIL,
        ),
    )
}
