"""Notification channels (Telegram, Slack) behind the `Notifier` port, with pacing, retry and
emergency fallback as small wrappers around them."""
