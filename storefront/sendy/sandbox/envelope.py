"""Sandbox layer: Sendy's JSON response envelope, for successes and failures."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify


class ApiFailure(Exception):
    """An error answer: the app turns it into a failure envelope."""

    def __init__(self, status: int, message: str, errors: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def ok(data: Any, status: int = 200, message: str = "OK") -> Response:
    """Build a success envelope."""
    response = jsonify({"success": True, "message": message, "data": data})
    response.status_code = status
    return response


def fail(status: int, message: str, errors: list[dict[str, str]] | None = None) -> Response:
    """Build a failure envelope: with field errors when given, else with the status as code."""
    body: dict[str, Any] = {"success": False, "message": message}
    if errors:
        body["errors"] = errors
    else:
        body["code"] = status
    response = jsonify(body)
    response.status_code = status
    return response
