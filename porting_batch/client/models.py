"""Typed request and response models of the Porting V2 API.

Every response model accepts fields the API adds later (``extra="allow"``) and keeps them; only
the fields the client cannot work without are required, so a missing one fails with a clear
validation error naming it. Enumerations are plain strings: a new status value must not break a
run. PINs and account numbers are ``SecretStr``, so no repr or log line shows them; they are
revealed only when a request body is built.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializationInfo,
    field_serializer,
)

REVEAL_SECRETS = "reveal_secrets"


def _as_utc(value: datetime) -> datetime:
    # The API speaks UTC; a timestamp without an offset is read as UTC so that every datetime
    # the client hands out can be compared with any other.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


#: A datetime that is always timezone-aware (naive values from the API are taken as UTC).
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class ApiModel(BaseModel):
    """Base of response models: tolerant of new fields, strict on required ones."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RequestModel(BaseModel):
    """Base of request bodies: unknown fields pass through (the API grows faster than we do)."""

    model_config = ConfigDict(extra="allow")

    def to_body(self) -> dict[str, Any]:
        """The JSON body to send: only fields that were set (explicit None clears a field)."""
        return self.model_dump(mode="json", exclude_unset=True, context={REVEAL_SECRETS: True})


def _reveal(value: SecretStr | None, info: SerializationInfo) -> str | None:
    if value is None:
        return None
    context = info.context or {}
    return value.get_secret_value() if context.get(REVEAL_SECRETS) else "**********"


# --- portability ------------------------------------------------------------------------------


class PortabilityResult(ApiModel):
    """The answer of a portability check for one number."""

    phone_number: str
    portable: bool
    fast_portable: bool = False
    not_portable_reason: str | None = None
    carrier_name: str | None = None
    phone_number_type: str | None = None
    spid: str | None = None
    country_code: str | None = None
    messaging_capable: bool | None = None
    record_type: str | None = None


# --- porting orders ---------------------------------------------------------------------------


class StatusDetail(ApiModel):
    """One exception code on an order's status."""

    code: str | None = None
    description: str | None = None


class PortingOrderStatus(ApiModel):
    """An order's status value and, in ``exception``, the reasons."""

    value: str
    details: list[StatusDetail] = Field(default_factory=list)


class ActivationSettings(ApiModel):
    """FOC dates and FastPort eligibility of an order."""

    fast_port_eligible: bool | None = None
    foc_datetime_requested: UtcDatetime | None = None
    foc_datetime_actual: UtcDatetime | None = None
    activation_status: str | None = None


class PortingPhoneNumber(ApiModel):
    """One number inside an order, with its per-number statuses."""

    phone_number: str
    phone_number_type: str | None = None
    portability_status: str | None = None
    porting_order_id: str | None = None
    porting_order_status: str | None = None
    activation_status: str | None = None
    requirements_status: str | None = None
    support_key: str | None = None
    record_type: str | None = None


