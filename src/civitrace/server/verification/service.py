"""The verification API's logic over a database session; the views only parse and respond.

Each operation commits what it must keep even when it refuses (a failed guess is counted before
the error is raised) and nothing else.
"""

import base64
import binascii
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import jwt
from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.server import crypto
from civitrace.server.db.models import (
    ApiKey,
    FailedGuess,
    HealthAuthority,
    SigningKeyPurpose,
    Token,
    VerificationCode,
)
from civitrace.server.errors import (
    CodeExpiredError,
    CodeInvalidError,
    HmacInvalidError,
    InvalidTestTypeError,
    MissingDateError,
    PhoneNotSupportedError,
    RateLimitedError,
    StorageError,
    TokenExpiredError,
    TokenInvalidError,
    UnparsableRequestError,
    UnsupportedTestTypeError,
    UnsupportedTestTypeIssueError,
    UuidAlreadyExistsError,
)
from civitrace.server.keyring import ServerSecrets, SigningKeyRing
from civitrace.server.settings import VerificationSettings
from civitrace.server.verification import rules
from civitrace.server.verification.schemas import (
    CertificateRequest,
    IssueCodeRequest,
    VerifyCodeRequest,
)

HMAC_LENGTH: Final = 32  # bytes of the ekeyhmac (HMAC-SHA256)
COLLISION_RETRIES: Final = 6  # Google's COLLISION_RETRY_COUNT for code generation
ISSUABLE: Final = frozenset({rules.CONFIRMED, rules.LIKELY, rules.NEGATIVE})


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _decode_hmac(value: str) -> bytes:
    """Standard or URL-safe base64, padded or not (Go's ``base64util.DecodeString``)."""
    text = value.strip()
    padded = text + "=" * (-len(text) % 4)
    for alphabet in (b"+/", b"-_"):
        try:
            return base64.b64decode(padded, altchars=alphabet, validate=True)
        except (binascii.Error, ValueError):
            continue
    raise HmacInvalidError("ekeyhmac: is not valid base64")


