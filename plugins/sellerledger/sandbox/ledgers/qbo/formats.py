"""QuickBooks Online wire formats: the `Fault` body and its error codes, `time` stamps, money rounding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
BUSINESS = "A business validation error has occurred while processing your request"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def qbo_time(moment: datetime) -> str:
    """`2026-11-20T09:18:45.297-07:00` style (here always UTC)."""
    return moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class QboError(Exception):
    """One `Fault.Error` entry."""

    code: str
    message: str
    detail: str
    element: str = ""
    fault_type: str = "ValidationFault"

    def as_json(self) -> dict[str, Any]:
        return {"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}


def fault(errors: list[QboError], now: datetime, fault_type: str | None = None) -> dict[str, Any]:
    return {"Fault": {"Error": [e.as_json() for e in errors], "type": fault_type or errors[0].fault_type},
            "time": qbo_time(now)}


def stale(entity: str, current: str) -> QboError:
    return QboError("5010", "Stale Object Error",
                    f"Stale Object Error : You and sandbox were working on this at the same time. sandbox "
                    f"finished before you did, so your work was not saved. ({entity} SyncToken is {current})")


def not_found(entity: str, entity_id: str) -> QboError:
    return QboError("610", "Object Not Found",
                    f"Object Not Found : Something you're trying to use has been made inactive. Check the fields "
                    f"with accounts, customers, items, vendors or employees. ({entity} {entity_id})")


def missing(param: str) -> QboError:
    return QboError("2020", "Required param missing, need to supply the required value for the API",
                    f"Required parameter {param} is missing in the request", param)


def invalid_reference(what: str, value: Any) -> QboError:
    return QboError("2500", "Invalid Reference Id", f"Invalid Reference Id : {what} {value!r} does not exist", what)


def business(detail: str, element: str = "") -> QboError:
    return QboError("6000", BUSINESS, f"Business Validation Error: {detail}", element)


def invalid(detail: str, element: str = "") -> QboError:
    return QboError("2010", "Request has invalid or unsupported property", f"Property Name:{detail}", element)


def length(field: str, supplied: int, maximum: int) -> QboError:
    return QboError("2050", "String length is either shorter or longer than supported by specification",
                    f"String length specified does not match the supported length. Min:0 Max:{maximum} supported. "
                    f"Supplied length:{supplied}", field)


def duplicate_doc_number(doc_number: str, txn_type: str, txn_id: str) -> QboError:
    return QboError("6140", "Duplicate Document Number Error",
                    f"Duplicate Document Number Error : You must specify a different number. This number has "
                    f"already been used. DocNumber={doc_number} is assigned to TxnType={txn_type} with TxnId={txn_id}")


def duplicate_name(name: str) -> QboError:
    return QboError("6240", "Duplicate Name Exists Error",
                    f"The name supplied already exists. : Another customer, vendor or employee is already using "
                    f"this name ({name}). Please use a different name.")
