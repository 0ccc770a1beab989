"""MYOB's error format: `{"Errors":[{Name, Message, AdditionalDetails, ErrorCode, Severity, LearnMore}],
"Information": ...}`, and the codes the stand-in produces (notes §3.6)."""

from __future__ import annotations

from starlette.responses import Response

from sellerledger.sandbox.ledgers.common import JsonResponse

SERIALIZATION_ERROR = 50
REQUIRED = 100
INCORRECT_ROW_VERSION = 111
NOT_FOUND = 150
TRANSACTIONS_CANNOT_BE_DELETED = 25003
DATE_BEFORE_FINANCIAL_YEAR = 25008
# ⚠ codes below are not in the notes' table; MYOB's wording is kept, the numbers are the sandbox's own
OUT_OF_BALANCE = 4001
INVALID_VALUE = 4002
OAUTH_TOKEN_INVALID = 31001
RATE_LIMIT = 31002
ACCESS_DENIED = 31003


class MyobError(Exception):
    """Raised by handlers; answered as MYOB answers it."""

    def __init__(self, status: int, name: str, message: str, details: str | None = None,
                 code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
        self.details = details
        self.code = code

    def response(self) -> Response:
        return error_response(self.status, self.name, self.message, self.details, self.code)


def error_response(status: int, name: str, message: str, details: str | None = None,
                   code: int | None = None) -> Response:
    body = {
        "Errors": [{"Name": name, "Message": message, "AdditionalDetails": details, "ErrorCode": code,
                    "Severity": "Error", "LearnMore": None}],
        "Information": None,
    }
    return JsonResponse(body, status_code=status)


def required(field: str) -> MyobError:
    return MyobError(400, "Required", f"{field} is required", field, REQUIRED)


def not_found_reference(field: str, uid: object) -> MyobError:
    return MyobError(400, "NotFound", f"The {field} referenced ({uid}) was not found", field, NOT_FOUND)


def invalid(field: str, message: str) -> MyobError:
    return MyobError(400, "InvalidValue", message, field, INVALID_VALUE)
