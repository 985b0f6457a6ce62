"""What the screens and the command line ask of callassist, as small services over one
unit of work (unit.py): calls, content, ledger, reports and audit, held together for one
login by the workspace (workspace.py). They return core dataclasses, never rows, and they
own the transactions: the store's query functions take a session and never commit."""
