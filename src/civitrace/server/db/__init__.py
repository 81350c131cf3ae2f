"""Storage of the server: models, engines and sessions, migrations."""

from civitrace.server.db import analytics_models as analytics_models  # the privacy-budget ledger
from civitrace.server.db import console_models as console_models  # staff, cases, follow-up
from civitrace.server.db import consult_models as consult_models  # consultations
from civitrace.server.db import export_models as export_models  # registers the export tables
from civitrace.server.db import federation_models as federation_models  # the federation tables
from civitrace.server.db import governance_models as governance_models  # audit, proposals
from civitrace.server.db import presence_models as presence_models  # check-in reports, warnings
from civitrace.server.db.engine import make_engine, session_factory
from civitrace.server.db.migrate import current_revision, head_revision, migrate
from civitrace.server.db.models import Base

__all__ = [
    "Base",
    "current_revision",
    "head_revision",
    "make_engine",
    "migrate",
    "session_factory",
]
