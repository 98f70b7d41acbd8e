"""A requests Session whose transport is the Flask test client, so real HTTP clients (python-odata) talk
to the per-test app and its rolled-back database without a socket."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

BASE = "http://gateway.test"


class FlaskAdapter(BaseAdapter):
    def __init__(self, client: Any) -> None:
        super().__init__()
        self.client = client

    def send(self, request: requests.PreparedRequest, **_kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        reply = self.client.open(
            parts.path,
            method=request.method,
            query_string=parts.query,
            headers=dict(request.headers),
            data=request.body,
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        response = requests.Response()
        response.status_code = reply.status_code
        response.headers = CaseInsensitiveDict(reply.headers)
        response._content = reply.get_data()
        response.url = request.url or ""
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def http_session(client):  # type: ignore[no-untyped-def]
    session = requests.Session()
    session.mount(BASE, FlaskAdapter(client))
    yield session
    session.close()
