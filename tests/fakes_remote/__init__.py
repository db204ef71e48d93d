"""Local servers that speak other vendors' wire formats (Telegram Bot API, Slack Web API)."""
