"""The pygame front end (a later issue builds it on ``sim``'s public API; nothing here yet)."""
