"""Google's ``accept`` semantics: which code types an app that declares ``accept`` gets."""

import pytest

from tests.server.conftest import Api, assert_error

ALL = ["confirmed", "likely", "negative", "user-report"]

# accept list -> test types it admits (pkg/api/util.go GetAcceptedTestTypes)
TABLE: list[tuple[list[str] | None, set[str]]] = [
    (None, set(ALL)),
    ([], set(ALL)),
    (["confirmed"], {"confirmed"}),
    (["likely"], {"confirmed", "likely"}),
    (["negative"], {"confirmed", "likely", "negative"}),
    (["user-report"], {"confirmed", "user-report"}),
    (["LIKELY"], {"confirmed", "likely"}),
    (["confirmed", "user-report"], {"confirmed", "user-report"}),
    (["likely", "user-report"], {"confirmed", "likely", "user-report"}),
]


@pytest.mark.parametrize(("accept", "admitted"), TABLE, ids=[repr(accept) for accept, _ in TABLE])
def test_accept_table(api: Api, accept: list[str] | None, admitted: set[str]) -> None:
    for test_type in ALL:
        code = api.issued(testType=test_type)["code"]
        response = api.verify(code, accept)
        if test_type in admitted:
            assert response.status_code == 200, (test_type, response.text)
            assert response.json()["testtype"] == test_type
        else:
            assert_error(response, 412, "unsupported_test_type", "accept")
            # a refused type does not spend the code: an app that accepts it still can
            assert api.verify(code).status_code == 200


def test_unknown_accept_entry(api: Api) -> None:
    code = api.issued()["code"]
    assert_error(api.verify(code, ["confirmed", "positive"]), 400, "invalid_test_type", "accept[1]")
    assert api.verify(code).status_code == 200
