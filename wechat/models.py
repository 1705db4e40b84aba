"""See ARCHITECTURE.md for what this app will hold."""
