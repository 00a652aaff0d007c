"""Small builders shared by the simulator tests."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# Prairie Bell Telephone (NPA-NXX 312-560 % 8 == 0): a FastPort carrier.
FAST_NUMBERS = ["+13125600101", "+13125600102"]
# Bluegrass Telco (312-555 % 8 == 3): not FastPort.
SLOW_NUMBERS = ["+13125550101", "+13125550102"]

END_USER = {
    "admin": {
        "entity_name": "Acme Widgets Inc.",
        "auth_person_name": "Jo Porter",
        "billing_phone_number": "+13125550101",
        "account_number": "ACC-1",
        "pin_passcode": "1234",
    },
    "location": {
        "street_address": "600 Congress Avenue",
        "locality": "Chicago",
        "administrative_area": "IL",
        "postal_code": "60601",
        "country_code": "US",
    },
}


def upload(api: TestClient, content: bytes = PDF, name: str = "loa.pdf") -> str:
    """Upload a document (multipart) and return its id."""
    response = api.post("/documents", files={"file": (name, content, "application/pdf")})
    assert response.status_code == 200, response.text
    document_id: str = response.json()["data"]["id"]
    return document_id


def create(api: TestClient, numbers: list[str], reference: str = "ref-1") -> list[dict[str, Any]]:
    """Create orders and return them."""
    response = api.post(
        "/porting_orders", json={"phone_numbers": numbers, "customer_reference": reference}
    )
    assert response.status_code == 201, response.text
    orders: list[dict[str, Any]] = response.json()["data"]
    return orders


def first_window(api: TestClient, order_id: str) -> str:
    """The start of the first allowed FOC window, plus an hour."""
    windows = api.get(f"/porting_orders/{order_id}/allowed_foc_windows").json()["data"]
    return str(windows[0]["started_at"]).replace("T13:00", "T14:00")


def complete(api: TestClient, order_id: str, end_user: dict[str, Any] | None = None) -> None:
    """PATCH everything confirm needs into an order."""
    body = {
        "end_user": end_user or END_USER,
        "documents": {"loa": upload(api), "invoice": upload(api, name="invoice.pdf")},
        "activation_settings": {"foc_datetime_requested": first_window(api, order_id)},
    }
    response = api.patch(f"/porting_orders/{order_id}", json=body)
    assert response.status_code == 200, response.text
