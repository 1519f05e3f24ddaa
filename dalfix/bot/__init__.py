"""The GitHub pull-request bot: review comments with suggestions, and fix pull requests."""
