"""The domain: flows, calls, templates, objections, promises. No terminal, no database."""
