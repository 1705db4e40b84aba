class AutomationError(Exception):
    """A refusal of the automation app, with a message for the person."""
