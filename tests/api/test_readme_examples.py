"""Every curl line of the README's examples block works against the demo database."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import pytest

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _curl_lines() -> list[str]:
    block = re.search(r"<!-- examples:start -->(.*?)<!-- examples:end -->", README, re.S)
    assert block
    joined = block.group(1).replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if line.strip().startswith("curl ")]


def _parse(line: str) -> tuple[str, str, dict[str, str], object]:
    words = shlex.split(line.replace("$TOKEN", "TOKEN").replace("\\$", "$"))
    method, headers, data, url = "GET", {}, None, ""
    it = iter(words[1:])
    for word in it:
        if word == "-X":
            method = next(it)
        elif word == "-H":
            name, _, value = next(it).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            data = json.loads(next(it))
        elif not word.startswith("-"):
            url = word
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")  # sent as encoded, like curl
    return method, path, headers, data


@pytest.mark.sqlite
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_readme_curl_examples_work(client) -> None:  # type: ignore[no-untyped-def]
    lines = _curl_lines()
    assert len(lines) >= 5
    token = None
    for line in lines:
        method, path, headers, data = _parse(line)
        if token is not None and headers.get("Authorization") == "Bearer TOKEN":
            headers["Authorization"] = f"Bearer {token}"
        reply = client.open(path, method=method, headers=headers, json=data)
        assert reply.status_code == 200, (line, reply.get_json())
        if path == "/api/v1/auth":
            token = reply.get_json()["token"]
    assert token
