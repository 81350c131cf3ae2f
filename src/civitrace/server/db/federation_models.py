"""Tables of federation: who may pull from here, whom this instance pulls from, and the key
that signs fetch responses. On the one declarative :class:`~civitrace.server.db.models.Base`.

Credentials are stored as SHA-256 hashes on the serving side; on the pulling side the
credential must be sent, so it is stored AES-256-GCM encrypted with the server's KEK, like the
federation signing key's private half.
"""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, LargeBinary, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from civitrace.server.db.models import Base
from civitrace.server.db.types import UTCDateTime


class FederationGrant(Base):
    """A peer instance allowed to pull keys from here, and which of them it may receive."""

    __tablename__ = "federation_grants"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(regions) >= 2", name="regions_not_empty"),
        CheckConstraint("length(credential_hash) = 32", name="credential_hash_is_sha256"),
        {
            "comment": "Federation peers allowed to pull keys from this instance",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    name: Mapped[str] = mapped_column(
        String(200), unique=True, comment="Operator's name of the peer (an authority), unique"
    )
    prefix: Mapped[str] = mapped_column(
        String(20), unique=True, comment="Non-secret first characters of the credential"
    )
    credential_hash: Mapped[bytes] = mapped_column(
        LargeBinary(32), unique=True, comment="SHA-256 of the whole bearer credential"
    )
    regions: Mapped[str] = mapped_column(
        String(200), comment="Comma-separated regions whose keys the peer may receive"
    )
    only_travelers: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        comment="True: the peer receives only keys of uploaders who travelled",
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was granted")
    revoked_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When it was revoked; revoked credentials are refused"
    )


class FederationPeer(Base):
    """An instance this one pulls keys from: where, how to authenticate, what to trust."""

    __tablename__ = "federation_peers"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(regions) >= 2", name="regions_not_empty"),
        {
            "comment": "Federation peers this instance pulls keys from, with the pull cursor",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    name: Mapped[str] = mapped_column(
        String(200), unique=True, comment="Name of the peer; stored as the keys' federation_source"
    )
    url: Mapped[str] = mapped_column(String(500), comment="Base URL of the peer's server")
    encrypted_credential: Mapped[bytes] = mapped_column(
        LargeBinary, comment="12-byte nonce || AES-256-GCM(KEK, bearer credential), AAD = name"
    )
    public_key_pem: Mapped[str] = mapped_column(
        Text, comment="The peer's federation signing public key (SubjectPublicKeyInfo PEM)"
    )
    regions: Mapped[str] = mapped_column(
        String(200), comment="Comma-separated regions whose keys are imported"
    )
    cursor: Mapped[str | None] = mapped_column(
        String(200), comment="Opaque position after the last committed page; NULL = start"
    )
    last_pulled_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, comment="When the last pull committed"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was configured")


class FederationSigningKey(Base):
    """An ECDSA P-256 key that signs fetch responses; the newest active one signs."""

    __tablename__ = "federation_signing_keys"
    __table_args__ = (
        {
            "comment": "Keys signing federation responses; private halves encrypted",
            "info": {"data_category": "operational"},
        },
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, comment="Surrogate key")
    kid: Mapped[str] = mapped_column(String(64), unique=True, comment="Key id sent with signatures")
    encrypted_private_key: Mapped[bytes] = mapped_column(
        LargeBinary, comment="12-byte nonce || AES-256-GCM(KEK, PKCS#8 PEM), AAD = kid"
    )
    public_key_pem: Mapped[str] = mapped_column(Text, comment="SubjectPublicKeyInfo PEM")
    active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), comment="True while it signs responses"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, comment="When it was generated")
