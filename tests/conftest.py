"""Shared fixtures: real data folders in tmp_path, both YAML loaders."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from pledgetrack.yamlfile import yamltree

VALID = """\
id: {id}
title: Support cybersecurity human-resource development in ASEAN
actors:
  - Japan
recipients:
  - ASEAN
domains:
  - cyber
announced: 2025-10-26
sources:
  - url: https://example.org/summit
    publisher: Example News
"""


@pytest.fixture(autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own (empty) cache of parsed records, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("PLEDGETRACK_CACHE_DIR", str(folder))
    monkeypatch.delenv("PLEDGETRACK_NO_CACHE", raising=False)
    # Tests run the same in CI as elsewhere (no command uses the cache in CI).
    from pledgetrack.cache.folder import CI_VARIABLES

    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture(params=["libyaml", "pure"])
def yaml_loader(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test under libyaml's C loader and under the pure-Python loader."""
    if request.param == "libyaml" and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML was built without libyaml")
    yamltree.use_pure_loader(request.param == "pure")
    try:
        yield request.param
    finally:
        yamltree.use_pure_loader(False)


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """An empty data folder (with pledges/)."""
    (tmp_path / "pledges").mkdir()
    return tmp_path


WriteFn = Callable[..., Path]


@pytest.fixture
def write(data_root: Path) -> WriteFn:
    """write(id, text=None, raw=None): a pledge file; text is dedented, {id} filled in."""

    def _write(pledge_id: str, text: str | None = None, *, raw: bytes | None = None,
               name: str | None = None) -> Path:
        path = data_root / "pledges" / f"{name or pledge_id}.yaml"
        if raw is not None:
            path.write_bytes(raw)
        else:
            body = textwrap.dedent(text) if text is not None else VALID
            path.write_text(body.replace("{id}", pledge_id), encoding="utf-8")
        return path

    return _write
