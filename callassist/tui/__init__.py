"""The terminal interface (Textual). Imports core and store; nothing imports it back."""
