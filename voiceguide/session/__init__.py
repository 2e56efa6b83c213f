"""The guided session (pure logic, time passed in): see :mod:`.core`.

Parts: :mod:`.core` (state and primitives), :mod:`.handlers` (one handler per intent, and
what follows each script), :mod:`.delivery` (night and discreet styles, placeholder
values), :mod:`.playback` (a script's steps, breathing counts and silences), :mod:`.pause`
(the timer that survives a restart), :mod:`.offers` (the pending question),
:mod:`.variety` (which variant), :mod:`.times` (return times), :mod:`.actions` (what the
runner is asked to do).
"""

from .actions import Action, Show, Silence, Speak
from .core import Session
from .offers import Offer, OfferKind
from .pause import Pause
from .playback import Style
from .times import clock_time, return_time, round_up

__all__ = ["Action", "Offer", "OfferKind", "Pause", "Session", "Show", "Silence", "Speak",
           "Style", "clock_time", "return_time", "round_up"]
