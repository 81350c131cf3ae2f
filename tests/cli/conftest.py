"""Run the real ``civitrace`` entry point in-process and capture what a user would see."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from civitrace.cli import main


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


Invoke = Callable[..., Result]


@pytest.fixture
def civitrace(capsys: pytest.CaptureFixture[str]) -> Invoke:
    def invoke(*args: str) -> Result:
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return invoke
