"""One PortAudio per process, and a safe way to start it again.

PortAudio lists devices once, when it is initialized. A USB microphone plugged back in
under a new card number, or a sound server that enumerates its devices for PortAudio,
is only seen after ``Pa_Terminate()`` and ``Pa_Initialize()``. But ``Pa_Terminate`` also
closes and frees every stream still open in the process, and a stream object that is
used after that points at freed memory (which a new stream may already occupy). So every
stream voiceguide opens is tracked here, and :func:`reinitialize` closes each one through
sounddevice first: its owner then gets a clean ``PortAudioError`` and opens a new one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import weakref
from typing import Callable

log = logging.getLogger(__name__)

_lock = threading.RLock()
_streams: "weakref.WeakSet" = weakref.WeakSet()
_hooks: list[Callable[[], None]] = []


def sounddevice():
    """The sounddevice module (raises OSError when the PortAudio library is missing)."""
    import sounddevice as sd

    _quiet_alsa()
    return sd


_alsa_handler = None


def _quiet_alsa() -> None:
    """alsa-lib writes every failed connection try to stderr ("ALSA lib pulse.c:242:
    ... Unable to connect"); while a sound server restarts that is a line per try. Send
    them to the debug log instead: the user gets voiceguide's one line."""
    global _alsa_handler
    if _alsa_handler is not None:
        return
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
    except OSError:
        _alsa_handler = False  # not ALSA (macOS, Windows): nothing to quiet
        return
    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                    ctypes.c_int, ctypes.c_char_p)

    def handler(file, line, function, err, fmt):  # the format's arguments are not read
        log.debug("ALSA %s:%d %s: %s", (file or b"").decode(errors="replace"), line,
                  (function or b"").decode(errors="replace"),
                  (fmt or b"").decode(errors="replace"))

    _alsa_handler = handler_type(handler)
    lib.snd_lib_error_set_handler(_alsa_handler)


def track(stream):
    """Register an open sounddevice stream so re-initialization closes it first."""
    with _lock:
        _streams.add(stream)
    return stream


def on_reinitialize(hook: Callable[[], None]) -> None:
    """Call ``hook`` just before PortAudio is terminated: an owner that cannot register
    its stream with :func:`track` closes it there."""
    with _lock:
        _hooks.append(hook)


def reinitialize() -> None:
    """Close every tracked stream, then terminate and initialize PortAudio again."""
    sd = sounddevice()
    with _lock:
        for hook in list(_hooks):
            try:
                hook()
            except Exception as exc:  # a hook must not keep the microphone from coming back
                log.debug("before re-initializing PortAudio: %s", exc)
        for stream in list(_streams):
            try:
                stream.abort(ignore_errors=True)
                stream.close(ignore_errors=True)
            except Exception as exc:  # a stream already broken: nothing to keep
                log.debug("closing a stream before re-initializing: %s", exc)
        _streams.clear()
        while sd._initialized > 0:  # sounddevice counts; PortAudio ends at zero
            sd._terminate()
        sd._initialize()
    log.debug("PortAudio re-initialized")
