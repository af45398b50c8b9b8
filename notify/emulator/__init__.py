"""A WeChat API emulator of ours: real HTTP, real error codes, quotas, faults and a request log."""

from notify.emulator.server import EmulatorServer

__all__ = ["EmulatorServer"]
