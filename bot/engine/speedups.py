"""Engine hot-path fixes for Rasa 3.6.21 (pinned), applied when the engine loads our channel.

Profiling the engine under load (py-spy, ``bench/README.md``) showed two costs that do not
depend on the conversation at all:

* every action-server reply is validated with ``jsonschema.validate``, which re-checks the
  large events *schema itself* on each call (about 60% of the engine's time). The validator
  is now built once and reused; it validates exactly as before (same errors, same message).
* every event read from the tracker store looks up its class by walking all ``Event``
  subclasses with ``inspect.isabstract`` (about 10%). The lookup is now cached by type name,
  rebuilt whenever a name is not found, so later-imported event classes still resolve.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Patch ``RemoteAction._validate_action_result`` to use a cached validator (idempotent)."""
    global _installed
    if _installed:
        return
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions import action as rasa_action
    from rasa.shared.constants import DOCS_BASE_URL

    schema = rasa_action.RemoteAction.action_response_format_spec()
    validator_cls = validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema)

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about "
                f"the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    _cache_event_types()
    _installed = True


def _cache_event_types() -> None:
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    original = events.Event.resolve_by_type
    by_name: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = by_name.get(type_name)
        if cls is None:
            for sub in all_subclasses(events.Event):
                by_name.setdefault(sub.type_name, sub)
            cls = by_name.get(type_name)
        if cls is not None:
            return cls
        return original(type_name, default)  # same fallbacks and errors as Rasa

    events.Event.resolve_by_type = staticmethod(resolve_by_type)
