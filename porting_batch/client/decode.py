"""From a successful response to typed models.

The common case costs one pass: the raw bytes are validated straight into an envelope model
(``{"data": ..., "meta": ...}``) by pydantic-core, without building Python dicts first. When that
fails, the body is read the slow way (``json.loads``, then item by item), which gives the exact
error an operator reads: not JSON at all (retried like a 5xx, inside the call's retry loop), no
data list, or which field of which model the client cannot use (not retried).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Generic, Literal, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from porting_batch.client.failures import Redactor, decode_error
from porting_batch.client.models import PageMeta
from porting_batch.errors import ServerError

ModelT = TypeVar("ModelT", bound=BaseModel)
Expect = Literal["json", "bytes", "none"]


class One(BaseModel, Generic[ModelT]):
    """The envelope of an answer carrying one item."""

    data: ModelT


class Many(BaseModel, Generic[ModelT]):
    """The envelope of an answer carrying a list (and, when paginated, its page)."""

    data: list[ModelT]
    meta: PageMeta | None = None


@cache
def one_of(model: type[ModelT]) -> type[One[ModelT]]:
    """The envelope of one ``model``, built once per model."""
    return One[model]  # type: ignore[valid-type]


@cache
def many_of(model: type[ModelT]) -> type[Many[ModelT]]:
    """The envelope of a list of ``model``, built once per model."""
    return Many[model]  # type: ignore[valid-type]


def decode(
    response: httpx.Response,
    expect: Expect,
    method: str,
    path: str,
    envelope: type[BaseModel] | None,
    redaction: Callable[[], Redactor],
) -> Any:
    """The body of a 2xx: validated ``envelope``, else plain JSON, bytes or None.

    Raises ``ServerError`` when JSON was expected and the body is not JSON; ``redaction`` gives
    the redactor for its message (only then: building one walks the request body).
    """
    if expect == "none":
        return None
    if expect == "bytes":
        return response.content
    if envelope is not None:
        try:
            return envelope.model_validate_json(response.content)
        except ValidationError:
            pass  # read below the slow way, for the precise error
    try:
        return response.json()
    except ValueError:
        content_type = response.headers.get("content-type", "no content type")
        raise decode_error(
            response, method=method, path=path, redact=redaction(), why=f"not JSON: {content_type}"
        ) from None


def parse_one(data: Any, model: type[ModelT], method: str, route: str) -> ModelT:
    """The one ``model`` under ``data``; ``ServerError`` naming the fields if unusable."""
    if isinstance(data, one_of(model)):
        return data.data
    payload = data.get("data") if isinstance(data, dict) else None
    return validate(model, payload, method, route)


def parse_list(data: Any, model: type[ModelT], method: str, route: str) -> list[ModelT]:
    """The list of ``model`` under ``data``; ``ServerError`` if absent or unusable."""
    if isinstance(data, many_of(model)):
        return data.data
    payload = data.get("data") if isinstance(data, dict) else None
    if not isinstance(payload, list):
        raise ServerError(
            f"{method} {route} answered without a data list (got {type(payload).__name__})",
            method=method,
            path=route,
            status_code=200,
        )
    return [validate(model, item, method, route) for item in payload]


def parse_meta(data: Any) -> PageMeta | None:
    """The page an answer is, or None if it does not say (or says it unreadably)."""
    if isinstance(data, Many):
        return data.meta
    meta = data.get("meta") if isinstance(data, dict) else None
    if not isinstance(meta, dict):
        return None
    try:
        return PageMeta.model_validate(meta)
    except ValidationError:
        return None


def validate(model: type[ModelT], payload: Any, method: str, route: str) -> ModelT:
    """``payload`` as a ``model``, or a ``ServerError`` naming every field that is wrong."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        raise ServerError(
            f"{method} {route} answered a {model.__name__} the client cannot use: {problems}",
            method=method,
            path=route,
            status_code=200,
        ) from None
