"""Staff accounts, login, API tokens and jurisdiction."""
