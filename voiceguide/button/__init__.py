"""A button as a cue without words: a press is a cue like a spoken one.

source (:mod:`.evdev_source`, :mod:`.gpio_source`, the keyboard in `listen --text`)
-> edges -> :mod:`.presses` (short, double, long) -> :mod:`.cues` (an IntentMatch)
-> the runner, at once. Nothing here is imported unless a button is configured
(``button.device`` or ``button.pin``) or Enter is pressed on an empty line in
`listen --text`.
"""
