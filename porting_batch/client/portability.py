"""Portability checks: every number checked, in concurrent chunks, each verdict matched to its
number."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from porting_batch.client.base import BaseClient
from porting_batch.client.models import PortabilityResult
from porting_batch.errors import ServerError


class PortabilityMixin(BaseClient):
    """The portability calls of ``PortingClient``."""

    async def check_portability(self, numbers: Sequence[str]) -> list[PortabilityResult]:
        """Check every number, in chunks sent concurrently; results come back in input order."""
        numbers = list(numbers)
        size = self.check_chunk_size
        chunks = [numbers[i : i + size] for i in range(0, len(numbers), size)]
        # Every chunk runs to its end, so a failure never leaves siblings running unobserved.
        answers = await asyncio.gather(
            *(self._check_chunk(chunk) for chunk in chunks), return_exceptions=True
        )
        results: list[PortabilityResult] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            results.extend(answer)
        return results

    async def _check_chunk(self, chunk: list[str]) -> list[PortabilityResult]:
        results = await self._list(
            "POST",
            "/portability_checks",
            PortabilityResult,
            json={"phone_numbers": chunk},
            idempotent=True,
        )
        # Match by number, not by position: a verdict must never land on the wrong number.
        by_number = {_digits(result.phone_number): result for result in results}
        missing = [n for n in chunk if _digits(n) not in by_number]
        if missing:
            raise ServerError(
                f"POST /portability_checks answered for {len(results)} of {len(chunk)} numbers; "
                f"missing {', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}",
                method="POST",
                path="/portability_checks",
                status_code=201,
            )
        return [by_number[_digits(number)] for number in chunk]


def _digits(phone_number: str) -> str:
    """A number reduced to its digits, so '+1 312-555-0100' and '+13125550100' match."""
    return "".join(ch for ch in phone_number if ch.isdigit())
