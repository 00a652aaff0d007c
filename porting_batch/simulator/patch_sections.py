"""PATCH /porting_orders/{id}: one small validator per section of the body, in a table.

Each validator reads its section, appends one error per invalid field to ``patch.errors`` and
writes the valid values into ``patch.updated`` (a working copy, applied only if no section found
an error). ``SECTIONS`` fixes the order in which the errors are reported, whatever the body's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

from porting_batch.simulator.calendar import in_windows
from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.numbers import is_e164
from porting_batch.simulator.orders import (
    ADMIN_KEYS,
    CONFIG_KEYS,
    DOCUMENT_KINDS,
    KEEP_NEEDS_NUMBER,
    LOCATION_KEYS,
    allowed_windows,
    blank_misc,
)
from porting_batch.simulator.problems import bad_field, error
from porting_batch.simulator.requirements import document_problem, patch_requirements
from porting_batch.simulator.state import SimState

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_URL = re.compile(r"^https?://[^\s/]+")
ACTIVATION_TYPES = ("scheduled", "on-demand")
#: Realistic profile: messaging can be switched on only while the order is in one of these.
MESSAGING_STATUSES = frozenset({"draft", "in-process", "exception"})


@dataclass
class Patch:
    """One PATCH in progress: the request, the working copy, and the errors found so far."""

    state: SimState
    order: dict[str, Any]
    body: dict[str, Any]
    updated: dict[str, Any]
    errors: list[dict[str, Any]]

    def fail(self, item: dict[str, Any]) -> None:
        """Record one invalid field."""
        self.errors.append(item)


Validator = Callable[[Patch, Any], None]


def check_string(
    errors: list[dict[str, Any]], pointer: str, value: Any, *, nullable: bool = True
) -> bool:
    """Whether ``value`` is a string (or null); an error in ``errors`` when it is not."""
    if value is None and nullable:
        return True
    if not isinstance(value, str):
        errors.append(bad_field(pointer))
        return False
    return True


def check_object(
    errors: list[dict[str, Any]],
    pointer: str,
    value: Any,
    allowed: tuple[str, ...] | frozenset[str],
) -> bool:
    """Whether ``value`` is an object; an error in ``errors`` for it or for each unknown key."""
    if not isinstance(value, dict):
        errors.append(bad_field(pointer, f"The '{pointer.rsplit('/', 1)[-1]}' must be an object."))
        return False
    for key in value:
        if key not in allowed:
            errors.append(
                error(
                    "10015",
                    f"'{key}' is not a field the API accepts here.",
                    pointer=f"{pointer}/{key}",
                )
            )
    return True


@lru_cache(maxsize=65536)
def _valid_phone(value: str) -> bool:
    if not is_e164(value):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        return False


# ---- top-level strings ---------------------------------------------------------------------
def _string_field(key: str) -> Validator:
    def check(patch: Patch, value: Any) -> None:
        if check_string(patch.errors, f"/{key}", value):
            patch.updated[key] = value

    return check


def _webhook_url(patch: Patch, value: Any) -> None:
    if not check_string(patch.errors, "/webhook_url", value):
        return
    if value is not None and not _URL.match(value):
        patch.fail(bad_field("/webhook_url"))
        return
    patch.updated["webhook_url"] = value


# ---- activation_settings -------------------------------------------------------------------
def _activation_settings(patch: Patch, settings: Any) -> None:
    # The spec has no activation_type; the docs opt in to on-demand with it (realistic only).
    allowed: tuple[str, ...] = ("foc_datetime_requested", "activation_type")
    if not patch.state.realistic:
        allowed = allowed[:1]
    if not check_object(patch.errors, "/activation_settings", settings, allowed):
        return
    if "foc_datetime_requested" in settings:
        _foc_datetime_requested(patch, settings["foc_datetime_requested"])
    if "activation_type" in settings:
        _activation_type(patch, settings["activation_type"])


def _activation_type(patch: Patch, value: Any) -> None:
    pointer = "/activation_settings/activation_type"
    if value not in ACTIVATION_TYPES:
        patch.fail(
            bad_field(pointer, f"activation_type must be one of {', '.join(ACTIVATION_TYPES)}.")
        )
    elif value == "on-demand" and not patch.order["activation_settings"]["fast_port_eligible"]:
        patch.fail(
            error(
                "10015",
                "On-demand activation is only available for orders with fast_port_eligible true.",
                pointer=pointer,
            )
        )
    else:
        patch.updated["activation_settings"]["activation_type"] = value


def _foc_datetime_requested(patch: Patch, value: Any) -> None:
    pointer = "/activation_settings/foc_datetime_requested"
    settings = patch.updated["activation_settings"]
    if value is None:
        settings["foc_datetime_requested"] = None
        return
    try:
        moment = parse_iso(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        patch.fail(bad_field(pointer))
        return
    if not in_windows(moment, allowed_windows(patch.state, patch.order)):
        patch.fail(
            error(
                "80018",
                f"The requested FOC date {value} is outside the allowed FOC windows; "
                f"see GET /porting_orders/{patch.order['id']}/allowed_foc_windows.",
                pointer=pointer,
            )
        )
        return
    settings["foc_datetime_requested"] = iso(moment)


# ---- documents -----------------------------------------------------------------------------
def _documents(patch: Patch, documents: Any) -> None:
    if not check_object(patch.errors, "/documents", documents, DOCUMENT_KINDS):
        return
    for kind in DOCUMENT_KINDS:
        if kind not in documents:
            continue
        value = documents[kind]
        problem = None if value is None else document_problem(patch.state, value)
        if problem:
            patch.fail(error("10015", problem, pointer=f"/documents/{kind}"))
        else:
            patch.updated["documents"][kind] = value


# ---- end_user ------------------------------------------------------------------------------
#: Beyond being a string (or null): what a few end-user fields must also be.
_END_USER_RULES: dict[str, Callable[[str], bool]] = {
    "billing_phone_number": _valid_phone,
    "country_code": lambda value: bool(_COUNTRY.match(value)),
}


def _end_user(patch: Patch, end_user: Any) -> None:
    if not check_object(patch.errors, "/end_user", end_user, ("admin", "location")):
        return
    if "admin" in end_user:
        _end_user_part(patch, "admin", ADMIN_KEYS, end_user["admin"])
    if "location" in end_user:
        _end_user_part(patch, "location", LOCATION_KEYS, end_user["location"])


def _end_user_part(patch: Patch, part: str, keys: tuple[str, ...], section: Any) -> None:
    """``end_user.admin`` or ``end_user.location``: strings, a few with a rule of their own."""
    base = f"/end_user/{part}"
    if not check_object(patch.errors, base, section, keys):
        return
    for key in keys:
        if key not in section:
            continue
        pointer, value = f"{base}/{key}", section[key]
        if not check_string(patch.errors, pointer, value):
            continue
        rule = _END_USER_RULES.get(key)
        if value is not None and rule is not None and not rule(value):
            patch.fail(bad_field(pointer))
            continue
        patch.updated["end_user"][part][key] = value


# ---- misc ----------------------------------------------------------------------------------
_MISC_RULES: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("type", lambda value: value in ("full", "partial")),
    ("remaining_numbers_action", lambda value: value in ("keep", "disconnect", None)),
    (
        "new_billing_phone_number",
        lambda value: value is None or (isinstance(value, str) and _valid_phone(value)),
    ),
)


def _misc(patch: Patch, misc: Any) -> None:
    if misc is None:
        patch.updated["misc"] = None
        return
    if not check_object(patch.errors, "/misc", misc, tuple(key for key, _ in _MISC_RULES)):
        return
    current = patch.updated["misc"] or blank_misc()
    for key, valid in _MISC_RULES:
        if key not in misc:
            continue
        if valid(misc[key]):
            current[key] = misc[key]
        else:
            patch.fail(bad_field(f"/misc/{key}"))
    patch.updated["misc"] = current
    pointer = "/misc/new_billing_phone_number"
    reported = any(item["source"].get("pointer") == pointer for item in patch.errors)
    if (
        current["remaining_numbers_action"] == "keep"
        and not current["new_billing_phone_number"]
        and not reported
    ):
        patch.fail(error("10015", KEEP_NEEDS_NUMBER, pointer=pointer))


# ---- messaging -----------------------------------------------------------------------------
def _messaging(patch: Patch, messaging: Any) -> None:
    pointer = "/messaging/enable_messaging"
    if not check_object(patch.errors, "/messaging", messaging, ("enable_messaging",)):
        return
    if "enable_messaging" not in messaging:
        return
    value = messaging["enable_messaging"]
    current = patch.updated["messaging"]
    if not isinstance(value, bool):
        patch.fail(bad_field(pointer))
    elif value and not current["messaging_capable"]:
        patch.fail(
            error(
                "10015",
                "Messaging cannot be enabled: these numbers are not messaging capable.",
                pointer=pointer,
            )
        )
    elif (
        value
        and patch.state.realistic
        and not current["enable_messaging"]
        and patch.order["status"]["value"] not in MESSAGING_STATUSES
    ):
        patch.fail(
            error(
                "10015",
                "Messaging can only be enabled while the order is draft, in-process or "
                f"exception; it is '{patch.order['status']['value']}'.",
                pointer=pointer,
            )
        )
    else:
        current["enable_messaging"] = value
        current["messaging_port_status"] = "pending" if value else "not_applicable"


def messaging_profile_check(patch: Patch) -> None:
    """Realistic profile: enabled messaging needs a messaging profile (run after every section)."""
    if not patch.state.realistic or not patch.updated["messaging"]["enable_messaging"]:
        return
    touched = "messaging" in patch.body or "phone_number_configuration" in patch.body
    if touched and not patch.updated["phone_number_configuration"]["messaging_profile_id"]:
        patch.fail(
            error(
                "10004",
                "Messaging needs a 'messaging_profile_id' in 'phone_number_configuration'.",
                pointer="/phone_number_configuration/messaging_profile_id",
            )
        )


# ---- phone_number_configuration ------------------------------------------------------------
def _phone_number_configuration(patch: Patch, config: Any) -> None:
    base = "/phone_number_configuration"
    if not check_object(patch.errors, base, config, (*CONFIG_KEYS, "tags")):
        return
    current = patch.updated["phone_number_configuration"]
    for key in CONFIG_KEYS:
        if key in config and check_string(patch.errors, f"{base}/{key}", config[key]):
            current[key] = config[key]
    if "tags" in config:
        tags = config["tags"]
        if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
            current["tags"] = tags
        else:
            patch.fail(bad_field(f"{base}/tags"))


# ---- requirement_group_id (requirements: see requirements.py) ------------------------------
def _requirement_group_id(patch: Patch, value: Any) -> None:
    pointer = "/requirement_group_id"
    if "documents" in patch.body or "requirements" in patch.body:
        patch.fail(
            error(
                "10015",
                "'requirement_group_id' cannot be combined with 'documents' or "
                "'requirements' in the same request.",
                pointer=pointer,
            )
        )
    elif not isinstance(value, str) or not _UUID.match(value):
        patch.fail(bad_field(pointer))
    else:
        # The simulator keeps no requirement groups: a well-formed id is always unknown.
        patch.fail(error("10005", f"Requirement group {value} was not found.", pointer=pointer))


# ---- user_feedback -------------------------------------------------------------------------
def _user_feedback(patch: Patch, feedback: Any) -> None:
    base = "/user_feedback"
    if not check_object(patch.errors, base, feedback, ("user_rating", "user_comment")):
        return
    current = patch.updated["user_feedback"]
    if "user_rating" in feedback:
        rating = feedback["user_rating"]
        if rating is None or (
            isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5
        ):
            current["user_rating"] = rating
        else:
            patch.fail(bad_field(f"{base}/user_rating"))
    if "user_comment" in feedback and check_string(
        patch.errors, f"{base}/user_comment", feedback["user_comment"]
    ):
        current["user_comment"] = feedback["user_comment"]


#: Every section a PATCH body may hold, in the order its errors are reported.
SECTIONS: tuple[tuple[str, Validator], ...] = (
    ("customer_reference", _string_field("customer_reference")),
    ("customer_group_reference", _string_field("customer_group_reference")),
    ("webhook_url", _webhook_url),
    ("activation_settings", _activation_settings),
    ("documents", _documents),
    ("end_user", _end_user),
    ("misc", _misc),
    ("messaging", _messaging),
    ("phone_number_configuration", _phone_number_configuration),
    ("requirement_group_id", _requirement_group_id),
    ("requirements", patch_requirements),
    ("user_feedback", _user_feedback),
)
PATCH_KEYS = frozenset(key for key, _ in SECTIONS)
