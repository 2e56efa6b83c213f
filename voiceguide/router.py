"""The intent router's public face: ``from voiceguide.router import default_router``.

The router itself lives in :mod:`voiceguide.routing` (cue table, cleaning, templates).
"""

from __future__ import annotations

from .routing import Explanation, Hit, IntentMatch, Router, default_router, expand
from .routing.grammar import SPOKEN_MINUTES
from .routing.router import SLOT_RANGES

__all__ = ["Explanation", "Hit", "IntentMatch", "Router", "default_router", "expand",
           "SLOT_RANGES", "SPOKEN_MINUTES"]
