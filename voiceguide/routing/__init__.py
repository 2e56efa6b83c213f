"""Text -> intent: the cue table, clause cleaning, templates and the router."""

from .router import Explanation, Hit, IntentMatch, Router, default_router
from .templates import expand

__all__ = ["Explanation", "Hit", "IntentMatch", "Router", "default_router", "expand"]
