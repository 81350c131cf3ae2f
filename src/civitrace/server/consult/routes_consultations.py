"""Staff create consultations and sessions; anyone reads a consultation."""

from fastapi import APIRouter

from civitrace.server.consult import sessions as service
from civitrace.server.consult._docs import errors
from civitrace.server.consult.auth import ConsultationId, Staff
from civitrace.server.consult.errors import NotFoundError
from civitrace.server.consult.schemas import (
    ConsultationOut,
    NewConsultation,
    NewSession,
    SessionCreated,
)
from civitrace.server.consult.snapshots import Document, consultation_document
from civitrace.server.db.consult_models import Consultation
from civitrace.server.deps import SessionDep

router = APIRouter()


@router.post(
    "/consultations",
    status_code=201,
    response_model=ConsultationOut,
    responses=errors(401),
    summary="Create a consultation (staff, ADMIN API key)",
)
def create_consultation(body: NewConsultation, db: SessionDep, _staff: Staff) -> Document:
    consultation = service.create_consultation(
        db, title=body.title, description=body.description, proposal_id=body.proposal_id
    )
    return consultation_document(db, consultation)


@router.get(
    "/consultations/{consultation_id}",
    response_model=ConsultationOut,
    responses=errors(404),
    summary="A consultation and its sessions (public)",
)
def get_consultation(consultation_id: ConsultationId, db: SessionDep) -> Document:
    consultation = db.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFoundError(f"consultation {consultation_id}: no such consultation")
    return consultation_document(db, consultation)


@router.post(
    "/consultations/{consultation_id}/sessions",
    status_code=201,
    response_model=SessionCreated,
    responses=errors(401, 404),
    summary="Create a session; returns the facilitator and moderator link tokens once (staff)",
)
def create_session(
    consultation_id: ConsultationId, body: NewSession, db: SessionDep, _staff: Staff
) -> Document:
    created = service.create_session(
        db,
        consultation_id,
        title=body.title,
        table_size=body.table_size,
        language=body.language,
        starts_at=body.starts_at,
    )
    return {
        "id": created.session.id,
        "facilitatorToken": created.facilitator_token,
        "moderatorToken": created.moderator_token,
    }
