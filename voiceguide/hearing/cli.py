"""Hearing commands (hear, devices, doctor, model) for the main parser."""

from __future__ import annotations


def add_commands(sub) -> None:
    pass
