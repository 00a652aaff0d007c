"""What one logical request sends, built once and sent again on each retry.

The client builds its ``httpx.Request`` itself rather than through ``AsyncClient.request``: httpx
parses the URL three times there (the relative path, the merge with the base URL, the merge of
the parameters), which cost more per call than the rest of the client together. Here the URL is
one string parsed once, the query encoded as httpx encodes a params mapping (``urlencode``), and
the client's default headers and timeout are reused as they are. The request on the wire is the
same: same URL, same headers in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

Files = Callable[[ExitStack], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Request:
    """One logical request: where it goes, what it carries, and how it is counted."""

    method: str
    #: The route with its id filled in, as error messages and logs name it.
    path: str
    #: Method and route template: the key of the client's per-kind counters.
    kind: str
    url: httpx.URL
    headers: httpx.Headers
    json: Any
    files: Files | None
    data: Mapping[str, str] | None

    @classmethod
    def build(
        cls,
        url_prefix: str,
        default_headers: httpx.Headers,
        method: str,
        route: str,
        *,
        id: str | None = None,
        params: Mapping[str, str] | None = None,
        accept: str | None = None,
        json: Any = None,
        files: Files | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Request:
        """The request for ``route`` (``{id}`` filled in, quoted) under ``url_prefix``."""
        path = route.format(id=quote(id, safe="")) if id is not None else route
        url = url_prefix + path.lstrip("/")
        if params:
            url += "?" + urlencode(params)
        headers = default_headers
        if accept:
            # As httpx merges headers: the override goes last, in place of the default.
            headers = headers.copy()
            headers.update({"Accept": accept})
        return cls(method, path, f"{method} {route}", httpx.URL(url), headers, json, files, data)

    def to_httpx(self, stack: ExitStack, extensions: dict[str, Any]) -> httpx.Request:
        """A fresh ``httpx.Request`` for one attempt (files reopened on ``stack``)."""
        return httpx.Request(
            self.method,
            self.url,
            headers=self.headers,
            json=self.json,
            files=self.files(stack) if self.files else None,
            data=self.data,
            extensions=extensions,
        )
