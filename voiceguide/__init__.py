"""voiceguide: an offline voice companion for couples caught in the pursuer/distancer cycle."""

import os

__version__ = "0.1.0"

# Nothing leaves the device. onnxruntime (under Piper and the Whisper VAD) keeps a device id
# and event log for telemetry unless this is set before it is first imported.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
