"""callassist: a terminal assistant for phone collection of overdue debts."""

__version__ = "0.1.0"
