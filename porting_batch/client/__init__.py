"""Async client of the Telnyx Porting V2 (port-in) API.

Errors it raises are the ``ApiError`` subtree of ``porting_batch.errors``::

    ApiError
    ├── NoResponseError              no HTTP response was received
    │   ├── RequestNotSentError          connection failed: provably not sent (safe to retry)
    │   └── ResponseLostError            timeout or dropped after sending: may have landed
    └── ApiStatusError               the API answered an error status (method, path, status,
        │                            request id and every errors[] item are kept)
        ├── BadRequestError              400
        ├── AuthenticationError          401
        ├── PermissionDeniedError        403
        ├── NotFoundError                404
        ├── ConflictError                409
        ├── UnprocessableEntityError     422
        ├── RateLimitError               429
        └── ServerError                  5xx, other statuses, and bodies that are not the API's
                                         JSON (a proxy's HTML page, malformed JSON)

No ``httpx`` exception leaves this package.
"""

from porting_batch.client.base import MAX_PAGE_SIZE
from porting_batch.client.client import PortingClient
from porting_batch.client.config import DEFAULT_LIMITS, DEFAULT_TIMEOUTS, Limits, Timeouts
from porting_batch.client.documents import detect_content_type
from porting_batch.client.models import (
    ActivationJob,
    ActivationSettings,
    Comment,
    CreatePortingOrder,
    CsrAdditionalData,
    CsrCoverage,
    CsrResult,
    CustomerServiceRecord,
    Document,
    EndUser,
    EndUserAdmin,
    EndUserLocation,
    FocWindow,
    Misc,
    OrderDocuments,
    PortabilityResult,
    PortingEvent,
    PortingOrder,
    PortingOrderStatus,
    PortingPhoneNumber,
    RequirementDetail,
    StatusDetail,
    UpdateActivationSettings,
    UpdatePortingOrder,
    UpdateRequirement,
)
from porting_batch.client.pacing import Pacer
from porting_batch.client.query import encode_query
from porting_batch.client.stats import ClientStats

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUTS",
    "MAX_PAGE_SIZE",
    "ActivationJob",
    "ActivationSettings",
    "ClientStats",
    "Comment",
    "CreatePortingOrder",
    "CsrAdditionalData",
    "CsrCoverage",
    "CsrResult",
    "CustomerServiceRecord",
    "Document",
    "EndUser",
    "EndUserAdmin",
    "EndUserLocation",
    "FocWindow",
    "Limits",
    "Misc",
    "OrderDocuments",
    "Pacer",
    "PortabilityResult",
    "PortingClient",
    "PortingEvent",
    "PortingOrder",
    "PortingOrderStatus",
    "PortingPhoneNumber",
    "RequirementDetail",
    "StatusDetail",
    "Timeouts",
    "UpdateActivationSettings",
    "UpdatePortingOrder",
    "UpdateRequirement",
    "detect_content_type",
    "encode_query",
]
