"""Notifications: outbox, message building, the WeChat seam, dispatcher and emulator."""