class EndUserAdmin(ApiModel):
    """The end user's account details at the losing carrier; PIN and account number are secret."""

    entity_name: str | None = None
    auth_person_name: str | None = None
    billing_phone_number: str | None = None
    account_number: SecretStr | None = None
    pin_passcode: SecretStr | None = None
    business_identifier: str | None = None
    tax_identifier: str | None = None

    @field_serializer("account_number", "pin_passcode")
    def _secret(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        return _reveal(value, info)


class EndUserLocation(ApiModel):
    """The service address."""

    street_address: str | None = None
    extended_address: str | None = None
    locality: str | None = None
    administrative_area: str | None = None
    postal_code: str | None = None
    country_code: str | None = None


class EndUser(ApiModel):
    """Who owns the numbers, and where."""

    admin: EndUserAdmin | None = None
    location: EndUserLocation | None = None


class OrderDocuments(ApiModel):
    """Document ids of an order's LOA and invoice."""

    loa: str | None = None
    invoice: str | None = None


class Misc(ApiModel):
    """Full or partial port, and what happens to the numbers left behind."""

    type: str | None = None
    remaining_numbers_action: str | None = None
    new_billing_phone_number: str | None = None


class PortingOrderRequirement(ApiModel):
    """One requirement on an order."""

    requirement_type_id: str | None = None
    field_type: str | None = None
    field_value: str | None = None


class PortingOrder(ApiModel):
    """A porting order as the API returns it."""

    id: str
    status: PortingOrderStatus
    record_type: str | None = None
    customer_reference: str | None = None
    customer_group_reference: str | None = None
    description: str | None = None
    old_service_provider_ocn: str | None = None
    support_key: str | None = None
    parent_support_key: str | None = None
    phone_number_type: str | None = None
    phone_numbers: list[PortingPhoneNumber] = Field(default_factory=list)
    porting_phone_numbers_count: int | None = None
    activation_settings: ActivationSettings | None = None
    documents: OrderDocuments | None = None
    end_user: EndUser | None = None
    misc: Misc | None = None
    requirements: list[PortingOrderRequirement] = Field(default_factory=list)
    requirements_met: bool | None = None
    messaging: dict[str, Any] | None = None
    phone_number_configuration: dict[str, Any] | None = None
    user_feedback: dict[str, Any] | None = None
    additional_steps: list[Any] | None = None
    webhook_url: str | None = None
    user_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class CreatePortingOrder(RequestModel):
    """Body of ``POST /porting_orders``."""

    phone_numbers: list[str] = Field(min_length=1)
    customer_reference: str | None = None
    customer_group_reference: str | None = None


class UpdateActivationSettings(RequestModel):
    """The one activation setting a PATCH may change."""

    foc_datetime_requested: UtcDatetime | None = None


class UpdateRequirement(RequestModel):
    """One requirement given in a PATCH."""

    requirement_type_id: str
    field_value: str


class UpdatePortingOrder(RequestModel):
    """Body of ``PATCH /porting_orders/{id}``: fields left out keep their values."""

    activation_settings: UpdateActivationSettings | None = None
    customer_reference: str | None = None
    customer_group_reference: str | None = None
    documents: OrderDocuments | None = None
    end_user: EndUser | None = None
    messaging: dict[str, Any] | None = None
    misc: Misc | None = None
    phone_number_configuration: dict[str, Any] | None = None
    requirement_group_id: str | None = None
    requirements: list[UpdateRequirement] | None = None
    user_feedback: dict[str, Any] | None = None
    webhook_url: str | None = None


class FocWindow(ApiModel):
    """One allowed range for the requested FOC date, in UTC."""

    started_at: UtcDatetime
    ended_at: UtcDatetime
    record_type: str | None = None


class RequirementDetail(ApiModel):
    """One requirement of an order, with its status."""

    field_type: str | None = None
    field_value: str | None = None
    requirement_status: str | None = None
    requirement_type: dict[str, Any] | None = None
    record_type: str | None = None


class Comment(ApiModel):
    """A comment on an order."""

    id: str
    body: str | None = None
    porting_order_id: str | None = None
    user_type: str | None = None
    created_at: datetime | None = None
    record_type: str | None = None


class PortingEvent(ApiModel):
    """One porting event from the Events API."""

    id: str
    event_type: str | None = None
    porting_order_id: str | None = None
    payload: Any = None
    payload_status: str | None = None
    available_notification_methods: list[str] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    record_type: str | None = None


class ActivationJob(ApiModel):
    """An activation job, as ``actions/activate`` returns it."""

    id: str
    status: str | None = None
    activation_type: str | None = None
    activate_at: datetime | None = None
    activation_windows: list[dict[str, Any]] | None = None
    record_type: str | None = None


# --- documents --------------------------------------------------------------------------------


class DocumentSize(ApiModel):
    """A document's size."""

    amount: int | None = None
    unit: str | None = None


class Document(ApiModel):
    """An uploaded document."""

    id: str
    filename: str | None = None
    customer_reference: str | None = None
    content_type: str | None = None
    sha256: str | None = None
    size: DocumentSize | None = None
    status: str | None = None
    av_scan_status: str | None = None
    record_type: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- customer service records -----------------------------------------------------------------


class CsrCoverage(ApiModel):
    """Whether a number's CSR can be fetched, and what the carrier wants to release it."""

    phone_number: str
    has_csr_coverage: bool
    reason: str | None = None
    additional_data_required: list[str] = Field(default_factory=list)
    record_type: str | None = None


class CsrAdditionalData(RequestModel):
    """Extra data a carrier may need to release a CSR; PIN and account number are secret."""

    account_number: SecretStr | None = None
    address_line_1: str | None = None
    authorized_person_name: str | None = None
    billing_phone_number: str | None = None
    city: str | None = None
    customer_code: str | None = None
    name: str | None = None
    pin: SecretStr | None = None
    state: str | None = None
    zip_code: str | None = None

    @field_serializer("account_number", "pin")
    def _secret(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        return _reveal(value, info)


class CsrAdmin(ApiModel):
    """The account holder on a CSR; the account number is secret."""

    name: str | None = None
    authorized_person_name: str | None = None
    account_number: SecretStr | None = None
    billing_phone_number: str | None = None

    @field_serializer("account_number")
    def _secret(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        return _reveal(value, info)


class CsrResult(ApiModel):
    """What the losing carrier has on file."""

    admin: CsrAdmin | None = None
    address: dict[str, Any] | None = None
    associated_phone_numbers: list[str] = Field(default_factory=list)
    carrier_name: str | None = None


class CustomerServiceRecord(ApiModel):
    """A CSR request and, once completed, its result."""

    id: str
    phone_number: str | None = None
    status: str
    error_message: str | None = None
    result: CsrResult | None = None
    webhook_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    record_type: str | None = None


class PageMeta(ApiModel):
    """Pagination metadata of a list response."""

    page_number: int = 1
    page_size: int | None = None
    total_pages: int | None = None
    total_results: int | None = None
