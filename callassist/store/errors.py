"""Store errors the interface may catch without importing a database library."""


class StoreError(Exception):
    """Storing failed (database unreachable, disk full, locked too long); the text says why."""


class AccessDenied(StoreError):
    """The role in use may not read these records; the text says which and why."""
