"""Verification slice: health authorities, API keys, signing keys, codes, tokens, failed guesses.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:12:03.569583
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_authorities",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "name",
            sa.String(length=200),
            nullable=False,
            comment="Display name of the authority, unique",
        ),
        sa.Column(
            "regions",
            sa.String(length=200),
            nullable=False,
            comment="Comma-separated region codes (ISO 3166) the authority serves",
        ),
        sa.Column(
            "certificate_issuer",
            sa.String(length=200),
            nullable=False,
            comment="iss claim of the certificates it signs",
        ),
        sa.Column(
            "certificate_audience",
            sa.String(length=200),
            nullable=False,
            comment="aud claim of its certificates: the key server that accepts them",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was registered",
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_health_authorities_name_not_empty")),
        sa.CheckConstraint(
            "length(regions) >= 2", name=op.f("ck_health_authorities_regions_not_empty")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_authorities")),
        sa.UniqueConstraint("name", name=op.f("uq_health_authorities_name")),
        comment="Health authorities that issue verification codes and certificates",
    )
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column("purpose", sa.String(length=20), nullable=False, comment="token or certificate"),
        sa.Column(
            "kid",
            sa.String(length=64),
            nullable=False,
            comment="Key id put in the JWT header (kid)",
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
            server_default=sa.false(),
            nullable=False,
            comment="True for the one version that signs now",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was generated",
        ),
        sa.Column(
            "retired_at",
            sa.DateTime(),
            nullable=True,
            comment="When it stopped verifying; NULL while still trusted",
        ),
        sa.CheckConstraint(
            "purpose IN ('token', 'certificate')", name=op.f("ck_signing_keys_purpose_known")
        ),
        sa.CheckConstraint(
            "NOT (active AND retired_at IS NOT NULL)",
            name=op.f("ck_signing_keys_active_not_retired"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_signing_keys_kid")),
        comment="ES256 keys that sign tokens and certificates, one active per purpose",
    )
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_signing_keys_one_active",
            ["purpose"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "health_authority_id",
            sa.Integer(),
            nullable=False,
            comment="Authority the key acts for",
        ),
        sa.Column(
            "name",
            sa.String(length=200),
            nullable=False,
            comment="Operator's label for the key (a system, an app), never a person",
        ),
        sa.Column("key_type", sa.String(length=10), nullable=False, comment="ADMIN or DEVICE"),
        sa.Column(
            "prefix",
            sa.String(length=16),
            nullable=False,
            comment="Non-secret first characters, to identify the key",
        ),
        sa.Column(
            "key_hash",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="SHA-256 of the whole key string",
        ),
        sa.Column(
            "created_at",
            sa.DateTime(),
            nullable=False,
            comment="When it was created",
        ),
        sa.Column(
            "revoked_at",
            sa.DateTime(),
            nullable=True,
            comment="When it was revoked; revoked keys are refused",
        ),
        sa.CheckConstraint(
            "key_type IN ('ADMIN', 'DEVICE')", name=op.f("ck_api_keys_key_type_known")
        ),
        sa.CheckConstraint("length(key_hash) = 32", name=op.f("ck_api_keys_key_hash_is_sha256")),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_api_keys_health_authority_id_health_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
        comment="API keys of staff systems and apps; only hashes are stored",
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_health_authority_id"), ["health_authority_id"], unique=False
        )

    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column("jti", sa.String(length=64), nullable=False, comment="JWT id of the token"),
        sa.Column(
            "health_authority_id",
            sa.Integer(),
            nullable=False,
            comment="Authority whose code it came from",
        ),
        sa.Column(
            "test_type", sa.String(length=20), nullable=False, comment="Test type of the code"
        ),
        sa.Column("symptom_date", sa.Date(), nullable=True, comment="Symptom onset day, if known"),
        sa.Column("test_date", sa.Date(), nullable=True, comment="Test day, if known"),
        sa.Column(
            "expires_at",
            sa.DateTime(),
            nullable=False,
            comment="Token expiry",
        ),
        sa.Column(
            "claimed",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="True once a certificate was signed for it",
        ),
        sa.CheckConstraint(
            "test_type IN ('confirmed', 'likely', 'negative', 'user-report')",
            name=op.f("ck_tokens_test_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_tokens_health_authority_id_health_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("jti", name=op.f("uq_tokens_jti")),
        comment="Verification tokens (JWT ids) awaiting exchange for a certificate",
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tokens_health_authority_id"), ["health_authority_id"], unique=False
        )

    op.create_table(
        "verification_codes",
        sa.Column("id", sa.Integer(), nullable=False, comment="Surrogate key"),
        sa.Column(
            "uuid",
            sa.String(length=36),
            nullable=False,
            comment="Public id of the code (client- or server-chosen)",
        ),
        sa.Column(
            "health_authority_id", sa.Integer(), nullable=False, comment="Authority that issued it"
        ),
        sa.Column(
            "code_hmac",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="HMAC-SHA256(server secret, short code)",
        ),
        sa.Column(
            "long_code_hmac",
            sa.LargeBinary(length=32),
            nullable=False,
            comment="HMAC-SHA256(server secret, long code)",
        ),
        sa.Column(
            "test_type",
            sa.String(length=20),
            nullable=False,
            comment="confirmed/likely/negative/...",
        ),
        sa.Column("symptom_date", sa.Date(), nullable=True, comment="Symptom onset day, if known"),
        sa.Column("test_date", sa.Date(), nullable=True, comment="Test day, if known"),
        sa.Column(
            "expires_at",
            sa.DateTime(),
            nullable=False,
            comment="Short code expiry",
        ),
        sa.Column(
            "long_expires_at",
            sa.DateTime(),
            nullable=False,
            comment="Long code expiry",
        ),
        sa.Column(
            "claimed",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
            comment="True once exchanged for a token (single use)",
        ),
        sa.CheckConstraint(
            "test_type IN ('confirmed', 'likely', 'negative', 'user-report')",
            name=op.f("ck_verification_codes_test_type_known"),
        ),
        sa.CheckConstraint(
            "length(code_hmac) = 32", name=op.f("ck_verification_codes_code_hmac_is_sha256")
        ),
        sa.CheckConstraint(
            "length(long_code_hmac) = 32",
            name=op.f("ck_verification_codes_long_code_hmac_is_sha256"),
        ),
        sa.CheckConstraint(
            "long_expires_at >= expires_at", name=op.f("ck_verification_codes_long_outlives_short")
        ),
        sa.ForeignKeyConstraint(
            ["health_authority_id"],
            ["health_authorities.id"],
            name=op.f("fk_verification_codes_health_authority_id_health_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_codes")),
        sa.UniqueConstraint("code_hmac", name=op.f("uq_verification_codes_code_hmac")),
        sa.UniqueConstraint("long_code_hmac", name=op.f("uq_verification_codes_long_code_hmac")),
        sa.UniqueConstraint("uuid", name=op.f("uq_verification_codes_uuid")),
        comment="Verification codes as HMACs; no phone number, no name",
    )
    with op.batch_alter_table("verification_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_codes_health_authority_id"),
            ["health_authority_id"],
            unique=False,
        )

    op.create_table(
        "failed_guesses",
        sa.Column(
            "api_key_id", sa.Integer(), nullable=False, comment="API key that made the guesses"
        ),
        sa.Column(
            "window_start",
            sa.DateTime(),
            nullable=False,
            comment="Start of the time bucket",
        ),
        sa.Column("count", sa.Integer(), nullable=False, comment="Wrong guesses in the bucket"),
        sa.CheckConstraint("count >= 0", name=op.f("ck_failed_guesses_count_not_negative")),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_failed_guesses_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", "window_start", name=op.f("pk_failed_guesses")),
        comment="Failed code guesses per API key per time window, for rate limiting",
    )


def downgrade() -> None:
    op.drop_table("failed_guesses")
    with op.batch_alter_table("verification_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_codes_health_authority_id"))

    op.drop_table("verification_codes")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_health_authority_id"))

    op.drop_table("tokens")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_health_authority_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_signing_keys_one_active",
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.drop_table("signing_keys")
    op.drop_table("health_authorities")
