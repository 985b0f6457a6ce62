"""What JSON hands back (json.loads, a stored event's payload), narrowed for the type checker.

A JSON object is a dict whose keys are strings; its values, like a payload's
(Event.payload), are whatever the JSON held, to be checked where they are read.
"""

from __future__ import annotations

from typing import Any, TypeGuard


def is_json_object(value: object) -> TypeGuard[dict[str, Any]]:
    """Whether a value read from JSON is an object (a dict)."""
    return isinstance(value, dict)


def is_json_array(value: object) -> TypeGuard[list[Any]]:
    """Whether a value read from JSON is an array (a list)."""
    return isinstance(value, list)