@dataclass
class Verifier:
    """Issues codes, exchanges them for tokens, and tokens for certificates."""

    settings: VerificationSettings
    secrets: ServerSecrets
    keyring: SigningKeyRing
    clock: Callable[[], datetime] = field(default=_utcnow)

    def code_hmac(self, code: str) -> bytes:
        return crypto.hmac_sha256(self.secrets.code_hmac_key, code.strip().lower().encode())

    # -- /api/issue ------------------------------------------------------------------------------

    def issue(self, session: Session, key: ApiKey, request: IssueCodeRequest) -> dict[str, Any]:
        now = self.clock()
        cfg = self.settings
        test_type = (request.test_type or "").lower()
        if test_type not in rules.ALL_TEST_TYPES:
            raise InvalidTestTypeError(
                f"testType: must be one of {sorted(ISSUABLE)}, got {test_type[:32] or 'nothing'!r}"
            )
        if test_type not in ISSUABLE and not (
            test_type == rules.USER_REPORT and cfg.allow_admin_user_report
        ):
            raise UnsupportedTestTypeIssueError(f"testType: {test_type} codes are not issued here")
        if request.phone:
            raise PhoneNotSupportedError(
                "phone: civitrace sends no SMS and stores no phone numbers"
            )
        if cfg.require_date and not request.symptom_date and not request.test_date:
            raise MissingDateError("symptomDate, testDate: missing either test or symptom date")
        symptom = rules.parse_day(request.symptom_date, "symptomDate")
        tested = rules.parse_day(request.test_date, "testDate")
        for day, name in ((symptom, "symptomDate"), (tested, "testDate")):
            rules.check_day(
                day,
                name,
                now=now,
                past_days=cfg.allowed_past_days,
                tz_offset=request.tz_offset,
            )
        code_id = self._code_uuid(session, request.uuid)
        expires = now + cfg.short_code_ttl
        # Google: a user-report code's long code lives no longer than its short code (the
        # report is the user's own word, so its window to be used stays short)
        long_expires = expires if test_type == rules.USER_REPORT else now + cfg.long_code_ttl
        for _ in range(COLLISION_RETRIES):
            short, long_ = (
                rules.short_code(cfg.short_code_length),
                rules.long_code(cfg.long_code_length),
            )
            row = VerificationCode(
                uuid=code_id,
                health_authority_id=key.health_authority_id,
                code_hmac=self.code_hmac(short),
                long_code_hmac=self.code_hmac(long_),
                test_type=test_type,
                symptom_date=symptom,
                test_date=tested,
                expires_at=expires,
                long_expires_at=long_expires,
                claimed=False,
            )
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                if self._uuid_taken(session, code_id):
                    raise UuidAlreadyExistsError(
                        f"uuid: a code for {code_id} already exists"
                    ) from None
                continue  # an HMAC collided with a live code: draw again
            session.commit()
            return {
                "uuid": code_id,
                "code": short,
                "longCode": long_,
                "expiresAt": rules.rfc1123(expires),
                "expiresAtTimestamp": int(expires.timestamp()),
                "longExpiresAt": rules.rfc1123(long_expires),
                "longExpiresAtTimestamp": int(long_expires.timestamp()),
            }
        raise StorageError("could not generate a unique verification code")

    def _code_uuid(self, session: Session, requested: str | None) -> str:
        text = "".join(ch for ch in (requested or "") if ch.isprintable()).strip()
        if not text:
            return str(uuid.uuid4())
        try:
            value = str(uuid.UUID(text))
        except ValueError:
            raise UnparsableRequestError("uuid: must be a UUID") from None
        if self._uuid_taken(session, value):
            raise UuidAlreadyExistsError(f"uuid: a code for {value} already exists")
        return value

    @staticmethod
    def _uuid_taken(session: Session, value: str) -> bool:
        found = session.scalar(select(VerificationCode.id).where(VerificationCode.uuid == value))
        return found is not None

    # -- /api/verify -----------------------------------------------------------------------------

    def verify(self, session: Session, key: ApiKey, request: VerifyCodeRequest) -> dict[str, Any]:
        now = self.clock()
        accepted = rules.accepted_test_types(request.accept)
        if not request.code or not request.code.strip():
            raise UnparsableRequestError("code: is required")
        window = self._window(now)
        self._check_rate(session, key, window, now)
        digest = self.code_hmac(request.code)
        row = session.scalars(
            select(VerificationCode).where(
                VerificationCode.health_authority_id == key.health_authority_id,
                or_(
                    VerificationCode.code_hmac == digest, VerificationCode.long_code_hmac == digest
                ),
            )
        ).one_or_none()
        if row is None or row.claimed:
            self._fail(session, key, window, CodeInvalidError("code: verification code invalid"))
        assert row is not None
        expiry = row.expires_at if row.code_hmac == digest else row.long_expires_at
        if expiry <= now:
            self._fail(session, key, window, CodeExpiredError("code: verification code expired"))
        if row.test_type not in accepted:
            raise UnsupportedTestTypeError(
                f"accept: the code's test type {row.test_type} is not accepted by this app"
            )
        signer = self.keyring.active(session, SigningKeyPurpose.TOKEN)
        claimed = session.execute(
            update(VerificationCode)
            .where(VerificationCode.id == row.id, VerificationCode.claimed.is_(False))
            .values(claimed=True)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise CodeInvalidError("code: verification code invalid")
        jti = str(uuid.uuid4())
        expires = now + self.settings.token_ttl
        session.add(
            Token(
                jti=jti,
                health_authority_id=row.health_authority_id,
                test_type=row.test_type,
                symptom_date=row.symptom_date,
                test_date=row.test_date,
                expires_at=expires,
                claimed=False,
            )
        )
        issuer = self.settings.token_issuer
        token = jwt.encode(
            {
                "aud": issuer,
                "exp": int(expires.timestamp()),
                "jti": jti,
                "iat": int(now.timestamp()),
                "iss": issuer,
                "sub": rules.subject(row.test_type, row.symptom_date, row.test_date),
            },
            signer.private_key,
            algorithm="ES256",
            headers={"kid": signer.kid},
        )
        session.commit()
        return {
            "testtype": row.test_type,
            "symptomDate": row.symptom_date.isoformat() if row.symptom_date else None,
            "testDate": row.test_date.isoformat() if row.test_date else None,
            "token": token,
        }

    def _window(self, now: datetime) -> datetime:
        size = int(self.settings.failed_guess_window.total_seconds())
        return datetime.fromtimestamp(int(now.timestamp()) // size * size, UTC)

    def _check_rate(self, session: Session, key: ApiKey, window: datetime, now: datetime) -> None:
        if self.settings.debug_disable_rate_limit:
            return
        count = session.scalar(
            select(func.coalesce(func.sum(FailedGuess.count), 0)).where(
                FailedGuess.api_key_id == key.id, FailedGuess.window_start == window
            )
        )
        if count is not None and count >= self.settings.max_failed_guesses:
            retry = window + self.settings.failed_guess_window - now
            raise RateLimitedError(
                "code: too many failed attempts with this API key; try again later",
                headers={
                    "Retry-After": str(max(1, math.ceil(retry.total_seconds()))),
                    "X-RateLimit-Remaining": "0",
                },
            )

    def _fail(self, session: Session, key: ApiKey, window: datetime, error: Exception) -> None:
        """Count a failed guess for ``key`` in ``window``, commit, and raise ``error``."""
        session.rollback()
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(FailedGuess).values(api_key_id=key.id, window_start=window, count=1)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[FailedGuess.api_key_id, FailedGuess.window_start],
                set_={"count": FailedGuess.count + 1},
            )
        )
        session.commit()
        raise error

    # -- /api/certificate ------------------------------------------------------------------------

    def certificate(
        self, session: Session, key: ApiKey, request: CertificateRequest
    ) -> dict[str, Any]:
        now = self.clock()
        if not request.token:
            raise TokenInvalidError("token: is required")
        claims = self._validate_token(session, request.token)
        if request.ekeyhmac is None:
            raise HmacInvalidError("ekeyhmac: is required")
        mac = _decode_hmac(request.ekeyhmac)
        if len(mac) != HMAC_LENGTH:
            raise HmacInvalidError(f"ekeyhmac: must decode to {HMAC_LENGTH} bytes, got {len(mac)}")
        row = session.scalars(select(Token).where(Token.jti == claims["jti"])).one_or_none()
        if row is None:
            raise TokenInvalidError("token: verification token invalid")
        subject = rules.subject(row.test_type, row.symptom_date, row.test_date)
        if row.health_authority_id != key.health_authority_id or claims["sub"] != subject:
            raise TokenExpiredError("token: verification token invalid")
        if row.expires_at <= now:
            raise TokenExpiredError("token: verification token expired")
        if row.claimed:
            raise TokenExpiredError("token: verification token already used")
        authority = session.get(HealthAuthority, row.health_authority_id)
        assert authority is not None
        signer = self.keyring.active(session, SigningKeyPurpose.CERTIFICATE)
        started = now - self.settings.clock_skew
        payload: dict[str, Any] = {"reportType": row.test_type}
        if row.symptom_date is not None:
            payload["symptomOnsetInterval"] = rules.symptom_onset_interval(row.symptom_date)
        payload |= {
            "tekmac": request.ekeyhmac,
            "iss": authority.certificate_issuer,
            "aud": authority.certificate_audience,
            "iat": int(started.timestamp()),
            "nbf": int(started.timestamp()),
            "exp": int((now + self.settings.certificate_ttl).timestamp()),
        }
        certificate = jwt.encode(
            payload, signer.private_key, algorithm="ES256", headers={"kid": signer.kid}
        )
        result = session.execute(
            update(Token).where(Token.id == row.id, Token.claimed.is_(False)).values(claimed=True)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise TokenExpiredError("token: verification token already used")
        session.commit()
        return {"certificate": certificate}

    def _validate_token(self, session: Session, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise TokenInvalidError("token: is not a JWT") from None
        kid = header.get("kid")
        trusted = self.keyring.public_keys(session, SigningKeyPurpose.TOKEN)
        if not isinstance(kid, str) or kid not in trusted:
            raise TokenInvalidError("token: not signed by a trusted key")
        issuer = self.settings.token_issuer
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                crypto.load_public_key(trusted[kid]),
                algorithms=["ES256"],
                audience=issuer,
                issuer=issuer,
                leeway=self.settings.clock_skew,
                options={"require": ["exp", "iat", "iss", "aud", "jti", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenExpiredError("token: verification token expired") from None
        except jwt.InvalidTokenError as exc:
            raise TokenInvalidError(f"token: {exc}") from None
        if not isinstance(claims.get("jti"), str) or not isinstance(claims.get("sub"), str):
            raise TokenInvalidError("token: jti and sub must be strings")
        return claims


def health_check(engine: Engine) -> bool:
    """True if the database answers."""
    try:
        with engine.connect() as connection:
            connection.execute(select(1))
    except Exception:  # any failure means unhealthy
        return False
    return True
