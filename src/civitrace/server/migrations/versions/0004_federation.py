"""Federation: grants to peers that pull from here, peers pulled from, response signing keys.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "federation_grants",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "name",
            sa.String(length=200),
            nullable=False,
            comment="Operator's name of the peer (an authority), unique",
        ),
        sa.Column(
            "prefix",
            sa.String(length=20),
            nullable=False,
            comment="Non-secret first characters of the credential",
        ),
        sa.Column(
            "credential_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the whole bearer credential",
        ),
        sa.Column(
            "regions",
            sa.String(length=200),
            nullable=False,
            comment="Comma-separated regions whose keys the peer may receive",
        ),
        sa.Column(
            "only_travelers",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="True: the peer receives only keys of uploaders who travelled",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was granted"),
        sa.Column(
            "revoked_at",
            sa.DateTime(),
            nullable=True,
            comment="When it was revoked; revoked credentials are refused",
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_federation_grants_name_not_empty")),
        sa.CheckConstraint(
            "length(regions) >= 2", name=op.f("ck_federation_grants_regions_not_empty")
        ),
        sa.CheckConstraint(
            "length(credential_hash) = 32",
            name=op.f("ck_federation_grants_credential_hash_is_sha256"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_grants")),
        sa.UniqueConstraint("credential_hash", name=op.f("uq_federation_grants_credential_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_federation_grants_name")),
        sa.UniqueConstraint("prefix", name=op.f("uq_federation_grants_prefix")),
        comment="Federation peers allowed to pull keys from this instance",
    )
    op.create_table(
        "federation_peers",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "name",
            sa.String(length=200),
            nullable=False,
            comment="Name of the peer; stored as the keys' federation_source",
        ),
        sa.Column(
            "url", sa.String(length=500), nullable=False, comment="Base URL of the peer's server"
        ),
        sa.Column(
            "encrypted_credential",
            sa.LargeBinary(),
            nullable=False,
            comment="12-byte nonce || AES-256-GCM(KEK, bearer credential), AAD = name",
        ),
        sa.Column(
            "public_key_pem",
            sa.Text(),
            nullable=False,
            comment="The peer's federation signing public key (SubjectPublicKeyInfo PEM)",
        ),
        sa.Column(
            "regions",
            sa.String(length=200),
            nullable=False,
            comment="Comma-separated regions whose keys are imported",
        ),
        sa.Column(
            "cursor",
            sa.String(length=200),
            nullable=True,
            comment="Opaque position after the last committed page; NULL = start",
        ),
        sa.Column(
            "last_pulled_at", sa.DateTime(), nullable=True, comment="When the last pull committed"
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was configured"),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_federation_peers_name_not_empty")),
        sa.CheckConstraint(
            "length(regions) >= 2", name=op.f("ck_federation_peers_regions_not_empty")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_peers")),
        sa.UniqueConstraint("name", name=op.f("uq_federation_peers_name")),
        comment="Federation peers this instance pulls keys from, with the pull cursor",
    )
    op.create_table(
        "federation_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "kid", sa.String(length=64), nullable=False, comment="Key id sent with signatures"
        ),
        sa.Column(
            "encrypted_private_key",
            sa.LargeBinary(),
            nullable=False,
            comment="12-byte nonce || AES-256-GCM(KEK, PKCS#8 PEM), AAD = kid",
        ),
        sa.Column("public_key_pem", sa.Text(), nullable=False, comment="SubjectPublicKeyInfo PEM"),
        sa.Column(
            "active",
            sa.Boolean(),
            server_default=sa.true(),
            nullable=False,
            comment="True while it signs responses",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="When it was generated"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federation_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_federation_signing_keys_kid")),
        comment="Keys signing federation responses; private halves encrypted",
    )


def downgrade() -> None:
    op.drop_table("federation_signing_keys")
    op.drop_table("federation_peers")
    op.drop_table("federation_grants")
