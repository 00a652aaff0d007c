"""Customer service records: coverage by number, and CSR requests and their results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from porting_batch.client.base import BaseClient
from porting_batch.client.models import CsrAdditionalData, CsrCoverage, CustomerServiceRecord


class CsrMixin(BaseClient):
    """The customer-service-record calls of ``PortingClient``."""

    async def csr_coverage(self, phone_numbers: Sequence[str]) -> list[CsrCoverage]:
        """Which numbers have CSR coverage, and what the carrier needs to release it."""
        return await self._list(
            "POST",
            "/customer_service_records/phone_number_coverages",
            CsrCoverage,
            json={"phone_numbers": list(phone_numbers)},
            idempotent=True,
        )

    async def create_csr(
        self,
        phone_number: str,
        *,
        additional_data: CsrAdditionalData | Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
    ) -> CustomerServiceRecord:
        """Ask for one number's CSR (it completes later: poll with ``get_csr``)."""
        body: dict[str, Any] = {"phone_number": phone_number}
        if additional_data is not None:
            extra = (
                additional_data
                if isinstance(additional_data, CsrAdditionalData)
                else CsrAdditionalData.model_validate(additional_data)
            )
            body["additional_data"] = extra.to_body()
        if webhook_url:
            body["webhook_url"] = webhook_url
        return await self._one(
            "POST", "/customer_service_records", CustomerServiceRecord, json=body
        )

    async def get_csr(self, csr_id: str) -> CustomerServiceRecord:
        """One CSR request and, once completed, its result."""
        return await self._one(
            "GET", "/customer_service_records/{id}", CustomerServiceRecord, id=csr_id
        )
