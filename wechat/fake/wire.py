"""Requests and responses as the fake's handlers see them (no sockets here)."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .codes import ApiError

_NO_BODY = object()


@dataclass
class Request:
    method: str
    path: str
    query: dict
    body: bytes = b""
    _data: object = field(default=_NO_BODY, repr=False)

    @classmethod
    def build(cls, method: str, target: str, body: bytes = b"") -> "Request":
        path, _, query = target.partition("?")
        return cls(method, path, dict(parse_qsl(query, keep_blank_values=True)), body)

    def json(self) -> dict:
        """The JSON body; WeChat answers 44002 to an empty body and 47001 to one it cannot read."""
        if self._data is _NO_BODY:
            if not self.body.strip():
                raise ApiError(44002)
            try:
                self._data = json.loads(self.body)
            except ValueError:
                raise ApiError(47001) from None
        if not isinstance(self._data, dict):
            raise ApiError(47001)
        return self._data

    def json_or_empty(self) -> dict:
        return self.json() if self.body.strip() else {}


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict = field(default_factory=dict)

    @classmethod
    def json(cls, payload, status: int = 200) -> "Response":
        return cls(status, json.dumps(payload, ensure_ascii=False).encode())

    @classmethod
    def text(cls, text: str, status: int) -> "Response":
        return cls(status, text.encode(), "text/plain; charset=utf-8")

    @classmethod
    def redirect(cls, location: str) -> "Response":
        return cls(302, b"", "text/plain; charset=utf-8", {"Location": location})
