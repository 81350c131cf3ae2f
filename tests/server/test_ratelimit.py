"""Failed guesses are counted per API key and time window; past the limit: 429."""

from sqlalchemy import select

from civitrace.server.db import make_engine
from civitrace.server.db.models import FailedGuess
from tests.server.conftest import MAX_FAILED_GUESSES, Api, Authority, assert_error


def test_failed_guesses_rate_limited(
    api: Api, other_authority: Authority, database_url: str
) -> None:
    good = api.issued()["code"]
    for i in range(MAX_FAILED_GUESSES):
        assert_error(api.verify(f"{i:08d}"), 400, "code_invalid")
    limited = api.verify(good)  # even a right code waits: guessing must not pay
    body = assert_error(limited, 429, "quota_exceeded", "code")
    assert body["padding"]
    retry = int(limited.headers["Retry-After"])
    assert 1 <= retry <= 3600
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    # another key is not affected
    other = Api(api.client, other_authority)
    assert other.verify(other.issued()["code"]).status_code == 200
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(select(FailedGuess.count)).scalars().all()
    engine.dispose()
    assert rows == [MAX_FAILED_GUESSES]


def test_successes_are_not_counted(api: Api) -> None:
    for _ in range(MAX_FAILED_GUESSES + 1):
        assert api.verify(api.issued()["code"]).status_code == 200
