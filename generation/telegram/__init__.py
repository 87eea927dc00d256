"""Telegram approvals: notifications with Approve/Reject buttons, webhook and polling updates."""
