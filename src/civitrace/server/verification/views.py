"""Routes of the verification API: authenticate, hand the parsed body to the service, pad."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.responses import Response
from fastapi.security import APIKeyHeader

from civitrace.server.apikeys import authenticate
from civitrace.server.db.models import ApiKey, ApiKeyType
from civitrace.server.deps import SessionDep
from civitrace.server.responses import padded_json
from civitrace.server.verification import codes
from civitrace.server.verification.schemas import (
    BatchIssueCodeRequest,
    BatchIssueCodeResponse,
    CertificateRequest,
    CertificateResponse,
    CheckCodeStatusResponse,
    CodeUuidRequest,
    ErrorResponse,
    ExpireCodeResponse,
    IssueCodeRequest,
    IssueCodeResponse,
    VerifyCodeRequest,
    VerifyCodeResponse,
)
from civitrace.server.verification.service import Verifier

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="ADMIN or DEVICE key")


def _admin_key(session: SessionDep, header: Annotated[str | None, Security(_api_key)]) -> ApiKey:
    return authenticate(session, header, ApiKeyType.ADMIN)


def _device_key(session: SessionDep, header: Annotated[str | None, Security(_api_key)]) -> ApiKey:
    return authenticate(session, header, ApiKeyType.DEVICE)


AdminKey = Annotated[ApiKey, Depends(_admin_key)]
DeviceKey = Annotated[ApiKey, Depends(_device_key)]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorResponse} for status in statuses}


router = APIRouter(tags=["verification"])


def _verifier(request: Request) -> Verifier:
    verifier: Verifier = request.app.state.verifier
    return verifier


def _reply(request: Request, document: dict[str, Any]) -> Response:
    return padded_json(document, request.app.state.settings)


@router.post(
    "/api/issue",
    response_model=IssueCodeResponse,
    responses=_errors(400, 401, 409, 413),
    summary="Issue a verification code (staff systems, ADMIN key)",
)
def issue(body: IssueCodeRequest, key: AdminKey, session: SessionDep, request: Request) -> Response:
    return _reply(request, _verifier(request).issue(session, key, body))


@router.post(
    "/api/batch-issue",
    response_model=BatchIssueCodeResponse,
    responses={
        **_errors(401, 413),
        **{
            status: {"model": BatchIssueCodeResponse}
            for status in (400, 409)  # the first refused code's status, with the codes array
        },
    },
    summary="Issue up to 10 verification codes, each on its own (staff systems, ADMIN key)",
)
def batch_issue(
    body: BatchIssueCodeRequest, key: AdminKey, session: SessionDep, request: Request
) -> Response:
    status, document = codes.batch_issue(_verifier(request), session, key, body)
    return padded_json(document, request.app.state.settings, status_code=status)


@router.post(
    "/api/checkcodestatus",
    response_model=CheckCodeStatusResponse,
    responses=_errors(400, 401, 404, 413),
    summary="Whether an issued code was used, and when it expires (staff systems, ADMIN key)",
)
def check_code_status(
    body: CodeUuidRequest, key: AdminKey, session: SessionDep, request: Request
) -> Response:
    return _reply(request, codes.code_status(session, key, body.uuid))


@router.post(
    "/api/expirecode",
    response_model=ExpireCodeResponse,
    responses=_errors(400, 401, 404, 413),
    summary="Make an unused code expire now (staff systems, ADMIN key)",
)
def expire_code(
    body: CodeUuidRequest, key: AdminKey, session: SessionDep, request: Request
) -> Response:
    now = _verifier(request).clock()
    return _reply(request, codes.expire_code(session, key, body.uuid, now))


@router.post(
    "/api/verify",
    response_model=VerifyCodeResponse,
    responses=_errors(400, 401, 412, 413, 429),
    summary="Exchange a code for a single-use verification token (apps, DEVICE key)",
)
def verify(
    body: VerifyCodeRequest, key: DeviceKey, session: SessionDep, request: Request
) -> Response:
    return _reply(request, _verifier(request).verify(session, key, body))


@router.post(
    "/api/certificate",
    response_model=CertificateResponse,
    responses=_errors(400, 401, 413),
    summary="Exchange a token and the keys' HMAC for a signed certificate (apps, DEVICE key)",
)
def certificate(
    body: CertificateRequest, key: DeviceKey, session: SessionDep, request: Request
) -> Response:
    return _reply(request, _verifier(request).certificate(session, key, body))
