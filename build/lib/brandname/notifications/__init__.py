"""Notifications: mails derived from the acts' events (`outbox`), their wording (`messages`),
expiry reminders (`reminders`) and sending (`delivery`)."""

from brandname.notifications.delivery import MAX_ATTEMPTS, deliver
from brandname.notifications.outbox import write, write_for_events
from brandname.notifications.reminders import REMINDER_DAYS, send_reminders

__all__ = ["MAX_ATTEMPTS", "REMINDER_DAYS", "deliver", "send_reminders", "write", "write_for_events"]
